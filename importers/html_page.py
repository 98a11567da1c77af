"""HTML article pages: the main text and metadata of one saved page, via trafilatura.

trafilatura (with htmldate for the date) finds the article body, dropping navigation,
teasers and comments, and reads title, authors, site name, canonical URL and date from
the page's metadata. It only ever gets the HTML text here, never a URL to fetch.
`extract_article` is shared with the WARC importer.
"""
from __future__ import annotations

import logging
import re
from datetime import datetime, timezone
from typing import BinaryIO, Iterator
from urllib.parse import urlsplit

from importers import Importer, Record
from importers.normalise import (MAX_RECORD_BYTES, RECORD_TOO_BIG, clean_line, clean_text, decode, decode_utf8,
                                 parse_date, read_record)
from kb.models import Article, Skipped

LOGGER = logging.getLogger(__name__)
LOGGER.addHandler(logging.NullHandler())

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_HTML_START = re.compile(rb"<(!doctype\s+html|html[\s>])", re.IGNORECASE)
MAX_PAGE_BYTES = 4 * MAX_RECORD_BYTES  # markup, scripts and inline images are most of a page
MIN_BODY_CHARS = 30  # the shortest real article body in the shared corpora is over 50 characters
_URL_LIKE = re.compile(r"^[a-z][a-z0-9+.-]*://\S+$", re.IGNORECASE)
_AUTHOR_SEPARATORS = re.compile(r";|\s+and\s+|\s&\s")


def decode_html(data: bytes, charset: str | None = None) -> str:
    """The text of an HTML page. Valid UTF-8 wins (saved pages often keep a stale
    <meta charset>); else the charset given (HTTP header) or declared in a <meta> tag;
    else Windows-1252."""
    text = decode_utf8(data)
    if text is not None:
        return text
    for declared in (charset, _declared_charset(data)):
        if declared:
            try:
                return data.decode(declared, errors="replace")
            except LookupError:
                continue
    return decode(data)


def _declared_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii") if match else None


def registered_domain(url: str | None) -> str | None:
    """`https://www.bbc.co.uk/news/x` -> `bbc.co.uk` (the public suffix list via `tld`)."""
    if not url:
        return None
    host = (urlsplit(url).hostname or "").lower()
    if not host:
        return None
    try:
        from tld import get_fld  # a trafilatura dependency; offline public-suffix list
        return get_fld(host, fix_protocol=True, fail_silently=True) or host
    except ImportError:  # pragma: no cover
        return host.removeprefix("www.")


def source_name(site_name: str, url: str | None) -> str:
    """The site name, unless it is only a URL or the page's host name (trafilatura falls
    back to the host): then the registered domain, `news.bbc.co.uk` -> `bbc.co.uk`."""
    if site_name and _URL_LIKE.match(site_name):
        return registered_domain(site_name) or ""
    host = (urlsplit(url).hostname or "").lower() if url else ""
    if not site_name or (host and site_name.lower() in (host, host.removeprefix("www."))):
        return registered_domain(url) or site_name
    return site_name


def body_paragraphs(text: str | None) -> str:
    """trafilatura's plain text (one block per line) as blank-line separated paragraphs."""
    lines = (clean_line(line) for line in (text or "").split("\n"))
    return clean_text("\n\n".join(line for line in lines if line))


def split_authors(author: str | None) -> list[str]:
    """trafilatura joins authors with "; "; names are also split on " and " / " & "."""
    if not author:
        return []
    names = (clean_line(name) for name in _AUTHOR_SEPARATORS.split(author))
    return list(dict.fromkeys(name for name in names if name))


_TITLE_SEPARATOR = re.compile(r"\s+[|\-\u2013\u2014\u00b7]\s+")


