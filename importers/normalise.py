"""Small pure helpers every importer shares: decoding, binary detection, text clean-up, dates."""
from __future__ import annotations

import html
import re
import unicodedata
from datetime import datetime, timezone
from typing import Iterator
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from dateutil import parser as date_parser

_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n\s*\n+")
# C0 controls but tab and line breaks, DEL, C1 controls, and the non-characters U+FFFE/U+FFFF.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
# UTF-8 read as Windows-1252 ("CafÃ©", "Ã‡a", "Â£5", "itâ€™s"): only such text goes through ftfy.
_MOJIBAKE = re.compile(
    "[\u00c2\u00c3][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]|\u00e2\u20ac")

MAX_RECORD_BYTES = 10 * 1000 * 1000  # one article's text; a record past it is skipped, never held whole
RECORD_TOO_BIG = f"record over {MAX_RECORD_BYTES // 1_000_000} MB"
BINARY_FILE = "binary file"
_BINARY_MAGIC = (
    b"\x89PNG", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"%PDF-", b"\x7fELF", b"PK\x03\x04", b"\x1f\x8b",
    b"BZh9", b"\xfd7zXZ\x00", b"Rar!", b"7z\xbc\xaf", b"OggS", b"fLaC", b"\x00\x00\x01\x00",
    b"II*\x00", b"MM\x00*", b"SQLite format 3\x00", b"\xd0\xcf\x11\xe0", b"wOFF", b"\x00asm",
)
_TEXT_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")
_NON_TEXT_BYTES = bytes(range(0, 9)) + bytes(range(0x0e, 0x1b)) + bytes(range(0x1c, 0x20))
# Windows-1252 text: its non-ASCII characters are letters, or this punctuation.
_WESTERN_PUNCTUATION = frozenset("\u00a0\u00a1\u00a2\u00a3\u00a7\u00a9\u00ab\u00ae\u00b0\u00b1\u00b4\u00b7"
                                 "\u00bb\u00bf\u2013\u2014\u2018\u2019\u201a\u201c\u201d\u201e\u2020"
                                 "\u2022\u2026\u20ac\u2122")


def looks_binary(head: bytes) -> bool:
    """True for the first bytes of an image, executable, archive or other non-text file:
    a known magic number, or over 10% NUL and control bytes (UTF-16 text aside).

    >>> looks_binary(b"\\x89PNG\\r\\n"), looks_binary("Café".encode("latin-1"))
    (True, False)
    """
    if not head or head.startswith(_TEXT_BOMS):
        return False
    if head.startswith(_BINARY_MAGIC):
        return True
    even_nuls, odd_nuls = head[::2].count(0), head[1::2].count(0)
    if min(even_nuls, odd_nuls) == 0 and max(even_nuls, odd_nuls) > len(head) // 4:
        return False  # UTF-16 without a BOM: every other byte is NUL
    return len(head.translate(None, _NON_TEXT_BYTES)) < 0.9 * len(head)


def decode_utf8(data: bytes) -> str | None:
    """The text of UTF-8 bytes (a BOM dropped), or None when they are not UTF-8."""
    try:
        return data.removeprefix(b"\xef\xbb\xbf").decode("utf-8")
    except UnicodeDecodeError:
        return None


class Decoder:
    """Decodes the pieces of one stream (the lines of a CSV or JSON Lines file) alike:
    UTF-8 when valid (with or without BOM), else the encoding detected in the first
    piece that is not, then kept for the others.

    >>> Decoder()("Café".encode("cp1252"))
    'Café'
    """

    def __init__(self) -> None:
        self.fallback: str | None = None

    def __call__(self, data: bytes) -> str:
        text = decode_utf8(data)
        if text is not None:
            return text
        if self.fallback is None:
            self.fallback = detect_encoding(data)
        return data.decode(self.fallback, errors="replace")


def decode(data: bytes) -> str:
    """Decode bytes as UTF-8 (with or without BOM), else in the encoding detected.

    >>> decode("Ação".encode("latin-1"))
    'Ação'
    """
    return Decoder()(data)


def detect_encoding(data: bytes) -> str:
    """The encoding of bytes that are not UTF-8: Windows-1252 (a superset of Latin-1's
    letters) when the text reads as Western text, else charset-normalizer's best guess.

    charset-normalizer alone takes short Western text for cp1250, cp1257, even Big5;
    text in another single-byte script (Cyrillic, Greek) reads in Windows-1252 as runs
    of accented letters or stray symbols, which `_reads_as_western` refuses.
    >>> detect_encoding("Москва — столица России".encode("cp1251"))
    'cp1251'
    """
    sample = data[:65536]
    if _reads_as_western(sample):
        return "cp1252"
    from charset_normalizer import from_bytes  # lazy: only text that is not UTF-8 needs it

    best = from_bytes(sample).best()
    return best.encoding if best is not None else "cp1252"


def _reads_as_western(data: bytes) -> bool:
    letters = non_ascii = 0
    for char in data.decode("cp1252", errors="replace"):
        if char.isalpha():
            letters += 1
        if char > "\x7f":
            if not (char.isalpha() or char in _WESTERN_PUNCTUATION):
                return False
            non_ascii += 1
    # Cyrillic or Greek read as Windows-1252: nearly every letter accented. Portuguese: "Ação" at most.
    return non_ascii <= 0.5 * max(letters, 1)


