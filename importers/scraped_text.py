"""Scraped page text (and plain text articles): headline, byline/date lines, body paragraphs.

Pages copied as text carry site chrome: menu words before the headline, empty
"Published on" labels, share lines, and teaser blocks ("Latest articles", "More like
this", "Related") after the article. General rules drop them:
- the article ends at the first short line that names a teaser or comment block;
- the headline is the first line that reads like one (three words or more);
- a "Published"/"Updated" line gives the date when it has one and is dropped either way;
- "By ..." lines give the authors;
- a body paragraph must read like prose: it ends like a sentence or runs to eight words.
"""
from __future__ import annotations

import re
from typing import BinaryIO, Iterator

from importers import Importer, Record
from importers.normalise import RECORD_TOO_BIG, clean_line, clean_text, decode, parse_date, read_record
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
MIN_TITLE_WORDS = 3
MIN_PROSE_WORDS = 8


def split_authors(names: str) -> list[str]:
    """`"Jane Doe and John Roe, Reuters"` -> ["Jane Doe", "John Roe", "Reuters"]."""
    return [n.strip() for n in re.split(r",|;|\band\b|&", names) if n.strip()]


def is_end_of_article(line: str) -> bool:
    return len(line.split()) <= 6 and bool(END_OF_ARTICLE.match(line))


def is_prose(line: str) -> bool:
    return line.endswith(SENTENCE_END) or len(line.split()) >= MIN_PROSE_WORDS


def parse_page(text: str, origin: str) -> Record:
    """One article from the text of one scraped page, or Skipped if none is there."""
    lines = [clean_line(line) for line in clean_text(text).split("\n\n")]
    lines = [line for piece in lines for line in [piece] if line]
    title, published, authors, body = None, None, [], []
    for line in lines:
        if is_end_of_article(line) and title is not None and body:
            break
        date_line, byline = DATE_LINE.match(line), BYLINE.match(line)
        if date_line and len(line.split()) <= 8:
            published = published or parse_date(date_line.group("date"))
        elif byline and not body:
            authors += split_authors(byline.group("names"))
        elif title is None:
            if len(line.split()) >= MIN_TITLE_WORDS and not is_end_of_article(line):
                title = line
        elif is_prose(line):
            body.append(line)
    if title is None or not body:
        return Skipped(origin, "file", "no headline and body text found")
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
