"""Running one query: a page of hits with their matched terms, the total, and facets."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np
from whoosh import query as wq

from index.facets import column_values, facet_counts
from index.dates import NO_DATE, published_values
from index.matching import all_matches, first_positions

HIGHLIGHT_FIELDS = ("title", "body")


@dataclass
class IndexHit:
    id: str
    score: float
    terms: set[str] = field(default_factory=set)  # indexed terms that matched, for highlighting
    more: int = 0  # hits of the same story folded into this one (collapse)


@dataclass
class IndexPage:
    total: int
    hits: list[IndexHit]
    facets: dict[str, list[tuple[str, int]]]


def run_search(searcher, query, *, filter=None, limit: int, offset: int, sort: str,
               facet_fields: tuple[str, ...], facet_top: int, collapse: bool = False) -> IndexPage:
    """Search with `searcher`, answered with arrays (see index.matching): every match scored,
    the page ranked by relevance or by date (ties in document order, as Whoosh orders
    them), facets over every match; `collapse` keeps the first hit of each story."""
    matches = all_matches(searcher, query, filter)
    if sort == "relevance":
        keys = -matches.scores
    else:
        published = published_values(searcher)[matches.ids]
        keys = NO_DATE - published if sort == "newest" else published
    wanted = offset + limit
    if collapse:
        ranked = first_positions(keys, matches.ids, len(keys))
        shown, copies = first_of_each_story(searcher, matches.ids, ranked, wanted)
    else:
        shown = first_positions(keys, matches.ids, wanted)
        copies = [1] * len(shown)
    terms = highlight_terms(query, searcher.reader())
    page = [IndexHit(searcher.stored_fields(int(matches.ids[i]))["id"], float(matches.scores[i]), terms, n - 1)
            for i, n in list(zip(shown, copies))[offset:]]
    facets = facet_counts(searcher, matches.ids, facet_fields, facet_top) if facet_fields else {}
    return IndexPage(len(matches.ids), page, facets)


def first_of_each_story(searcher, docnums: np.ndarray, ranked: np.ndarray, wanted: int) -> tuple[list[int], list[int]]:
    """The positions (in `ranked` order) of the first match of each story, until `wanted`
    of them, and how many matches each story has."""
    stories = column_values(searcher, "story", docnums)
    copies = Counter(stories)
    seen, shown = set(), []
    for position in ranked.tolist():
        if stories[position] not in seen:
            seen.add(stories[position])
            shown.append(position)
            if len(shown) == wanted:
                break
    return shown, [copies[stories[position]] for position in shown]


def highlight_terms(query: wq.Query, reader) -> set[str]:
    """The title/body terms to mark in a hit's snippets: every term of the query outside
    NOT clauses, wildcard and fuzzy terms expanded to the words they stand for. A hit
    holds no other query term, and its text is searched for these only, so this is the
    set of terms it matched, without Whoosh recording them for every match (which cost
    a third of the query time)."""
    terms = set()
    for leaf in positive_leaves(query):
        for fieldname, text in leaf.expanded_terms(reader, phrases=True):
            if fieldname in HIGHLIGHT_FIELDS:
                terms.add(text.decode("utf-8") if isinstance(text, bytes) else text)
    return terms


def positive_leaves(query: wq.Query) -> Iterator[wq.Query]:
    """The leaf queries of `query` that a match satisfies (those under a NOT it avoids)."""
    if isinstance(query, wq.Not):
        return
    if isinstance(query, wq.AndNot):
        yield from positive_leaves(query.a)
    elif query.is_leaf():
        yield query
    else:
        for child in query.children():
            yield from positive_leaves(child)
