"""`SearchFilters` as a Whoosh filter query: restricts matches without changing scores."""
from __future__ import annotations

from whoosh import query as wq

from index.query import period_bounds
from index.schema import ENTITY_FIELDS
from kb.errors import QueryError
from kb.models import SearchFilters


def phrase_or_term(schema, fieldname: str, text: str) -> wq.Query:
    words = [token.text for token in schema[fieldname].analyzer(text)]
    if not words:
        raise QueryError(f"nothing to filter on in {fieldname} {text!r}")
    return wq.Term(fieldname, words[0]) if len(words) == 1 else wq.Phrase(fieldname, words)


def entity_term(entity_type: str, name: str) -> wq.Query:
    if entity_type not in ENTITY_FIELDS:
        raise QueryError(f"unknown entity type {entity_type!r} (use {', '.join(ENTITY_FIELDS)})")
    return wq.Term(entity_type, " ".join(name.replace(",", " ").split()).lower())


def filter_query(filters: SearchFilters | None, schema) -> wq.Query | None:
    """All of the filters (AND), each list of alternatives OR-ed; None when there are none."""
    if filters is None:
        return None
    parts = []
    if filters.since or filters.until:
        start = period_bounds(filters.since)[0] if filters.since else None
        end = period_bounds(filters.until)[1] if filters.until else None
        parts.append(wq.DateRange("published", start, end))
    if filters.sources:
        parts.append(wq.Or([phrase_or_term(schema, "source", s) for s in filters.sources]))
    if filters.languages:
        parts.append(wq.Or([wq.Term("lang", lang.lower()) for lang in filters.languages]))
    parts += [entity_term(kind, name) for kind, name in filters.entities]
    return wq.And(parts) if parts else None
