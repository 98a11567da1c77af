"""What a hit marks (terms, phrases, entities) on OpenSearch, computed as the Whoosh
backend computes it (index.searching.query_marks), from the words of the hits.

Whoosh expands a prefix, wildcard or fuzzy word over the index's vocabulary. A hit's
snippets mark only words of its own text, so expanding over the words of the hits
shown marks exactly the same spans. `HitWords` is the reader query_marks asks.
"""
from __future__ import annotations

from bisect import bisect_left

from whoosh.support.levenshtein import levenshtein

from index.analysis import EXACT_MARK
from index.opensearch.mapping import PAIR, TEXT_FIELDS
from index.schema import build_schema
from index.searching import query_marks

_SCHEMA = build_schema()


class HitWords:
    """The title and body terms of some documents, as Whoosh would index them (stems, and
    "=word" for the words as written), answering the few reader calls that expand
    query terms."""

    schema = _SCHEMA

    def __init__(self, sources: list[dict]):
        terms: dict[str, set[str]] = {field: set() for field in TEXT_FIELDS}
        for source in sources:
            for field in TEXT_FIELDS:
                for pair in (source.get(field) or "").split():
                    stem, _, word = pair.partition(PAIR)
                    terms[field].update((stem, EXACT_MARK + word))
        self._sorted = {field: sorted(text.encode("utf-8") for text in found) for field, found in terms.items()}

    def lexicon(self, fieldname: str) -> list[bytes]:
        return self._sorted.get(fieldname, [])

    def expand_prefix(self, fieldname: str, prefix) -> list[bytes]:
        prefix = prefix.encode("utf-8") if isinstance(prefix, str) else prefix
        terms = self.lexicon(fieldname)
        start = bisect_left(terms, prefix)
        found = []
        for term in terms[start:]:
            if not term.startswith(prefix):
                break
            found.append(term)
        return found

    def terms_within(self, fieldname: str, text: str, maxdist: int, prefix: int = 0) -> list[bytes]:
        """Terms within `maxdist` edits (Levenshtein, as Whoosh's automaton), sharing `prefix` letters."""
        return [term for term in self.expand_prefix(fieldname, text[:prefix])
                if levenshtein(term.decode("utf-8"), text, maxdist + 1) <= maxdist]


def marks_of(query, sources: list[dict]) -> dict:
    """IndexHit's terms, phrases and entities for hits of `query` whose documents are `sources`."""
    return query_marks(query, HitWords(sources))


def needs_words(query) -> bool:
    """Whether `query` has a term standing for others (a prefix, wildcard or fuzzy word),
    so that its marks need the hits' words."""
    from whoosh import query as wq

    return any(isinstance(leaf, wq.MultiTerm) for leaf in query.leaves())
