"""The last step of every importer's articles, built-in or plugin, in one place:

- an article whose text is over `MAX_RECORD_BYTES` is Skipped ("record over 10 MB");
- control characters (NUL included) are removed from every text field;
- the URL is made canonical (no tracking parameters or fragment), so one article
  shared under several URLs is recognised as the same;
- an article without a source gets the one the user gave (`kb import --source NAME`),
  else its URL's registered domain (`news.bbc.co.uk` -> `bbc.co.uk`); importers set the
  feed or site name themselves when they know it;
- the language a source gives is a BCP 47 tag in one case form (`en_us`, `EN-US` ->
  `en-US`), so that one language is stored one way.

An article's language is the one its source gives, else the one the user gave (`kb
import --lang CODE`); when there is none, the import pipeline detects it (kb.ingest), in
the worker processes that also extract entities.
"""
from __future__ import annotations

from typing import Iterable, Iterator

from importers.html_page import registered_domain
from importers.normalise import CONTROL_CHARACTERS, MAX_RECORD_BYTES, RECORD_TOO_BIG, canonical_url
from kb.models import Article, Skipped
from kb.vocabulary import language_tag

Record = Article | Skipped


def finished(records: Iterable[Record], source: str | None = None, language: str | None = None) -> Iterator[Record]:
    """`records` with each article through `finish`."""
    for record in records:
        yield finish(record, source, language) if isinstance(record, Article) else record


def finish(article: Article, source: str | None = None, language: str | None = None) -> Record:
    """The article checked and completed (see the module), or Skipped when it is too big;
    `source` and `language` are for an article that gives none.

    >>> finish(Article(title="T", body="The IRS shared data with ICE agents.", url="https://news.bbc.co.uk/a")).source
    'bbc.co.uk'
    """
    if text_size(article) > MAX_RECORD_BYTES:
        return Skipped(article.origin or "", article.record or "file", RECORD_TOO_BIG)
    for name in ("title", "body", "url", "published", "source", "language"):
        value = getattr(article, name)
        if value and CONTROL_CHARACTERS.search(value):
            setattr(article, name, CONTROL_CHARACTERS.sub("", value))
    article.authors = [CONTROL_CHARACTERS.sub("", name) for name in article.authors]
    article.url = canonical_url(article.url)
    article.source = article.source or source or registered_domain(article.url)
    article.language = language_tag(article.language or language)
    return article


def text_size(article: Article) -> int:
    """The UTF-8 size of an article's title and body (counted exactly only near the limit)."""
    chars = len(article.title) + len(article.body)
    if chars * 4 <= MAX_RECORD_BYTES:
        return chars
    return len(article.title.encode("utf-8", "replace")) + len(article.body.encode("utf-8", "replace"))
