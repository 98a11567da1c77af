"""Queries Whoosh would silently "repair" are refused with where and why."""
from __future__ import annotations

import pytest

from index.query import parse_query
from index.schema import build_schema
from kb.errors import QueryError

SCHEMA = build_schema()


@pytest.mark.parametrize("text, message", [
    ("IRS AND (", "unclosed '(' at position 9"),
    ("(IRS OR ICE", "unclosed '(' at position 1"),
    ("IRS)", "unmatched ')' at position 4"),
    ("IRS AND ()", "empty parentheses at position 9"),
    ('"taxpayer data', "unclosed quote at position 1"),
    ("AND OR", "AND at position 1 needs a term before it"),
    ("IRS AND OR ICE", "OR at position 9 needs a term before it"),
    ("IRS AND", "the query ends with AND: it needs a term after it"),
    ("(IRS NOT)", "NOT needs a term after it, before position 9"),
    ("colour:red", "unknown field 'colour' at position 1"),
    ("   ", "empty query"),
])
def test_unreadable_queries_are_refused(text, message):
    with pytest.raises(QueryError) as error:
        parse_query(text, SCHEMA)
    assert str(error.value).startswith(message)


@pytest.mark.parametrize("text, expected", [
    ("IRS AND ICE", "((title:irs OR body:irs) AND (title:ice OR body:ice))"),
    ('"taxpayer privacy"', '(title:"taxpayer privacy" OR body:"taxpayer privacy")'),
    ("org:ICE", "org:ice"),
    ('person:"Scott Bessent"', "person:scott bessent"),
    ("+IRS -raids", "((title:irs OR body:irs) ANDNOT (title:raids OR body:raids))"),
    ("Mamdáni", "(title:mamdani OR body:mamdani)"),
])
def test_readable_queries_mean_what_they_say(text, expected):
    assert str(parse_query(text, SCHEMA)) == expected
