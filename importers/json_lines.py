"""JSON Lines: one article object per line, streamed.

Lines are read with a bounded size: a line over `MAX_RECORD_BYTES` (even a 2 GB line
without a newline) is passed over in pieces and Skipped, and the next line is read.
"""
from __future__ import annotations

import json
from typing import BinaryIO, Iterator

from importers import Importer, Record
from importers.fields import article_from_record
from importers.json_records import looks_like_json_lines
from importers.normalise import MAX_RECORD_BYTES, RECORD_TOO_BIG, Decoder, bounded_lines
from kb.models import Skipped

def parse(stream: BinaryIO, *, origin: str) -> Iterator[Record]:
    """Yield one article per line; a line that is not JSON, or too long, is skipped with its reason."""
    decode = Decoder()
    for number, raw in enumerate(bounded_lines(stream, MAX_RECORD_BYTES), start=1):
        if raw is None:
            yield Skipped(origin, f"line {number}", RECORD_TOO_BIG)
            continue
        line = decode(raw).replace("\x00", "").strip()  # NUL padding: what a crashed writer leaves
        if not line:
            continue
        try:
            record = json.loads(line, strict=False)  # raw tabs and line breaks inside strings are common
        except json.JSONDecodeError as error:
            yield Skipped(origin, f"line {number}", f"not valid JSON ({error.msg})", malformed=True)
            continue
        yield article_from_record(record, origin, f"line {number}")


IMPORTER = Importer(
    name="jsonl",
    description="JSON Lines: one article object per line",
    extensions=(".jsonl", ".ndjson"),
    parse=parse,
    sniff=looks_like_json_lines,
)
