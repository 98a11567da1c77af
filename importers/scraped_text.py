"""Scraped page text (and plain text articles): headline, byline/date lines, body paragraphs.

Pages copied as text carry site chrome: menu words before the headline, empty
"Published on" labels, share lines, and teaser blocks ("Latest articles", "More like
this", "Related") after the article. General rules drop them:
- the article ends at the first short line that names a teaser or comment block;
- the lines before the first blank line are apart (a pasted article: the headline, then
  its paragraphs one a line), but a line that continues the one before is joined to it;
- the headline is the first line that reads like one: three words or more, or two as the
  text's first line when a sentence follows;
- a "Published"/"Updated" line gives the date when it has one and is dropped either way;
- "By ..." lines give the authors;
- a body paragraph must read like prose: it ends like a sentence or runs to eight words;
- a text that is mostly short lines (a list, CoNLL tokens) or no words (code, data) is
  no article (importers.prose).
"""
from __future__ import annotations

import re
from typing import BinaryIO, Iterator

from importers import Importer, Record
from importers.normalise import RECORD_TOO_BIG, clean_line, clean_text, decode, parse_date, read_record
from importers.prose import not_an_article
from kb.models import Article, Skipped

END_OF_ARTICLE = re.compile(
    r"^(latest|related|recommended|popular|trending|top|more|most read|most popular|read more|"
    r"read next|you may also like|you might also like|also read|further reading|"
    r"more (like this|from|stories|articles|news|on this)|related (articles|stories|posts|content|coverage)|"
    r"(latest|recent|top) (articles|stories|news|posts|headlines)|comments?|\d+ comments?|"
    r"leave a (comment|reply))\b.{0,30}$",
    re.IGNORECASE,
)
DATE_LINE = re.compile(r"^(published|updated|posted|last updated|date)\b[\s:]*(on\b)?[\s:]*(?P<date>.*)$", re.I)
BYLINE = re.compile(r"^by\s+(?P<names>[^.]{2,120})$", re.IGNORECASE)
SENTENCE_END = ("." , "!", "?", '"', "”", "’", "'", ":", ")", "…")
CLOSING_MARKS = "\"”’')] "
BLANK_LINE = re.compile(r"\n[ \t]*\n")
NO_ARTICLE = "no headline and body text found"
MIN_TITLE_WORDS = 3
MIN_FIRST_LINE_TITLE_WORDS = 2
MIN_PROSE_WORDS = 8


def split_authors(names: str) -> list[str]:
    """`"Jane Doe and John Roe, Reuters"` -> ["Jane Doe", "John Roe", "Reuters"]."""
    return [n.strip() for n in re.split(r",|;|\band\b|&", names) if n.strip()]


def is_end_of_article(line: str) -> bool:
    return len(line.split()) <= 6 and bool(END_OF_ARTICLE.match(line))


def is_prose(line: str) -> bool:
    return line.endswith(SENTENCE_END) or len(line.split()) >= MIN_PROSE_WORDS


def is_sentence(line: str) -> bool:
    """Ends with a full stop, as a body's sentence does and a headline seldom does."""
    return line.rstrip(CLOSING_MARKS).endswith((".", "…"))


def date_line(line: str) -> re.Match | None:
    """A short "Published on ..." line (its date, if any, in the group `date`)."""
    return DATE_LINE.match(line) if len(line.split()) <= 8 else None


def is_date_or_byline(line: str) -> bool:
    return bool(date_line(line) or BYLINE.match(line))


def continues(previous: str, line: str) -> bool:
    """A wrapped line: the one before ends mid-sentence and this one starts in lower case."""
    return not previous.endswith(SENTENCE_END) and line[:1].islower()


def first_lines_apart(text: str) -> str:
    """`text` with each line of its first block (up to the first blank line) a paragraph of
    its own, continued lines joined: `"Headline\nBody."` -> `"Headline\n\nBody."`."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip()
    blank = BLANK_LINE.search(text)
    head, rest = (text[:blank.start()], text[blank.start():]) if blank else (text, "")
    paragraphs: list[str] = []
    for line in filter(None, (line.strip() for line in head.split("\n"))):
        if paragraphs and continues(paragraphs[-1], line):
            paragraphs[-1] += " " + line
        else:
            paragraphs.append(line)
    return "\n\n".join(paragraphs) + rest


def is_headline(lines: list[str], at: int) -> bool:
    """Three words or more; two for the first line when the next line (past a byline or
    date) is a sentence: `"Budget approved"` then `"The council approved it."`."""
    line = lines[at]
    words = len(line.split())
    if is_end_of_article(line) or words < MIN_FIRST_LINE_TITLE_WORDS:
        return False
    if words >= MIN_TITLE_WORDS:
        return True
    following = (other for other in lines[at + 1:] if not is_date_or_byline(other))
    return at == 0 and is_sentence(next(following, ""))


def parse_page(text: str, origin: str) -> Record:
    """One article from the text of one scraped page, or Skipped if none is there."""
    not_article = not_an_article(text)
    if not_article:
        return Skipped(origin, "file", not_article)
    lines = [clean_line(piece) for piece in clean_text(first_lines_apart(text)).split("\n\n")]
    lines = [line for line in lines if line]
    title, published, authors, body = None, None, [], []
    for at, line in enumerate(lines):
        if is_end_of_article(line) and title is not None and body:
            break
        dated, byline = date_line(line), BYLINE.match(line)
        if dated:
            published = published or parse_date(dated.group("date"))
        elif byline and not body:
            authors += split_authors(byline.group("names"))
        elif title is None:
            title = line if is_headline(lines, at) else None
        elif is_prose(line):
            body.append(line)
    if title is None or not body:
        return Skipped(origin, "file", NO_ARTICLE)
    return Article(title=title, body="\n\n".join(body), published=published, authors=authors,
                   origin=origin, record="file")


def parse(stream: BinaryIO, *, origin: str) -> Iterator[Record]:
    """Yield the one article of a scraped page."""
    data = read_record(stream)
    yield Skipped(origin, "file", RECORD_TOO_BIG) if data is None else parse_page(decode(data), origin)


IMPORTER = Importer(
    name="text",
    description="Scraped page text or plain-text article: headline, then paragraphs",
    extensions=(".txt", ".text"),
    parse=parse,
)
