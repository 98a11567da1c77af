"""Entity facets: counts of entity values over all matches, not just the page shown."""
from __future__ import annotations

from whoosh.sorting import Count, FieldFacet, Facets


def facet_spec(fieldnames: tuple[str, ...]) -> Facets:
    """Facets over multi-valued entity fields: an article counts under each of its entities."""
    facets = Facets()
    for name in fieldnames:
        facets.add_facet(name, FieldFacet(name, allow_overlap=True, maptype=Count))
    return facets


def facet_counts(results, fieldnames: tuple[str, ...], top: int) -> dict[str, list[tuple[str, int]]]:
    """The `top` values of each facet, most frequent first (ties by name)."""
    counts = {}
    for name in fieldnames:
        groups = results.groups(name)  # keys are the raw column bytes
        values = ((v.decode("utf-8") if isinstance(v, bytes) else v, c) for v, c in groups.items() if v)
        ranked = sorted(values, key=lambda vc: (-vc[1], vc[0]))
        counts[name] = ranked[:top]
    return counts
