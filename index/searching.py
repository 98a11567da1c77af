"""Running one query: a page of hits with their matched terms, the total, and facets."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np
from whoosh import query as wq

from index.facets import column_values, facet_counts
from index.dates import NO_DATE, published_values
from index.analysis import EXACT_MARK
from index.highlight import Phrase
from index.matching import all_matches, first_positions
from index.query import Proximity
from index.schema import ENTITY_FIELDS

HIGHLIGHT_FIELDS = ("title", "body")


@dataclass
class IndexHit:
    id: str
    score: float
    terms: set[str] = field(default_factory=set)  # indexed terms that matched, for highlighting
    more: int = 0  # hits of the same story folded into this one (collapse)
    phrases: tuple = ()  # phrases to highlight where they match (index.highlight.Phrase)
    entities: tuple = ()  # (type, lower-case name) of entities the query names, to mark their mentions


@dataclass
class IndexPage:
    total: int
    hits: list[IndexHit]
    facets: dict[str, list[tuple[str, int]]]
    undated: int = 0  # matches without a publication date (shown last when sorted by date)


def run_search(searcher, query, *, filter=None, limit: int, offset: int, sort: str,
               facet_fields: tuple[str, ...], facet_top: int, collapse: bool = False) -> IndexPage:
    """Search with `searcher`, answered with arrays (see index.matching): every match scored,
    the page ranked by relevance or by date (ties in document order, as Whoosh orders
    them; undated matches last), facets over every match; `collapse` keeps the first hit
    of each story."""
    matches = all_matches(searcher, query, filter)
    published = published_values(searcher)[matches.ids]
    keys = -matches.scores if sort == "relevance" else date_keys(published, newest=sort == "newest")
    wanted = offset + limit
    if collapse:
        ranked = first_positions(keys, matches.ids, len(keys))
        shown, copies = first_of_each_story(searcher, matches.ids, ranked, wanted)
    else:
        shown = first_positions(keys, matches.ids, wanted)
        copies = [1] * len(shown)
    marks = query_marks(query, searcher.reader())
    page = [IndexHit(searcher.stored_fields(int(matches.ids[i]))["id"], float(matches.scores[i]), more=n - 1, **marks)
            for i, n in list(zip(shown, copies))[offset:]]
    facets = facet_counts(searcher, matches.ids, facet_fields, facet_top) if facet_fields else {}
    return IndexPage(len(matches.ids), page, facets, int(np.count_nonzero(published == NO_DATE)))


def date_keys(published: np.ndarray, newest: bool) -> np.ndarray:
    """Sort keys (smallest first) for `published` column values: oldest or newest first,
    and the undated (NO_DATE) last either way.

    >>> date_keys(np.array([5, NO_DATE, 9], dtype=np.uint64), newest=True).argsort().tolist()
    [2, 0, 1]
    """
    if not newest:
        return published  # NO_DATE is the largest value: the undated come last already
    return np.where(published == NO_DATE, NO_DATE, NO_DATE - 1 - published)


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


def query_marks(query: wq.Query, reader) -> dict:
    """What a hit of `query` has marked in its text, as IndexHit's fields: the terms,
    the phrases, and the entities the query names."""
    return {"terms": highlight_terms(query, reader), "phrases": highlight_phrases(query),
            "entities": named_entities(query)}


def highlight_terms(query: wq.Query, reader) -> set[str]:
    """The title/body terms to mark in a hit's snippets: every term of the query outside
    NOT clauses, wildcard and fuzzy terms expanded to the words they stand for. A hit
    holds no other query term, and its text is searched for these only, so this is the
    set of terms it matched, without Whoosh recording them for every match (which cost
    a third of the query time)."""
    terms = set()
    for leaf in positive_leaves(query):
        if isinstance(leaf, wq.Phrase):
            continue  # marked where the phrase matches: highlight_phrases
        for fieldname, text in leaf.expanded_terms(reader, phrases=True):
            if fieldname in HIGHLIGHT_FIELDS:
                terms.add(text.decode("utf-8") if isinstance(text, bytes) else text)
    return terms


def highlight_phrases(query: wq.Query) -> tuple[Phrase, ...]:
    """The title/body phrases of `query` outside NOT clauses, as exact words: with None
    (one after the other) or N (`"a b"~N`: within N words, any order)."""
    return tuple(dict.fromkeys(
        (tuple(word.removeprefix(EXACT_MARK) for word in leaf.words), leaf.slop if isinstance(leaf, Proximity) else None)
        for leaf in positive_leaves(query) if isinstance(leaf, wq.Phrase) and leaf.fieldname in HIGHLIGHT_FIELDS))


def named_entities(query: wq.Query) -> tuple[tuple[str, str], ...]:
    """(type, lower-case name) of each entity a positive clause of `query` names."""
    return tuple(dict.fromkeys((leaf.fieldname, leaf.text) for leaf in positive_leaves(query)
                               if isinstance(leaf, wq.Term) and leaf.fieldname in ENTITY_FIELDS))


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
