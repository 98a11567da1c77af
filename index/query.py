"""Reading the query language, and refusing what Whoosh would silently "repair".

Whoosh's parser never raises: `title:(unclosed` becomes a term and `AND OR`
becomes a NullQuery. `check_syntax` finds those cases first and names where.
"""
from __future__ import annotations

import re

from whoosh import query as wq
from whoosh.qparser import FuzzyTermPlugin, MultifieldParser, PlusMinusPlugin

from kb.errors import QueryError

DEFAULT_FIELDS = ("title", "body")
BINARY_OPERATORS = {"AND", "OR", "ANDNOT", "ANDMAYBE"}
OPERATORS = BINARY_OPERATORS | {"NOT"}
_WORD = re.compile(r'"[^"]*"?|[()]|[^\s()"]+')
_FIELD_PREFIX = re.compile(r"^([A-Za-z_]+):")


def check_syntax(text: str, fieldnames: set[str]) -> None:
    """Raise QueryError naming the first unreadable spot of `text` (1-based position)."""
    if not text.strip():
        raise QueryError("empty query")
    open_at, previous = [], None
    for match in _WORD.finditer(text):
        word, position = match.group(), match.start() + 1
        if word.startswith('"') and (len(word) == 1 or not word.endswith('"')):
            raise QueryError(f"unclosed quote at position {position}")
        if word == "(":
            open_at.append(position)
        elif word == ")":
            if not open_at:
                raise QueryError(f"unmatched ')' at position {position}")
            open_at.pop()
            if previous == "(":
                raise QueryError(f"empty parentheses at position {position - 1}")
            if previous in OPERATORS:
                raise QueryError(f"{previous} needs a term after it, before position {position}")
        elif word in BINARY_OPERATORS and (previous is None or previous == "(" or previous in OPERATORS):
            raise QueryError(f"{word} at position {position} needs a term before it")
        field = _FIELD_PREFIX.match(word)
        if field and field.group(1) not in fieldnames and field.group(1) not in ("http", "https"):
            known = ", ".join(sorted(fieldnames))
            raise QueryError(f"unknown field '{field.group(1)}' at position {position} (fields: {known})")
        previous = word
    if open_at:
        raise QueryError(f"unclosed '(' at position {open_at[-1]}")
    if previous in OPERATORS:
        raise QueryError(f"the query ends with {previous}: it needs a term after it")


def make_parser(schema) -> MultifieldParser:
    """The query parser: title and body by default, with +/- and fuzzy `~` terms."""
    parser = MultifieldParser(list(DEFAULT_FIELDS), schema)
    parser.add_plugin(PlusMinusPlugin())
    parser.add_plugin(FuzzyTermPlugin())
    return parser


def parse_query(text: str, schema) -> wq.Query:
    """Parse `text` into a Whoosh query, or raise QueryError with where and why.

    >>> parse_query("IRS AND ICE", build_schema())
    """
    searchable = {name for name in schema.names() if name != "id"}
    check_syntax(text, searchable)
    parsed = make_parser(schema).parse(text)
    if parsed is wq.NullQuery or isinstance(parsed, type(wq.NullQuery)):
        raise QueryError(f"nothing to search for in {text!r}")
    return parsed
