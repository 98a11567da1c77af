"""Running one query: a page of hits with their matched terms, the total, and facets."""
from __future__ import annotations

from dataclasses import dataclass, field

from index.facets import facet_counts, facet_spec

SORTS = {"relevance": None, "newest": ("published", True), "oldest": ("published", False)}
HIGHLIGHT_FIELDS = ("title", "body")


@dataclass
class IndexHit:
    id: str
    score: float
    terms: set[str] = field(default_factory=set)  # indexed terms that matched, for highlighting
    more: int = 0  # hits with the same body folded into this one (collapse)


@dataclass
class IndexPage:
    total: int
    hits: list[IndexHit]
    facets: dict[str, list[tuple[str, int]]]


def run_search(searcher, query, *, filter=None, limit: int, offset: int, sort: str,
               facet_fields: tuple[str, ...], facet_top: int, collapse: bool = False) -> IndexPage:
    """Search with `searcher`; facets count all matches; `collapse` keeps one hit per body."""
    sort_field = SORTS[sort]
    options = {"limit": offset + limit, "terms": True, "filter": filter}
    if sort_field:
        options.update(sortedby=sort_field[0], reverse=sort_field[1])
    if facet_fields:
        options["groupedby"] = facet_spec(facet_fields)
    if collapse:
        options.update(collapse="body_key", collapse_limit=1)
    results = searcher.search(query, **options)
    folded = results.collapsed_counts if collapse else {}
    hits = [
        IndexHit(hit["id"], float(hit.score or 0.0), matched_terms(hit), folded.get(hit["body_key"], 0))
        for hit in results[offset:offset + limit]
    ]
    facets = facet_counts(results, facet_fields, facet_top) if facet_fields else {}
    return IndexPage(len(results), hits, facets)


def matched_terms(hit) -> set[str]:
    """The title/body terms of the query that this hit contains."""
    if not hit.results.has_matched_terms():
        return set()
    return {
        text.decode("utf-8") if isinstance(text, bytes) else text
        for fieldname, text in hit.matched_terms()
        if fieldname in HIGHLIGHT_FIELDS
    }
