"""Entity facets: counts of entity values over all matches, not just the page shown.

The search records the document number of every match (`MatchRecorder`, one cheap call
per match); the names are then counted per segment from the entity list columns, match
by match. Once a segment has had as many matches read that way as it has documents, it
is read whole, once, into arrays (names as numbers, per document) kept with the segment
reader, and counted with numpy from then on: a process searching once pays for its
matches only, one searching again and again soon counts at numpy speed.
"""
from __future__ import annotations

from collections import Counter

import numpy as np
from whoosh.columns import EmptyColumnReader
from whoosh.sorting import Categorizer, ColumnCategorizer, Count, FacetType, FieldFacet

from index.segment_cache import segment_cache

READ_WHOLE_AFTER = 1.0  # matches read one by one, as a share of the segment's documents


def cached_column(segment_searcher, fieldname: str):
    """The segment's reader of column `fieldname`, made once per segment. Whoosh makes a
    new one for every search, and a list column's reader starts by reading the offsets
    of every document: about 1.7 ms per facet per segment on Reuters."""
    reader = segment_searcher.reader()
    cache = segment_cache(reader)
    key = ("column", fieldname)
    if key not in cache:
        if reader.has_column(fieldname):
            cache[key] = reader.column_reader(fieldname, translate=False)
        else:  # an empty index, or a segment where no document has the field
            default = segment_searcher.schema[fieldname].column_type.default_value()
            cache[key] = EmptyColumnReader(default, reader.doc_count_all())
    return cache[key]


class _ValueCategorizer(ColumnCategorizer):
    """Whoosh's categorizer of single-valued column fields, with the column reader cached."""

    def set_searcher(self, segment_searcher, docoffset):
        self._creader = cached_column(segment_searcher, self._fieldname)


class ColumnFacet(FieldFacet):
    """A facet over a single-valued column field (the story of each article)."""

    def categorizer(self, global_searcher):
        return _ValueCategorizer(global_searcher, self.fieldname)


class MatchRecorder(FacetType):
    """A pseudo-facet that notes the document number of every match in `docnums`."""

    def __init__(self):
        self.maptype = Count
        self.docnums: list[int] = []

    def categorizer(self, global_searcher):
        self.docnums = []
        return _Recorder(self.docnums)


class _Recorder(Categorizer):
    def __init__(self, docnums: list[int]):
        self.docnums, self.offset = docnums, 0

    def set_searcher(self, segment_searcher, docoffset):
        self.offset = docoffset

    def key_for(self, matcher, docid):
        self.docnums.append(self.offset + docid)


class _SegmentNames:
    """One segment's entity names of one field, as arrays: document d holds the names
    numbered ids[starts[d]:starts[d + 1]]."""

    def __init__(self, column, doc_count: int):
        numbers: dict[bytes, int] = {}
        starts, ids = [0], []
        for docnum in range(doc_count):
            for name in column[docnum]:
                ids.append(numbers.setdefault(name, len(numbers)))
            starts.append(len(ids))
        self.names = list(numbers)
        self.starts = np.array(starts, dtype=np.int64)
        self.ids = np.array(ids, dtype=np.int64)

    def count(self, docnums: np.ndarray) -> dict[bytes, int]:
        firsts, lengths = self.starts[docnums], self.starts[docnums + 1] - self.starts[docnums]
        total = int(lengths.sum())
        if not total:
            return {}
        # Positions of every name of every matching document, then how often each name comes.
        runs = np.repeat(firsts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
        counts = np.bincount(self.ids[runs + np.arange(total)], minlength=len(self.names))
        return {self.names[i]: int(counts[i]) for i in np.nonzero(counts)[0]}


def segment_counts(segment_searcher, fieldname: str, docnums: np.ndarray) -> dict[bytes, int]:
    """How often each name of `fieldname` comes in the segment's documents `docnums`."""
    reader = segment_searcher.reader()
    cache, key = segment_cache(reader), ("names", fieldname)
    names = cache.get(key, 0)  # the arrays, or how many matches were read one by one
    if not isinstance(names, _SegmentNames):
        if names + len(docnums) < READ_WHOLE_AFTER * reader.doc_count_all():
            cache[key] = names + len(docnums)
            column = cached_column(segment_searcher, fieldname)
            return Counter(value for docnum in docnums.tolist() for value in column[docnum])
        names = cache[key] = _SegmentNames(cached_column(segment_searcher, fieldname), reader.doc_count_all())
    return names.count(docnums)


def facet_counts(searcher, docnums: list[int], fieldnames: tuple[str, ...],
                 top: int) -> dict[str, list[tuple[str, int]]]:
    """The `top` names of each field over the documents `docnums`, most frequent first
    (ties by name)."""
    matches = np.sort(np.array(docnums, dtype=np.int64))
    counts = {name: Counter() for name in fieldnames}
    for leaf, offset in searcher.leaf_searchers():
        inside = matches[np.searchsorted(matches, offset):np.searchsorted(matches, offset + leaf.doc_count_all())]
        if len(inside):
            for name in fieldnames:
                counts[name].update(segment_counts(leaf, name, inside - offset))
    return {name: sorted(((value.decode("utf-8"), n) for value, n in counted.items() if value),
                         key=lambda vc: (-vc[1], vc[0]))[:top]
            for name, counted in counts.items()}
