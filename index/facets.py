"""Entity facets: counts of entity values over all matches, not just the page shown.

The search gives the document number of every match (index.matching); each segment's
names are arrays (names as numbers, per document: the codec's, index.codec.arrays), so
the names of the matches are counted with numpy; the segments' names are numbered in one
table per searcher, and the counts are added up and ranked in numpy too.
"""
from __future__ import annotations

from whoosh.columns import VarBytesListColumn

import numpy as np

from index.codec.arrays import NameLists
from index.segment_cache import segment_arrays, segment_cache, segment_slices


def column_values(searcher, fieldname: str, docnums: np.ndarray) -> list:
    """The values of column `fieldname` (bytes, or lists of bytes for entity names) for
    the (sorted) document numbers `docnums`."""
    column_type = searcher.schema[fieldname].column_type
    default, many = column_type.default_value(), isinstance(column_type, VarBytesListColumn)
    values = []
    for leaf, inside in segment_slices(searcher, docnums):
        lists = segment_arrays(leaf.reader()).name_lists(fieldname)
        if lists is None:
            values += [default] * len(inside)
        elif many:
            values += [lists.of(docnum) for docnum in inside.tolist()]
        else:
            values += [(lists.of(docnum) or [default])[0] for docnum in inside.tolist()]
    return values


def _segment_names(reader, fieldname: str) -> NameLists:
    """The segment's names of `fieldname` (none in a segment where no document has one)."""
    lists = segment_arrays(reader).name_lists(fieldname)
    if lists is None:
        return NameLists([], np.zeros(reader.doc_count_all() + 1, dtype=np.int64), np.zeros(0, dtype=np.int32))
    return lists


def names_in(names: NameLists, docnums: np.ndarray) -> np.ndarray:
    """The segment's numbers of every name of the documents `docnums` (a name as often
    as documents hold it)."""
    firsts, lengths = names.starts[docnums], names.starts[docnums + 1] - names.starts[docnums]
    total = int(lengths.sum())
    # Positions of every name of every matching document: each document's run of positions.
    runs = np.repeat(firsts - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths)
    return names.ids[runs + np.arange(total)]


class _NameTable:
    """The names of one field over all segments of a searcher, numbered: `numbers[i]`
    turns segment i's name numbers into the table's; `ranks` orders the table's names
    as their text does (UTF-8 bytes sort as their characters)."""

    def __init__(self, segment_names: list[NameLists]):
        numbers: dict[bytes, int] = {}
        self.numbers = [np.array([numbers.setdefault(name, len(numbers)) for name in names.names], dtype=np.int64)
                        for names in segment_names]
        self.names = list(numbers)
        self.ranks = np.argsort(np.argsort(np.array(self.names, dtype=object)))
        self.blank = numbers.get(b"")  # documents without a name of the field


def facet_counts(searcher, docnums, fieldnames: tuple[str, ...],
                 top: int | None) -> dict[str, list[tuple[str, int]]]:
    """The `top` names (None: all) of each field over the documents `docnums`, most
    frequent first (ties by name)."""
    slices = segment_slices(searcher, np.sort(np.asarray(docnums, dtype=np.int64)))
    result = {}
    for fieldname in fieldnames:
        table = name_table(searcher, fieldname)
        mentioned = [numbers[names_in(_segment_names(leaf.reader(), fieldname), inside)]
                     for (leaf, inside), numbers in zip(slices, table.numbers)]
        totals = np.bincount(np.concatenate([np.empty(0, dtype=np.int64), *mentioned]), minlength=len(table.names))
        if table.blank is not None:
            totals[table.blank] = 0  # (counted as none)
        result[fieldname] = most_frequent(table.names, table.ranks, totals, top)
    return result


def name_table(searcher, fieldname: str) -> _NameTable:
    """The searcher's name table of `fieldname`, made once per searcher."""
    cache, key = segment_cache(searcher.reader()), ("name table", fieldname)
    if key not in cache:
        cache[key] = _NameTable([_segment_names(leaf.reader(), fieldname) for leaf, _ in searcher.leaf_searchers()])
    return cache[key]


def most_frequent(names: list[bytes], ranks: np.ndarray, totals: np.ndarray, top: int | None) -> list[tuple[str, int]]:
    """The `top` names (None: all) by count, ties by name (`ranks`: the names' places
    in name order), from counts over a list of names (0: left out); only those shown
    are decoded.

    >>> most_frequent([b"oil", b"gas", b"coal"], np.array([2, 1, 0]), np.array([1, 3, 1]), 2)
    [('gas', 3), ('coal', 1)]
    """
    present = np.flatnonzero(totals)
    keys = (totals.max(initial=0) - totals[present]) * len(names) + ranks[present]  # one per name: no ties
    if top is not None and len(keys) > top:
        chosen = np.argpartition(keys, top - 1)[:top] if top else keys[:0]
        present, keys = present[chosen], keys[chosen]
    shown = present[np.argsort(keys)]
    return [(names[i].decode("utf-8"), int(totals[i])) for i in shown.tolist()]
