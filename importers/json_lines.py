"""JSON Lines: one article object per line, streamed."""
from __future__ import annotations

import json
from typing import BinaryIO, Iterator

from importers import Importer, Record
from importers.fields import article_from_record
from importers.json_records import looks_like_json_lines
from importers.normalise import decode
from kb.models import Skipped


def parse(stream: BinaryIO, *, origin: str) -> Iterator[Record]:
    """Yield one article per line; a line that is not JSON is skipped with its reason."""
    for number, raw in enumerate(stream, start=1):
        line = decode(raw).strip()
        if not line:
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            yield Skipped(origin, f"line {number}", f"not valid JSON ({error.msg})")
            continue
        yield article_from_record(record, origin, f"line {number}")


IMPORTER = Importer(
    name="jsonl",
    description="JSON Lines: one article object per line",
    extensions=(".jsonl", ".ndjson"),
    parse=parse,
    sniff=looks_like_json_lines,
)
