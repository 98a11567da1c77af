"""A new segment's postings kept in memory, grouped by term as they come.

Whoosh's writer hands its pool every posting as (field, term, document, weight, value)
and wants them back sorted by field, term and document. Its own pool sorts all of them
(in runs pickled to temporary files, then merged), and its field writer takes them one
by one. Postings come document after document, so grouping them by term keeps each
term's in order already: only the terms need sorting, and the codec's field writer
writes a term's postings whole (field_writer.py). Each term holds its postings in
packed arrays: about 20 bytes a posting, plus its values' bytes.

>>> pool = GroupedPostingPool()
>>> for posting in [("body", b"oil", 0, 1.0, b"a"), ("body", b"gas", 0, 2.0, b"bc"), ("body", b"oil", 3, 1.0, b"")]:
...     pool.add(posting)
>>> list(pool.iter_postings())
[('body', b'gas', 0, 2.0, b'bc'), ('body', b'oil', 0, 1.0, b'a'), ('body', b'oil', 3, 1.0, b'')]
"""
from __future__ import annotations

from array import array
from itertools import accumulate
from typing import Iterator


class TermPostings:
    """One term's postings: document numbers, weights, and their values' bytes joined
    (`sizes` says how many bytes each; a value of None is kept as no bytes)."""

    __slots__ = ("ids", "weights", "sizes", "joined")

    def __init__(self):
        self.ids, self.weights, self.sizes = array("I"), array("d"), array("I")
        self.joined = bytearray()

    def values(self, start: int = 0, stop: int | None = None) -> list[bytes]:
        """The values of postings start to stop, one bytes each."""
        sizes = self.sizes[start:stop]
        offset = sum(self.sizes[:start])
        bounds = list(accumulate(sizes, initial=offset))
        return [bytes(self.joined[a:b]) for a, b in zip(bounds, bounds[1:])]


class GroupedPostingPool:
    """The posting pool of a Whoosh SegmentWriter (add, iter_postings, cleanup), in memory,
    for a writer whose documents come in order (a new segment's, not a merge's)."""

    def __init__(self):
        self.fields: dict[str, dict[bytes, TermPostings]] = {}

    def add(self, posting: tuple) -> None:
        fieldname, term, docnum, weight, value = posting
        terms = self.fields.get(fieldname)
        if terms is None:
            terms = self.fields[fieldname] = {}
        postings = terms.get(term)
        if postings is None:
            postings = terms[term] = TermPostings()
        postings.ids.append(docnum)
        postings.weights.append(weight)
        if value:
            postings.sizes.append(len(value))
            postings.joined += value
        else:
            postings.sizes.append(0)

    def terms(self) -> Iterator[tuple[str, bytes, TermPostings]]:
        """(field, term, postings) in Whoosh's order: by field, then term; each term's
        postings by document number."""
        for fieldname in sorted(self.fields):
            terms = self.fields[fieldname]
            for term in sorted(terms):
                yield fieldname, term, terms[term]

    def iter_postings(self) -> GroupedPostings:
        return GroupedPostings(self)

    def cleanup(self) -> None:
        self.fields = {}


class GroupedPostings:
    """A pool's postings as Whoosh's field writers take them: iterating gives the
    postings one by one, sorted; the codec's field writer takes `terms()` whole."""

    def __init__(self, pool: GroupedPostingPool):
        self.terms = pool.terms

    def __iter__(self) -> Iterator[tuple]:
        for fieldname, term, postings in self.terms():
            for docnum, weight, value in zip(postings.ids, postings.weights, postings.values()):
                yield fieldname, term, docnum, weight, value
