"""Entity facets: counts of entity values over all matches, not just the page shown.

The search gives the document number of every match (index.matching); the names are
then counted per segment from the entity list columns, match by match. Once a segment
has had as many matches read that way as it has documents, it is read whole, once, into
arrays (names as numbers, per document) kept with the segment reader, and counted with
numpy from then on; once every segment is, the segments' names are numbered in one table
per searcher, and the counts are added up and ranked in numpy too. A process searching
once pays for its matches only; one searching again and again soon counts at numpy speed.
"""
from __future__ import annotations

from collections import Counter

import numpy as np
from whoosh.columns import EmptyColumnReader

from index.segment_cache import column_in_memory, segment_cache, segment_slices

READ_WHOLE_AFTER = 1.0  # matches read one by one, as a share of the segment's documents


def cached_column(segment_searcher, fieldname: str):
    """The segment's reader of column `fieldname`, made once per segment, over a copy of
    the column in memory. Whoosh makes a new reader for every search, and a list
    column's reader starts by reading the offsets of every document (about 1.7 ms per
    facet per segment on Reuters); read from the file, each value costs system calls."""
    reader = segment_searcher.reader()
    cache = segment_cache(reader)
    key = ("column", fieldname)
    if key not in cache:
        if reader.has_column(fieldname):
            cache[key] = column_in_memory(reader, fieldname)
        else:  # an empty index, or a segment where no document has the field
            default = segment_searcher.schema[fieldname].column_type.default_value()
            cache[key] = EmptyColumnReader(default, reader.doc_count_all())
    return cache[key]


def column_values(searcher, fieldname: str, docnums: np.ndarray) -> list:
    """The values of a single-valued column for the (sorted) document numbers `docnums`."""
    values = []
    for leaf, inside in segment_slices(searcher, docnums):
        column = cached_column(leaf, fieldname)
        values += [column[docnum] for docnum in inside.tolist()]
    return values


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

    def count(self, docnums: np.ndarray) -> np.ndarray:
        """How often each of the segment's names comes in the documents `docnums`."""
        firsts, lengths = self.starts[docnums], self.starts[docnums + 1] - self.starts[docnums]
        total = int(lengths.sum())
        if not total:
            return np.zeros(len(self.names), dtype=np.int64)
        # Positions of every name of every matching document, then how often each name comes.
        runs = np.repeat(firsts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
        return np.bincount(self.ids[runs + np.arange(total)], minlength=len(self.names))


class _NameTable:
    """The names of one field over all segments of a searcher, numbered: `numbers[i]`
    turns segment i's name numbers into the table's."""

    def __init__(self, segment_names: list[_SegmentNames]):
        numbers: dict[bytes, int] = {}
        self.numbers = [np.array([numbers.setdefault(name, len(numbers)) for name in names.names], dtype=np.int64)
                        for names in segment_names]
        self.names = list(numbers)
        self.blank = numbers.get(b"")  # documents without a name of the field


def segment_counts(segment_searcher, fieldname: str, docnums: np.ndarray):
    """How often each name of `fieldname` comes in the segment's documents `docnums`: a
    Counter by name while the segment is read one match at a time, then an array over
    the segment's names (its _SegmentNames)."""
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


def facet_counts(searcher, docnums, fieldnames: tuple[str, ...],
                 top: int | None) -> dict[str, list[tuple[str, int]]]:
    """The `top` names (None: all) of each field over the documents `docnums`, most
    frequent first (ties by name)."""
    slices = segment_slices(searcher, np.sort(np.asarray(docnums, dtype=np.int64)))
    result = {}
    for fieldname in fieldnames:
        counted = [segment_counts(leaf, fieldname, inside) for leaf, inside in slices]
        if all(isinstance(counts, np.ndarray) for counts in counted):
            result[fieldname] = most_frequent(*table_totals(searcher, fieldname, counted), top)
        else:
            result[fieldname] = most_frequent_of([leaf for leaf, _ in slices], fieldname, counted, top)
    return result


def table_totals(searcher, fieldname: str, counted: list[np.ndarray]) -> tuple[list[bytes], np.ndarray]:
    """Counts of every segment added up over the searcher's name table of `fieldname`
    (the blank name counted as none)."""
    cache, key = segment_cache(searcher.reader()), ("name table", fieldname)
    if key not in cache:
        cache[key] = _NameTable([segment_cache(leaf.reader())[("names", fieldname)]
                                 for leaf, _ in searcher.leaf_searchers()])
    table = cache[key]
    totals = np.zeros(len(table.names), dtype=np.int64)
    for numbers, counts in zip(table.numbers, counted):
        totals[numbers] += counts
    if table.blank is not None:
        totals[table.blank] = 0
    return table.names, totals


def most_frequent(names: list[bytes], totals: np.ndarray, top: int | None) -> list[tuple[str, int]]:
    """The `top` names by count, ties by name, from counts over a list of names (0: left out)."""
    present = np.flatnonzero(totals)
    if top is not None and len(present) > top:
        least = np.partition(totals[present], len(present) - top)[len(present) - top]
        present = present[totals[present] >= least]
    return sorted(((names[i].decode("utf-8"), int(totals[i])) for i in present.tolist()),
                  key=lambda vc: (-vc[1], vc[0]))[:top]


def most_frequent_of(leaves, fieldname: str, counted: list, top: int | None) -> list[tuple[str, int]]:
    """The same, from segments counted either way (Counters and arrays)."""
    total = Counter()
    for leaf, counts in zip(leaves, counted):
        if isinstance(counts, np.ndarray):
            names = segment_cache(leaf.reader())[("names", fieldname)].names
            counts = {names[i]: int(counts[i]) for i in np.flatnonzero(counts).tolist()}
        total.update(counts)
    total.pop(b"", None)
    names = list(total)
    return most_frequent(names, np.array([total[name] for name in names], dtype=np.int64), top)
