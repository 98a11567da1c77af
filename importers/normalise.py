"""Small pure helpers every importer shares: decoding, text clean-up, dates."""
from __future__ import annotations

import html
import re
import unicodedata
from datetime import datetime, timezone

from dateutil import parser as date_parser

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def decode(data: bytes) -> str:
    """Decode bytes as UTF-8 (with or without BOM), falling back to Windows-1252/Latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")


def clean_text(text: str) -> str:
    """NFC-normalise, unescape HTML entities, drop control characters, collapse spaces.

    Paragraphs (blank-line separated) are kept; lines inside a paragraph are joined.
    >>> clean_text("A  b\\nc\\n\\n\\nD &amp; E")
    'A b c\\n\\nD & E'
    """
    text = unicodedata.normalize("NFC", html.unescape(text)).replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    paragraphs = (_SPACES.sub(" ", " ".join(p.split())) for p in _BLANK_LINES.split(text))
    return "\n\n".join(p for p in paragraphs if p)


def clean_line(text: str) -> str:
    """`clean_text` for a one-line value such as a title, source or author."""
    return " ".join(clean_text(text).split())


def parse_date(value: str | None) -> str | None:
    """Read a date in any common form as ISO 8601 UTC; None when absent or unreadable.

    A date without a time zone is taken as UTC.
    >>> parse_date("March 3, 2025")
    '2025-03-03T00:00:00Z'
    """
    if not value or not str(value).strip():
        return None
    try:
        moment = date_parser.parse(str(value).strip(), default=datetime(1, 1, 1))
    except (ValueError, OverflowError):
        return None
    if moment.year == 1:  # no year in the text: not a usable date
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
