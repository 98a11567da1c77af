"""News feeds: RSS 2.0, RSS 1.0 (RDF) and Atom, one article per item, via feedparser.

feedparser only gets the bytes (wrapped in a stream, so it never takes them for a URL or
a file name); its strict parser does not load external entities, and its loose parser
reads feeds that are not well-formed XML (Latin-1 bytes, a blank line before the XML
declaration). An item's text is its full content (content:encoded, Atom content) when
it has one, else its summary/description, with the HTML turned into paragraphs.
"""
from __future__ import annotations

import calendar
import io
import logging
import re
import time
from typing import Any, BinaryIO, Iterator

from importers import Importer, Record
from importers.html_text import html_to_text
from importers.normalise import clean_line, clean_text, decode, parse_date
from kb.errors import InputError
from kb.models import Article, Skipped

LOGGER = logging.getLogger(__name__)
LOGGER.addHandler(logging.NullHandler())

_FEED_ROOT = re.compile(rb"<(rss|feed|rdf:RDF)[\s>]", re.IGNORECASE)
_XML_DECLARATION = re.compile(rb"^\s*<\?xml[^>]*\?>")
_AUTHOR_SEPARATORS = re.compile(r";|\s+and\s+|\s&\s")
_EMAIL_AUTHOR = re.compile(r"^\S+@\S+\s*\((?P<name>[^)]+)\)$")  # RSS 2.0: "jane@x.com (Jane Doe)"


def iso_utc(parsed: time.struct_time | None) -> str | None:
    """A feedparser date (a UTC struct_time) as ISO 8601 UTC."""
    if not parsed:
        return None
    try:
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(calendar.timegm(parsed)))
    except (OverflowError, ValueError):
        return None


def item_text(entry: dict[str, Any]) -> str:
    """The longest full content of an item, else its summary, as text paragraphs."""
    contents = [c for c in entry.get("content") or [] if (c.get("value") or "").strip()]
    candidates = [_as_text(c.get("value"), c.get("type")) for c in contents]
    body = max(candidates, key=len, default="")
    if not body:
        detail = entry.get("summary_detail") or {}
        body = _as_text(entry.get("summary"), detail.get("type"))
    return body


def _as_text(value: str | None, mime_type: str | None) -> str:
    if not value:
        return ""
    return clean_text(value) if mime_type == "text/plain" else html_to_text(value)


def item_authors(entry: dict[str, Any]) -> list[str]:
    names = [a.get("name") or a.get("email") for a in entry.get("authors") or [] if isinstance(a, dict)]
    if not any(names):
        names = [entry.get("author")]
    authors = []
    for name in filter(None, names):
        name = clean_line(html_to_text(name))
        match = _EMAIL_AUTHOR.match(name)
        name = match.group("name") if match else name
        authors += [n.strip() for n in _AUTHOR_SEPARATORS.split(name) if n.strip()]
    return list(dict.fromkeys(authors))


def item_date(entry: dict[str, Any]) -> str | None:
    """The item's publication date (else its update date) as ISO UTC, if readable. (Read
    with dict's own get: feedparser's answers "published" with the update date, with a
    DeprecationWarning, and will stop doing so.)"""
    for key in ("published", "updated", "created"):
        written = dict.get(entry, key)
        value = iso_utc(dict.get(entry, f"{key}_parsed")) or parse_date(written) or parse_date(english_date(written))
        if value:
            return value
    return None


# RFC 822 dates written with local day and month names ("Seg, 24 Set 2018 19:42:40 -0300"):
# month abbreviations of Portuguese, Spanish, French, German and Italian feeds.
LOCAL_MONTHS = {
    "jan": 1, "janv": 1, "ene": 1, "gen": 1, "fev": 2, "fév": 2, "févr": 2, "feb": 2, "mär": 3, "mrz": 3,
    "mar": 3, "abr": 4, "avr": 4, "apr": 4, "mai": 5, "may": 5, "mag": 5, "jun": 6, "juin": 6, "giu": 6,
    "jul": 7, "juil": 7, "lug": 7, "ago": 8, "aoû": 8, "aug": 8, "set": 9, "sep": 9, "sept": 9, "out": 10,
    "oct": 10, "okt": 10, "ott": 10, "nov": 11, "dez": 12, "dic": 12, "déc": 12, "dec": 12,
}
ENGLISH_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_LOCAL_DATE = re.compile(r"^\s*(?:[^\W\d]+\.?,?\s+)?(\d{1,2})\.?\s+([^\W\d]+)\.?\s+(\d{4})\b(.*)$")


