"""`SearchFilters` as what restricts matches without changing scores: a Whoosh query, or
the document numbers the dates allow."""
from __future__ import annotations

from datetime import datetime

import numpy as np
from whoosh import query as wq

from index.dates import docs_between
from index.query import language_query, period_bounds
from index.schema import ENTITY_FIELDS
from kb.entity_table import name_key
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
    return wq.Term(entity_type, name_key(name))


def with_entity_names(query: wq.Query, names_of) -> wq.Query:
    """`query` with each entity term (`org:OPEC`) standing for every name of its entity,
    as the store knows them now (`names_of(type, name)` -> lower-case names): an article
    indexed before an alias was linked is found by it, whatever the import order.

    >>> with_entity_names(wq.Term("org", "opec"), lambda t, n: ["opec", "organization of ..."])
    Or([Term('org', 'opec'), Term('org', 'organization of ...')])
    """
    def expand(node: wq.Query) -> wq.Query:
        if not (isinstance(node, wq.Term) and node.fieldname in ENTITY_FIELDS):
            return node
        names = names_of(node.fieldname, node.text)  # (keys as the index holds them: name_key)
        if names == [node.text]:
            return node
        return wq.Or([wq.Term(node.fieldname, name) for name in names], boost=node.boost)

    return query.accept(expand)


def filter_query(filters: SearchFilters, schema, names_of=None) -> wq.Query | None:
    """The source, language and entity filters as one query (all of them, AND; entity
    names standing for their aliases), or None when none is given. Both backends run it."""
    parts = []
    if filters.sources:
        parts.append(wq.Or([phrase_or_term(schema, "source", s) for s in filters.sources]))
    if filters.languages:
        parts.append(wq.Or([language_query(language) for language in filters.languages]))
    parts += [entity_term(kind, name) for kind, name in filters.entities]
    query = wq.And(parts) if parts else None
    if query is not None and names_of is not None:
        query = with_entity_names(query, names_of)
    return query


def date_bounds(filters: SearchFilters) -> tuple[datetime | None, datetime | None] | None:
    """The first and last moment (to the microsecond) `since`/`until` allow, None for an
    open end; None when neither is given.

    >>> date_bounds(SearchFilters(since="2025-01", until="2025-01"))[1]
    datetime.datetime(2025, 1, 31, 23, 59, 59, 999999)
    """
    if not (filters.since or filters.until):
        return None
    start = period_bounds(filters.since)[0] if filters.since else None
    end = period_bounds(filters.until)[1] if filters.until else None
    if start and end and start > end:
        raise QueryError(f"since {filters.since} is after until {filters.until}: no date lies between them")
    return start, end.replace(microsecond=999999) if end else None


def filter_for(filters: SearchFilters | None, searcher, names_of=None):
    """What restricts a search (index.matching.all_matches' `filter`): a query for the
    source, language and entity filters (all of them, AND), the sorted array of the
    document numbers allowed once dates restrict it (read from the date column, see
    index.dates), or None when nothing restricts."""
    if filters is None:
        return None
    query = filter_query(filters, searcher.schema, names_of)
    dates = date_bounds(filters)
    if dates is None:
        return query
    dated = docs_between(searcher, *dates)
    if query is None:
        return dated
    return np.intersect1d(dated, np.fromiter(searcher.docs_for_query(query), dtype=np.int64), assume_unique=True)