def read_record(stream, limit: int = MAX_RECORD_BYTES) -> bytes | None:
    """All of a stream that holds one record (a page), or None when it runs past `limit` bytes."""
    data = stream.read(limit + 1)
    return None if len(data) > limit else data


def bounded_lines(stream, limit: int = MAX_RECORD_BYTES) -> Iterator[bytes | None]:
    """The lines of a binary stream; None for a line over `limit` bytes, which is read
    past in pieces and never held whole (a 2 GB line without a newline included)."""
    while True:
        line = stream.readline(limit + 1)
        if not line:
            return
        if len(line) > limit and not line.endswith(b"\n"):
            while True:
                piece = stream.readline(1 << 20)
                if not piece or piece.endswith(b"\n"):
                    break
            line = None
        yield line


def clean_text(text: str) -> str:
    """NFC-normalise, unescape HTML entities, repair mojibake, drop control characters,
    collapse spaces.

    Paragraphs (blank-line separated) are kept; lines inside a paragraph are joined.
    >>> clean_text("A  b\\nc\\n\\n\\nD &amp; E")
    'A b c\\n\\nD & E'
    >>> clean_text("CafÃ© au lait")
    'Café au lait'
    """
    text = html.unescape(text)
    if _MOJIBAKE.search(text):
        import ftfy  # lazy, and only for text that shows the marks of mojibake

        text = ftfy.fix_text(text, unescape_html=False, uncurl_quotes=False)
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = CONTROL_CHARACTERS.sub("", text)
    paragraphs = (" ".join(p.split()) for p in _BLANK_LINES.split(text))
    # split() takes every space _SPACES names but the zero-width one (not whitespace to Python)
    return "\n\n".join(_SPACES.sub(" ", p) if "\u200b" in p else p for p in paragraphs if p)


def clean_line(text: str) -> str:
    """`clean_text` for a one-line value such as a title, source or author."""
    return " ".join(clean_text(text).split())


# Zone abbreviations news pages print ("10:30 a.m. EST"), as UTC offsets in seconds.
ZONE_ABBREVIATIONS = {name: hours * 3600 for name, hours in {
    "UTC": 0, "GMT": 0, "Z": 0, "BST": 1, "CET": 1, "CEST": 2, "EST": -5, "EDT": -4, "CST": -6, "CDT": -5,
    "MST": -7, "MDT": -6, "PST": -8, "PDT": -7, "IST": 5.5, "JST": 9, "AEST": 10, "AEDT": 11}.items()}


ISO_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)?(?:Z|[+-]\d{2}:\d{2})?")


def parse_date(value: str | None) -> str | None:
    """Read a date in any common form as ISO 8601 UTC; None when absent or unreadable.

    A date without a time zone is taken as UTC. ISO 8601 itself (what feeds and JSON
    mostly give) is read by the standard library; any other form by dateutil, a tenth
    as fast, which reads ISO 8601 alike (tests/importers/test_dates.py).
    >>> parse_date("March 3, 2025")
    '2025-03-03T00:00:00Z'
    >>> parse_date("2025-03-03T23:30:00-02:00")
    '2025-03-04T01:30:00Z'
    """
    if not value or not (text := str(value).strip()):
        return None
    try:
        if ISO_MOMENT.fullmatch(text):
            moment = datetime.fromisoformat(text.removesuffix("Z") + ("+00:00" if text.endswith("Z") else ""))
        else:
            moment = date_parser.parse(text, default=datetime(1, 1, 1), tzinfos=ZONE_ABBREVIATIONS)
        if moment.tzinfo is not None:
            moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    except (ValueError, OverflowError):  # (also a moment past the year 9999 in UTC)
        return None
    if moment.year == 1:  # no year in the text: not a usable date
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


TRACKING_PARAMETERS = re.compile(r"^(utm_\w+|fbclid|gclid|dclid|mc_cid|mc_eid|ocid|cmpid|igshid|ref|ref_src|"
                                 r"smid|share|at_medium|at_campaign|cmp|__twitter_impression)$", re.IGNORECASE)


def canonical_url(url: str | None) -> str | None:
    """The URL one article has however it was shared: scheme and host in lower case, no
    default port, no fragment, no tracking parameters, no trailing slash.

    >>> canonical_url("HTTPS://www.Example.org:443/news/a/?utm_source=x&id=7#top")
    'https://www.example.org/news/a?id=7'
    """
    if not url or "://" not in url:
        return url or None
    try:
        parts = urlsplit(url.strip())
        host, port = (parts.hostname or "").lower(), parts.port
    except ValueError:  # "http://[bad", a port out of range: kept as it was given
        return url.strip()
    if port and (parts.scheme.lower(), port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                       if not TRACKING_PARAMETERS.match(k)])
    path = parts.path.rstrip("/") if parts.path not in ("", "/") else ""
    return urlunsplit((parts.scheme.lower(), host, path, query, ""))
