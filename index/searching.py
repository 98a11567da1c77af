"""Running one query: a page of hits with their matched terms, the total, and facets."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

from whoosh import query as wq
from whoosh.sorting import Count, Facets

from index.facets import ColumnFacet, MatchRecorder, facet_counts
from index.dates import NO_DATE, published_values
from index.matching import all_matches, first_positions

SORTS = {"relevance": None, "newest": ("published", True), "oldest": ("published", False)}
HIGHLIGHT_FIELDS = ("title", "body")
COPIES_FACET = "_copies"
MATCHES_FACET = "_matches"


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
    """Search with `searcher`; facets count all matches; `collapse` keeps one hit per story
    (on Whoosh's collector; other searches are answered with arrays, see index.matching)."""
    if not collapse:
        return array_search(searcher, query, filter=filter, limit=limit, offset=offset, sort=sort,
                            facet_fields=facet_fields, facet_top=facet_top)
    sort_field = SORTS[sort]
    options = {"filter": filter}
    if sort_field:
        options.update(sortedby=sort_field[0], reverse=sort_field[1])
    facets, matches = Facets(), MatchRecorder()
    if facet_fields:
        facets.add_facet(MATCHES_FACET, matches)
    if collapse:
        facets.add_facet(COPIES_FACET, ColumnFacet("story", maptype=Count))
    if facets.names():
        options["groupedby"] = facets
    wanted = offset + limit
    results = searcher.search(query, limit=wanted, **options)
    terms = highlight_terms(query, searcher.reader())
    if collapse:
        copies = results.groups(COPIES_FACET)
        hits = first_of_each_text(searcher, query, results, options, wanted)
        page = [IndexHit(h["id"], float(h.score or 0.0), terms, copies.get(h["story"], 1) - 1)
                for h in hits[offset:wanted]]
    else:
        page = [IndexHit(h["id"], float(h.score or 0.0), terms) for h in results[offset:wanted]]
    return IndexPage(len(results), page,
                     facet_counts(searcher, matches.docnums, facet_fields, facet_top) if facet_fields else {})


def array_search(searcher, query, *, filter, limit: int, offset: int, sort: str,
                 facet_fields: tuple[str, ...], facet_top: int) -> IndexPage:
    """A search answered with arrays: every match scored, the page ranked by relevance or
    by date (ties in document order, as Whoosh orders them), facets over every match."""
    matches = all_matches(searcher, query, filter)
    if sort == "relevance":
        keys = -matches.scores
    else:
        published = published_values(searcher)[matches.ids]
        keys = NO_DATE - published if SORTS[sort][1] else published
    terms = highlight_terms(query, searcher.reader())
    page = [IndexHit(searcher.stored_fields(int(matches.ids[i]))["id"], float(matches.scores[i]), terms)
            for i in first_positions(keys, matches.ids, offset + limit)[offset:]]
    facets = facet_counts(searcher, matches.ids, facet_fields, facet_top) if facet_fields else {}
    return IndexPage(len(matches.ids), page, facets)


def first_of_each_text(searcher, query, results, options, wanted: int) -> list:
    """The best-ranked hit of each story, until `wanted` of them (Whoosh's own
    collapse miscounts when a later document outranks the first of its group)."""
    while True:
        seen, hits = set(), []
        for hit in results:
            if hit["story"] not in seen:
                seen.add(hit["story"])
                hits.append(hit)
        if len(hits) >= wanted or results.scored_length() >= len(results):
            return hits[:wanted]
        results = searcher.search(query, limit=results.scored_length() * 4, **options)


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
