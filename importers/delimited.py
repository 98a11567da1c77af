"""CSV and TSV files with a header row: one article per row, streamed.

Columns are found by the common names the JSON importer knows (title/headline,
body/text/content, url/link, published/date/published_at, source, authors/author...),
matched case-insensitively; `with_mapping` names the columns explicitly instead.
A row's record is "line N", the physical line where the row starts.

>>> from importers.delimited import with_mapping
>>> importer = with_mapping({"body": "story", "published": "day"})
"""
from __future__ import annotations

import csv
import re
from functools import partial
from typing import BinaryIO, Callable, Iterator, Mapping

from importers import Importer, Record
from importers.fields import FIELD_NAMES, article_from_record, as_text, first_value
from importers.normalise import MAX_RECORD_BYTES, Decoder, bounded_lines, clean_text, decode
from kb.errors import ArgumentError, InputError
from kb.models import Skipped

FIELD_SIZE_LIMIT = MAX_RECORD_BYTES  # article bodies run far past csv's 128 KiB default
_LONE_CR = re.compile(r"(?<=\r)(?!\n|$)")
LOWER_FIELD_NAMES = {field: tuple(dict.fromkeys(n.lower() for n in names)) for field, names in FIELD_NAMES.items()}


def decoded_lines(stream: BinaryIO, origin: str = "") -> Iterator[str]:
    """The lines of a binary stream as text: UTF-8, else the encoding detected in the
    first line that is not. A lone CR ends a line too (files saved by old Mac programs).
    A line over `MAX_RECORD_BYTES` stops the file (InputError): it is never held whole.
    """
    decode = Decoder()
    for number, raw in enumerate(bounded_lines(stream), start=1):
        if raw is None:
            raise InputError(origin, f"a line over {MAX_RECORD_BYTES // 1_000_000} MB", line=number)
        yield from _LONE_CR.split(decode(raw))


def parse_rows(stream: BinaryIO, *, origin: str, delimiter: str,
               mapping: Mapping[str, str] | None = None) -> Iterator[Record]:
    """Yield one article per data row (Skipped "no body" for a row without body text)."""
    csv.field_size_limit(FIELD_SIZE_LIMIT)
    reader = csv.reader(decoded_lines(stream, origin), delimiter=delimiter)
    field_names, columns = None, []
    line = 1  # the physical line the next row starts on: a quoted cell may span lines
    try:
        for cells in reader:
            where, line = f"line {line}", reader.line_num + 1
            if not any(cell.strip() for cell in cells):
                continue
            if field_names is None:
                columns = [name.strip().lower() for name in cells]
                field_names = fields_for(columns, mapping, origin, reader.line_num)
                continue
            if len(cells) != len(columns):
                yield Skipped(origin, where, f"{len(cells)} fields where the header has {len(columns)}",
                              malformed=True)
                continue
            record = dict(zip(columns, cells))
            if not clean_text(as_text(first_value(record, field_names["body"]))):
                yield Skipped(origin, where, "no body", malformed=True)
                continue
            yield article_from_record(record, origin, where, field_names)
    except csv.Error as error:
        kind = "TSV" if delimiter == "\t" else "CSV"
        raise InputError(origin, f"not readable as {kind}: {error}", line=reader.line_num) from None


def fields_for(columns: list[str], mapping: Mapping[str, str] | None, origin: str,
               header_line: int) -> dict[str, tuple[str, ...]]:
    """The column names to read each article field from: common names, or the mapping's."""
    field_names = dict(LOWER_FIELD_NAMES)
    for field, column in (mapping or {}).items():
        column = column.strip().lower()
        if column not in columns:
            raise InputError(origin, f"no column {column!r} for {field} (columns: {', '.join(columns)})",
                             line=header_line)
        field_names[field] = (column,)
    if not any(name in columns for name in field_names["body"]):
        raise InputError(origin, "no body column (name one body, text or content, or give a column mapping)",
                         line=header_line)
    return field_names


def check_mapping(mapping: Mapping[str, str]) -> dict[str, str]:
    """The mapping, if it names article fields only (ArgumentError otherwise)."""
    unknown = sorted(set(mapping) - set(FIELD_NAMES))
    if unknown:
        raise ArgumentError(f"unknown article field(s) {', '.join(unknown)}; known: {', '.join(FIELD_NAMES)}")
    return dict(mapping)


def _parser(delimiter: str, mapping: Mapping[str, str] | None = None) -> Callable[..., Iterator[Record]]:
    def parse(stream: BinaryIO, *, origin: str) -> Iterator[Record]:
        return parse_rows(stream, origin=origin, delimiter=delimiter, mapping=mapping)

    parse.__doc__ = parse_rows.__doc__
    return parse


def _sniffer(delimiter: str) -> Callable[[bytes], bool]:
    def sniff(head: bytes) -> bool:
        """True when the first line, split by the delimiter, names a body or title column."""
        first = decode(head.lstrip(b"\xef\xbb\xbf").split(b"\n", 1)[0]).strip().lower()
        if delimiter not in first:
            return False
        cells = {cell.strip().strip('"').strip() for cell in first.split(delimiter)}
        known = set(LOWER_FIELD_NAMES["body"]) | set(LOWER_FIELD_NAMES["title"])
        return bool(cells & known)

    return sniff


def with_mapping(mapping: Mapping[str, str], *, delimiter: str = ",") -> Importer:
    """A CSV (or, with delimiter="\\t", TSV) importer reading each named field from the given column.

    Fields not in the mapping are still found by their common names.
    >>> _ = open("a.csv", "w").write("title,text,date\\nIRS shares data,The IRS shared data.,2025-01-15\\n")
    >>> importer = with_mapping({"body": "text", "published": "date"})
    >>> [(a.title, a.body, a.published) for a in importer.parse(open("a.csv", "rb"), origin="a.csv")]
    [('IRS shares data', 'The IRS shared data.', '2025-01-15T00:00:00Z')]
    """
    mapping = check_mapping(mapping)
    base = TSV_IMPORTER if delimiter == "\t" else IMPORTER
    described = ", ".join(f"{field}={column}" for field, column in mapping.items())
    return Importer(
        name=base.name,
        description=f"{base.description} (columns: {described})",
        extensions=base.extensions,
        parse=_parser(delimiter, mapping),
        sniff=base.sniff,
    )


IMPORTER = Importer(
    name="csv",
    description="CSV with a header row: title, body/text, url, published/date, source, authors...",
    extensions=(".csv",),
    parse=_parser(","),
    sniff=_sniffer(","),
    mapped=with_mapping,
)
TSV_IMPORTER = Importer(
    name="tsv",
    description="TSV (tab-separated) with a header row: title, body/text, url, published/date, source, authors...",
    extensions=(".tsv", ".tab"),
    parse=_parser("\t"),
    sniff=_sniffer("\t"),
    mapped=partial(with_mapping, delimiter="\t"),
)

IMPORTERS = (IMPORTER, TSV_IMPORTER)