def english_date(value: str | None) -> str | None:
    """A day-month-year date with a local month name, with the English name instead.

    >>> english_date("Seg, 24 Set 2018 19:42:40 -0300")
    '24 Sep 2018 19:42:40 -0300'
    """
    match = _LOCAL_DATE.match(value or "")
    if not match:
        return None
    day, month, year, rest = match.groups()
    month = month.lower()
    number = LOCAL_MONTHS.get(month) or LOCAL_MONTHS.get(month[:4]) or LOCAL_MONTHS.get(month[:3])
    return f"{day} {ENGLISH_MONTHS[number - 1]} {year}{rest}" if number else None


def article_from_item(entry: dict[str, Any], feed: dict[str, Any], origin: str, where: str) -> Record:
    """The article of one feed item. An item with a headline but no text (a headline
    feed) is an article whose text is its headline; an item with neither is malformed."""
    title = clean_line(html_to_text(entry.get("title") or ""))
    body = item_text(entry) or title
    if not body:
        return Skipped(origin, where, "item without text", malformed=True)
    language = entry.get("language") or (entry.get("title_detail") or {}).get("language") or feed.get("language")
    return Article(
        title=title or body.split("\n\n")[0][:120],
        body=body,
        url=clean_line(entry.get("link") or "") or None,
        published=item_date(entry),
        source=clean_line(html_to_text(feed.get("title") or "")) or None,
        authors=item_authors(entry),
        language=clean_line(language or "") or None,
        origin=origin,
        record=where,
    )


def parse(stream: BinaryIO, *, origin: str) -> Iterator[Record]:
    """Yield one article per feed item; a file that is no feed at all raises InputError."""
    data = stream.read()
    try:
        result = read_feed(data)
    except (UnicodeError, ValueError, LookupError):
        # feedparser's own decoding fails on a garbled encoding declaration or a NUL.
        result = read_feed(as_utf8_feed(data))
    entries = result.get("entries") or []
    if not entries:
        if result.get("bozo") and not result.get("version"):
            problem = result.get("bozo_exception")
            raise InputError(origin, f"not a readable RSS or Atom feed ({problem})" if problem else
                             "not a readable RSS or Atom feed")
        if not result.get("version") and not looks_like_feed(data[:4096]):
            raise InputError(origin, "not an RSS or Atom feed")
        return
    if result.get("bozo"):
        LOGGER.debug("%s is not well-formed, read leniently: %s", origin, result.get("bozo_exception"))
    feed = result.get("feed") or {}
    for number, entry in enumerate(entries, start=1):
        yield article_from_item(entry, feed, origin, f"item {number}")


def read_feed(data: bytes) -> dict:
    """feedparser's reading of feed bytes, given as a stream: a string would be taken
    for a URL or a file name."""
    import feedparser  # lazy: only needed when a feed is parsed

    return feedparser.parse(io.BytesIO(data), resolve_relative_uris=False, sanitize_html=True)


def as_utf8_feed(data: bytes) -> bytes:
    """The feed decoded by our own rules and encoded as UTF-8, NULs dropped and the
    XML declaration saying so."""
    text = decode(_XML_DECLARATION.sub(b"", data, count=1)).replace("\x00", "")
    return b'<?xml version="1.0" encoding="utf-8"?>' + text.encode("utf-8")


def looks_like_feed(head: bytes) -> bool:
    """True when the first bytes hold an <rss>, <feed> or <rdf:RDF> root element."""
    return bool(_FEED_ROOT.search(head))


IMPORTER = Importer(
    name="feed",
    description="RSS 2.0, RSS 1.0 (RDF) or Atom feed: one article per item",
    extensions=(".rss", ".atom", ".xml"),
    parse=parse,
    sniff=looks_like_feed,
)
