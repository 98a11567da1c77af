"""Queries Whoosh would silently "repair" are refused with where and why."""
from __future__ import annotations

import pytest

from index.query import operator_hints, parse_query
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
    ("published:garbage", "cannot read the date 'garbage'"),
    ("NOT NOT IRS", "NOT at position 5 follows another NOT"),  # Whoosh's parser crashes on it
    ("published:2025-13", "cannot read the date '2025-13': month must be in 1..12"),
    ("(" * 40 + "IRS" + ")" * 40, "parentheses nested deeper than 32 at position 33"),
])
def test_unreadable_queries_are_refused(text, message):
    with pytest.raises(QueryError) as error:
        parse_query(text, SCHEMA)
    assert str(error.value).startswith(message)


@pytest.mark.parametrize("text, expected", [
    ("IRS AND ICE", "((title:ir OR body:ir) AND (title:ic OR body:ic))"),  # stems
    ('"taxpayer privacy"', '(title:"=taxpayer =privacy" OR body:"=taxpayer =privacy")'),  # exact words
    ("sharing", "(title:share OR body:share)"),
    ("published:>2025-11", "published:[63900144000000000 TO ]"),
    ("org:ICE", "org:ice"),
    ('person:"Scott Bessent"', "person:scott bessent"),
    ("+IRS -raids", "((title:ir OR body:ir) ANDNOT (title:raid OR body:raid))"),
    ("Mamdáni", "(title:mamdani OR body:mamdani)"),
    ("published:2025-01", "published:[63871286400000000 TO 63873964799999999]"),
])
def test_readable_queries_mean_what_they_say(text, expected):
    assert str(parse_query(text, SCHEMA)) == expected


def test_proximity_is_a_phrase_with_slop():
    query = parse_query('body:"IRS ICE"~10', SCHEMA)
    assert (query.words, query.slop) == (["=irs", "=ice"], 10)


def test_lower_case_operators_get_a_hint():
    assert operator_hints("IRS or ICE") == [
        "'or' is searched as a word; did you mean OR? (operators are upper case)"]
    assert operator_hints('IRS OR "rock or roll"') == []
