"""JSON files: one article object, an array of them, or an object holding such an array."""
from __future__ import annotations

import json
from typing import BinaryIO, Iterator

from importers import Importer, Record
from importers.fields import article_from_record
from importers.normalise import decode
from kb.errors import InputError

LIST_KEYS = ("articles", "items", "data", "results", "records", "documents")


def records_of(document) -> list:
    """The article records in a parsed JSON document."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        for key in LIST_KEYS:
            if isinstance(document.get(key), list):
                return document[key]
    return [document]


def parse(stream: BinaryIO, *, origin: str) -> Iterator[Record]:
    """Yield one article per object; a file that is not JSON raises InputError with the line."""
    try:
        document = json.loads(decode(stream.read()))
    except json.JSONDecodeError as error:
        raise InputError(origin, f"not valid JSON: {error.msg} (column {error.colno})", line=error.lineno) from None
    for number, record in enumerate(records_of(document), start=1):
        yield article_from_record(record, origin, f"item {number}")


def looks_like_json(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"[", b"{")) and not looks_like_json_lines(head)


def looks_like_json_lines(head: bytes) -> bool:
    lines = [line.strip() for line in head.lstrip(b"\xef\xbb\xbf").splitlines() if line.strip()]
    return len(lines) >= 2 and lines[0].startswith(b"{") and lines[0].endswith(b"}") and lines[1].startswith(b"{")


IMPORTER = Importer(
    name="json",
    description="JSON: an article object or an array of them (title/headline, body/text/content, url, date...)",
    extensions=(".json",),
    parse=parse,
    sniff=looks_like_json,
)
