"""JSON files: one article object, an array of them, or an object holding such an array.

A file up to `WHOLE_FILE_BYTES` is parsed whole: all or nothing, and a syntax error names
its line and column. A bigger file is streamed with ijson (yajl): read in pieces of a
line at most (`PIECE_BYTES` for long lines), one record built at a time, the records
before a syntax error kept, and the error naming the line the parser stopped on. A
record over `MAX_RECORD_BYTES` of text is dropped as it is read and Skipped. In a wrapper object (`{"source": ..., "articles": [...]}`), the
first array under one of `LIST_KEYS` holds the records, and a source named before it
is the source of its records that name none.
"""
from __future__ import annotations

import io
import json
from typing import Any, BinaryIO, Iterator

from importers import Importer, Record
from importers.fields import FIELD_NAMES, article_from_record, as_text, first_value
from importers.normalise import MAX_RECORD_BYTES, RECORD_TOO_BIG, clean_line, decode
from kb.errors import InputError
from kb.models import Article, Skipped

LIST_KEYS = ("articles", "items", "data", "results", "records", "documents")
WHOLE_FILE_BYTES = 8 << 20
PIECE_BYTES = 1 << 16
_STARTS = ("start_map", "start_array")
_ENDS = ("end_map", "end_array")


def records_of(document) -> list:
    """The article records in a parsed JSON document (held whole: for small documents)."""
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        for key in LIST_KEYS:
            if isinstance(document.get(key), list):
                return document[key]
    return [document]


def pieces(stream: BinaryIO, start: bytes = b"") -> Iterator[tuple[int, bytes]]:
    """(line number, bytes) pieces of `start` then the stream, none longer than a line or
    `PIECE_BYTES` (a line across the two comes in two pieces, both with its number)."""
    line = 1
    for source in (io.BytesIO(start), stream):
        while True:
            piece = source.readline(PIECE_BYTES)
            if not piece:
                break
            yield line, piece
            if piece.endswith(b"\n"):
                line += 1


class _Builder:
    """Builds one JSON value from parser events, counting its text; past `limit` it stops
    keeping the value (which becomes None) but still follows the events to the value's end."""

    def __init__(self, limit: int) -> None:
        from ijson.common import ObjectBuilder

        self.builder, self.limit, self.size, self.depth = ObjectBuilder(), limit, 0, 0

    def event(self, event: str, value: Any) -> bool:
        """Feed one event; True when the value is complete."""
        if event in _STARTS:
            self.depth += 1
        elif event in _ENDS:
            self.depth -= 1
        if self.builder is not None:
            self.size += len(value) if isinstance(value, str) else 8
            if self.size > self.limit:
                self.builder = None
            else:
                self.builder.event(event, value)
        return self.depth == 0

    @property
    def value(self) -> Any:
        return self.builder.value if self.builder is not None else None

    @property
    def too_big(self) -> bool:
        return self.builder is None


def parse(stream: BinaryIO, *, origin: str) -> Iterator[Record]:
    """Yield one article per object; a file that is not JSON raises InputError with the line."""
    start = stream.read(WHOLE_FILE_BYTES + 1)
    if len(start) <= WHOLE_FILE_BYTES:
        yield from parse_whole(start, origin=origin)
    else:
        yield from parse_streamed(stream, origin=origin, start=start)


def parse_whole(data: bytes, *, origin: str) -> Iterator[Record]:
    """The records of a JSON document held whole (checked whole before the first is given)."""
    try:
        document = json.loads(decode(data))
    except json.JSONDecodeError as error:
        raise InputError(origin, f"not valid JSON: {error.msg} (column {error.colno})", line=error.lineno) from None
    source = _source_of(document) if isinstance(document, dict) else None
    for number, record in enumerate(records_of(document), start=1):
        article = article_from_record(record, origin, f"item {number}")
        if isinstance(article, Article) and not article.source and record is not document:
            article.source = source
        yield article