def strip_title_suffix(title: str, names: list[str]) -> str:
    """Drop a trailing " | Site name" (or " - Author") that pages append to their title.

    >>> strip_title_suffix("Mugabe resigns | The Guardian", ["The Guardian"])
    'Mugabe resigns'
    """
    keys = [name.casefold() for name in names if name]
    while True:
        parts = _TITLE_SEPARATOR.split(title)
        if len(parts) < 2:
            return title
        last = parts[-1].strip().casefold()
        if not last or not any(key == last or key.startswith(last + " ") or last.startswith(key) for key in keys):
            return title
        title = title[: title.rstrip().rfind(parts[-1].strip())].rstrip(" |-\u2013\u2014\u00b7:")


def extract_article(html: str, *, origin: str, record: str = "file", url: str | None = None,
                    fallback_published: str | None = None) -> Article | Skipped:
    """The article on one HTML page, or Skipped when no main text is found.

    `url` is where the page came from (used when the page names no canonical URL);
    `fallback_published` (ISO UTC) is used when the page shows no date.
    >>> extract_article(open("page.html").read(), origin="page.html").title
    """
    if not html.strip() or _URL_LIKE.match(html.strip()):
        return Skipped(origin, record, "no HTML")
    import trafilatura  # lazy: a heavy import, only needed when HTML is parsed

    try:
        document = trafilatura.bare_extraction(
            html,
            url=url,
            with_metadata=True,
            include_comments=False,
            include_images=False,
            include_links=False,
            date_extraction_params={
                "original_date": True,
                "extensive_search": True,
                "outputformat": "%Y-%m-%dT%H:%M:%S%z",
                "max_date": datetime.now(timezone.utc).strftime("%Y-%m-%d"),
            },
        )
    except Exception as error:  # noqa: BLE001 - odd markup fails in many ways; one page must not stop an import
        LOGGER.debug("trafilatura failed on %s: %r", origin, error)
        return Skipped(origin, record, f"HTML extraction failed ({type(error).__name__})")
    if document is None:
        return Skipped(origin, record, "no article text found")
    body = body_paragraphs(document.text)
    if len(body) < MIN_BODY_CHARS:  # a menu word or two salvaged from a page without an article
        return Skipped(origin, record, "no article text found")
    canonical = clean_line(document.url or "") or url
    if canonical and not canonical.lower().startswith(("http://", "https://")):
        canonical = url
    site_name = source_name(clean_line(document.sitename or ""), canonical or url)
    authors = split_authors(document.author)
    title = strip_title_suffix(clean_line(document.title or ""), [site_name, *authors])
    first, _, rest = body.partition("\n\n")
    if rest and title and first.casefold() == title.casefold():  # the headline, repeated as text
        body = rest
    return Article(
        title=title or body.split("\n\n")[0][:120],
        body=body,
        url=canonical or None,
        published=parse_date(document.date) or fallback_published,  # a bare day: midnight UTC
        source=site_name or None,
        authors=authors,
        language=clean_line(document.language or "") or _html_lang(html),
        origin=origin,
        record=record,
    )


_HTML_LANG = re.compile(r"<html[^>]*\slang\s*=\s*[\"']?([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?)", re.IGNORECASE)


def _html_lang(html: str) -> str | None:
    match = _HTML_LANG.search(html[:8192])
    return match.group(1).replace("_", "-") if match else None


def parse(stream: BinaryIO, *, origin: str) -> Iterator[Record]:
    """Yield the one article of an HTML page (or Skipped when it holds no article text)."""
    data = read_record(stream, MAX_PAGE_BYTES)
    if data is None:
        yield Skipped(origin, "file", RECORD_TOO_BIG)
        return
    yield extract_article(decode_html(data), origin=origin)


def looks_like_html(head: bytes) -> bool:
    """True for a document starting with <!doctype html> or <html> (after BOM, blanks,
    an XML declaration or comments)."""
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<!doctype html", b"<html")):
        return bool(_HTML_START.match(start))
    if start.startswith((b"<!--", b"<?xml")):
        return bool(_HTML_START.search(start))
    return False


IMPORTER = Importer(
    name="html",
    description="HTML article page: main text, title, date, authors, site name (trafilatura)",
    extensions=(".html", ".htm"),
    parse=parse,
    sniff=looks_like_html,
)
