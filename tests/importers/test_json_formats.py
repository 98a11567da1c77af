"""JSON and JSON Lines: common field names, arrays, wrappers, bad records and bad files."""
from __future__ import annotations

import io
import json

import pytest

from importers import json_lines, json_records
from kb.errors import InputError
from kb.models import Article, Skipped


def parse_json(text: str):
    return list(json_records.parse(io.BytesIO(text.encode()), origin="in.json"))


def parse_jsonl(text: str):
    return list(json_lines.parse(io.BytesIO(text.encode()), origin="in.jsonl"))


def test_common_field_names_are_recognised():
    [article] = parse_json(json.dumps({
        "headline": "Storm  hits &amp; coast", "content": "Line one\nstill one.\n\n\nSecond paragraph.",
        "link": "https://example.org/a", "published_at": "2025-03-03T12:00:00+02:00",
        "source": {"name": "Example News"}, "author": "Jane Doe and John Roe",
    }))
    assert article == Article(
        title="Storm hits & coast", body="Line one still one.\n\nSecond paragraph.",
        url="https://example.org/a", published="2025-03-03T10:00:00Z", source="Example News",
        authors=["Jane Doe", "John Roe"], origin="in.json", record="item 1",
    )


def test_array_and_wrapper_objects_give_one_article_per_item():
    items = [{"title": "A", "body": "Alpha text."}, {"title": "B", "text": "Beta text."}]
    assert [a.title for a in parse_json(json.dumps(items))] == ["A", "B"]
    assert [a.record for a in parse_json(json.dumps({"articles": items}))] == ["item 1", "item 2"]


def test_records_without_body_or_not_objects_are_skipped_with_reasons():
    records = parse_json(json.dumps([{"title": "No body"}, 42, {"title": "ok", "body": "Fine."}]))
    assert [(r.record, r.reason) for r in records if isinstance(r, Skipped)] == [
        ("item 1", "no body text"), ("item 2", "not an object (int)")]
    assert records[2].title == "ok"


def test_invalid_json_names_file_and_line():
    with pytest.raises(InputError) as error:
        parse_json('[\n{"title": "a",\n "body": }\n]')
    assert str(error.value) == "in.json, line 3: not valid JSON: Expecting value (column 10)"


def test_json_lines_streams_and_skips_bad_lines():
    records = parse_jsonl('{"title": "A", "body": "One."}\n\n{broken\n{"title": "B", "body": "Two."}\n')
    assert [(type(r).__name__, r.record) for r in records] == [
        ("Article", "line 1"), ("Skipped", "line 3"), ("Article", "line 4")]
    assert records[1].reason.startswith("not valid JSON")


def test_sniffing_tells_json_from_json_lines():
    assert json_records.looks_like_json(b'[{"a": 1}]') and not json_records.looks_like_json(b'{"a":1}\n{"a":2}\n')
    assert json_records.looks_like_json_lines(b'{"a": 1}\n{"a": 2}\n')
