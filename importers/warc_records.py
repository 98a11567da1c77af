"""WARC web archives (.warc, .warc.gz): one article per archived HTML page, via warcio.

Each HTML `response` (or `resource`) record goes through the HTML page extraction of
`importers.html_page`, with the record's WARC-Target-URI as the page URL and its
WARC-Date as the date when the page shows none. Requests, metadata and non-HTML
responses (images, scripts...) are passed over; an HTML response whose HTTP status
is not 200 is Skipped. The record number N in "record N" counts every WARC record.
"""
from __future__ import annotations

import logging
import re
import zlib
from typing import BinaryIO, Iterator

from importers import Importer, Record
from importers.html_page import decode_html, extract_article
from importers.normalise import parse_date
from kb.errors import InputError
from kb.models import Skipped

LOGGER = logging.getLogger(__name__)
LOGGER.addHandler(logging.NullHandler())

HTML_TYPES = ("text/html", "application/xhtml+xml")
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.IGNORECASE)


def content_type(record) -> str:
    """The media type of what a record holds: the HTTP header, else the WARC header."""
    headers = record.http_headers if record.http_headers is not None else record.rec_headers
    return (headers.get_header("Content-Type") or "").strip()


def is_html(mime: str) -> bool:
    return mime.split(";", 1)[0].strip().lower() in HTML_TYPES


def charset_of(mime: str) -> str | None:
    match = _CHARSET.search(mime)
    return match.group(1) if match else None


def article_from_record(record, origin: str, where: str) -> Record | None:
    """The article of one WARC record, Skipped for a failed HTML response, None to pass over."""
    if record.rec_type not in ("response", "resource"):
        return None
    mime = content_type(record)
    if not is_html(mime):
        return None
    if record.http_headers is not None:
        status = record.http_headers.get_statuscode()
        if status != "200":
            return Skipped(origin, where, f"HTTP status {status or 'missing'}")
    url = record.rec_headers.get_header("WARC-Target-URI") or None
    html = decode_html(record.content_stream().read(), charset_of(mime))
    return extract_article(html, origin=origin, record=where, url=url,
                           fallback_published=parse_date(record.rec_headers.get_header("WARC-Date")))


def parse(stream: BinaryIO, *, origin: str) -> Iterator[Record]:
    """Yield one article per archived HTML page; a file that is no WARC raises InputError.

    A file damaged after its first record (a cut-off download) ends with one Skipped.
    """
    from warcio.archiveiterator import ArchiveIterator  # lazy: only needed for WARC files
    from warcio.exceptions import ArchiveLoadFailed

    number, reading = 0, False  # reading: failed inside record `number`, not between records
    try:
        for record in ArchiveIterator(stream):
            number, reading = number + 1, True
            result = article_from_record(record, origin, f"record {number}")
            reading = False
            if result is not None:
                yield result
    except (ArchiveLoadFailed, zlib.error, EOFError, OSError, ValueError) as error:
        if number == 0:
            raise InputError(origin, f"not a readable WARC file ({_reason(error)})") from None
        LOGGER.debug("%s: unreadable after record %d: %r", origin, number, error)
        where = f"record {number if reading else number + 1}"
        yield Skipped(origin, where, f"unreadable WARC record ({_reason(error)})")
        return
    if number == 0:  # warcio reads an empty or undecodable gzip stream as no records at all
        raise InputError(origin, "not a readable WARC file (no WARC records found)")


def _reason(error: Exception) -> str:
    text = " ".join(str(error).split())
    return (text[:120] + "...") if len(text) > 120 else (text or type(error).__name__)


def looks_like_warc(head: bytes) -> bool:
    """True for a WARC file, plain or gzip-compressed (record by record or whole)."""
    if head.startswith(b"\x1f\x8b"):
        try:
            head = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 64)
        except zlib.error:
            return False
    return head.startswith(b"WARC/")


IMPORTER = Importer(
    name="warc",
    description="WARC web archive (.warc, .warc.gz): one article per archived HTML page",
    extensions=(".warc", ".gz"),  # detection sees ".gz" for "x.warc.gz"; the sniffer checks the content
    parse=parse,
    sniff=looks_like_warc,
)
