"""Publication dates read from the sortable `published` column, as arrays.

Whoosh matches a date range by expanding it into numeric-trie terms and collecting every
document in the range, in Python: 126 ms for one month of Reuters. The column holds one
fixed-width number per document; read once per segment into a numpy array, a range is a
comparison over it. Both date filters (`--since`/`--until`) and `published:` clauses in
the query text (`PublishedBetween`) are answered this way.
"""
from __future__ import annotations

from datetime import datetime

import numpy as np
from whoosh import query as wq
from whoosh.matching import ListMatcher, NullMatcher
from whoosh.util.times import datetime_to_long

from index.segment_cache import deleted_documents, segment_arrays, segment_cache

NO_DATE = np.iinfo(np.uint64).max  # the column's value for a document without a date
FIELD = "published"


def segment_values(reader) -> np.ndarray:
    """The `published` values of one segment's documents, read once per segment reader."""
    cache = segment_cache(reader)
    if FIELD in cache:
        return cache[FIELD]
    values = segment_arrays(reader).numbers(FIELD)
    if values is None:  # no document of the segment has a date
        values = np.full(reader.doc_count_all(), NO_DATE, dtype=np.uint64)
    cache[FIELD] = values
    return values


def published_values(searcher) -> np.ndarray:
    """The `published` values of all the searcher's documents, by document number."""
    cache = segment_cache(searcher.reader())
    if ("all", FIELD) not in cache:
        cache[("all", FIELD)] = np.concatenate([segment_values(leaf.reader()) for leaf, _ in searcher.leaf_searchers()]
                                               or [np.empty(0, dtype=np.uint64)])
    return cache[("all", FIELD)]


def docnums_between(searcher, low: int, high: int) -> np.ndarray:
    """The sorted document numbers of `searcher` whose value lies in [low, high]."""
    found = [np.nonzero((values >= low) & (values <= high))[0] + offset
             for offset, values in ((offset, segment_values(leaf.reader()))
                                    for leaf, offset in searcher.leaf_searchers())]
    return np.concatenate(found) if found else np.array([], dtype=np.int64)


def bounds(start: datetime | None, end: datetime | None) -> tuple[int, int]:
    """Column values for the moments `start` and `end` (None: open)."""
    return (datetime_to_long(start) if start else 0,
            datetime_to_long(end) if end else int(NO_DATE) - 1)


def docs_between(searcher, start: datetime | None, end: datetime | None) -> np.ndarray:
    """The live document numbers published from `start` to `end` (inclusive; None: open),
    sorted."""
    found = docnums_between(searcher, *bounds(start, end))
    if searcher.reader().has_deletions():  # (articles indexed again leave deleted copies)
        deleted = [deleted_documents(leaf.reader()) + offset for leaf, offset in searcher.leaf_searchers()
                   if leaf.reader().has_deletions()]
        found = found[np.isin(found, np.concatenate(deleted), invert=True)]
    return found


class PublishedBetween(wq.Query):
    """A `published` range in a query, matched from the column arrays. Like Whoosh's
    numeric range it scores every match alike (its boost)."""

    def __init__(self, low: int, high: int, boost: float = 1.0):
        self.low, self.high, self.boost = low, high, boost

    def __eq__(self, other):
        return type(self) is type(other) and (self.low, self.high, self.boost) == (other.low, other.high, other.boost)

    def __hash__(self):
        return hash((type(self), self.low, self.high, self.boost))

    def __repr__(self):
        return f"{type(self).__name__}({self.low!r}, {self.high!r}, boost={self.boost!r})"

    def __str__(self):
        low = "" if self.low == 0 else self.low
        high = "" if self.high == int(NO_DATE) - 1 else self.high
        return f"{FIELD}:[{low} TO {high}]"

    __unicode__ = __str__

    def is_leaf(self):
        return True

    def field(self):
        return FIELD

    def estimate_size(self, ixreader):
        return ixreader.doc_count_all()

    def matcher(self, searcher, context=None):
        docnums = docnums_between(searcher, self.low, self.high)
        if searcher.reader().has_deletions():  # postings skip deleted documents; so must this
            docnums = docnums[np.isin(docnums, deleted_documents(searcher.reader()), invert=True)]
        if not len(docnums):
            return NullMatcher()
        return ListMatcher(docnums.tolist(), all_weights=self.boost)


def answer_from_columns(query: wq.Query) -> wq.Query:
    """`query` with each `published` range (as Whoosh parses it) replaced by a
    PublishedBetween over the same values.

    >>> answer_from_columns(wq.NumericRange("published", 10, None, startexcl=True))
    PublishedBetween(11, 18446744073709551614, boost=1.0)
    """
    def replace(node: wq.Query) -> wq.Query:
        if not (isinstance(node, wq.NumericRange) and node.fieldname == FIELD):
            return node
        low = 0 if node.start is None else node.start + node.startexcl
        high = int(NO_DATE) - 1 if node.end is None else node.end - node.endexcl
        return PublishedBetween(low, high, node.boost)

    return query.accept(replace)