def parse_streamed(stream: BinaryIO, *, origin: str, start: bytes = b"") -> Iterator[Record]:
    """The records of a JSON document of any size, built one at a time (see the module)."""
    import ijson  # lazy: only big JSON files need it

    events = ijson.sendable_list()
    parser = ijson.basic_parse_coro(events, use_float=True)
    reader = _Reader(origin)
    line = 1
    try:
        for line, piece in pieces(stream, start):
            if piece.startswith(b"\xef\xbb\xbf") and line == 1:
                piece = piece[3:]
            parser.send(piece)
            for event, value in events:
                yield from reader.event(event, value, line)
            del events[:]
        parser.close()
        for event, value in events:
            yield from reader.event(event, value, line)
    except ijson.JSONError as error:
        message = str(error).splitlines()[0].removeprefix("parse error: ").strip() if str(error) else "incomplete"
        raise InputError(origin, f"not valid JSON: {message}", line=line) from None
    yield from reader.end()


class _Reader:
    """Turns the parser's events into records: the items of the top-level array, of the
    first `LIST_KEYS` array of a top-level object, or the one top-level object."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.depth = 0
        self.top: str | None = None  # "array", "map" or "scalar"
        self.key: str | None = None  # the current key of the top-level object
        self.in_list = False  # inside the array of records of a wrapper object
        self.list_done = False
        self.item: _Builder | None = None  # the record being built
        self.count = 0
        self.fields: dict[str, Any] = {}  # a top-level object's other values
        self.value: _Builder | None = None  # one of those values being built
        self.too_big = False  # one of those values was over the limit

    def event(self, event: str, value: Any, line: int) -> Iterator[Record]:
        if self.item is not None:
            if self.item.event(event, value):
                yield self._record()
            return
        if self.value is not None:
            self._value_event(event, value)
            return
        if self.top is None:
            self.top = {"start_array": "array", "start_map": "map"}.get(event, "scalar")
            if self.top == "scalar":
                self.fields[None] = value
            return
        if self.top == "array" or self.in_list:
            if event in _ENDS:  # the end of the array of records
                self.in_list, self.list_done = False, True
                return
            self._start_item(event, value)
            if not self.item.depth:
                yield self._record()
            return
        # the top-level object: its keys, and their values
        if event == "map_key":
            self.key = value
        elif event == "end_map":
            return
        elif event == "start_array" and self.key in LIST_KEYS and not self.list_done:
            self.in_list = True
        else:
            self.value = _Builder(MAX_RECORD_BYTES)
            self._value_event(event, value)

    def _value_event(self, event: str, value: Any) -> None:
        if self.value.event(event, value):
            self.too_big = self.too_big or self.value.too_big
            self.fields[self.key] = self.value.value
            self.value = None

    def _start_item(self, event: str, value: Any) -> None:
        self.item = _Builder(MAX_RECORD_BYTES)
        self.item.event(event, value)

    def _record(self) -> Record:
        item, self.item = self.item, None
        self.count += 1
        where = f"item {self.count}"
        if item.too_big:
            return Skipped(self.origin, where, RECORD_TOO_BIG)
        record = article_from_record(item.value, self.origin, where)
        if isinstance(record, Article) and not record.source:
            record.source = self.feed_source
        return record

    @property
    def feed_source(self) -> str | None:
        return _source_of(self.fields)

    def end(self) -> Iterator[Record]:
        """The one record of a file that holds a single object (or scalar), not an array."""
        if self.top == "scalar":
            yield article_from_record(self.fields[None], self.origin, "item 1")
        elif self.top == "map" and not self.list_done and not self.in_list:
            yield (Skipped(self.origin, "item 1", RECORD_TOO_BIG) if self.too_big
                   else article_from_record(self.fields, self.origin, "item 1"))


def _source_of(wrapper: dict) -> str | None:
    """The source a wrapper object names for its records ({"source": "Wire", "articles": [...]})."""
    value = first_value(wrapper, FIELD_NAMES["source"])
    return (clean_line(as_text(value)) or None) if value is not None else None


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
