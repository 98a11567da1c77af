"""Word positions of phrase candidates: decoded from Whoosh's stored values in bulk, and
checked for words that follow one another (a phrase) or stand near each other
(proximity)."""
from __future__ import annotations

from collections import Counter
from itertools import chain

import numpy as np

from index.whoosh_internals import positions_gap_lists


def decoded_positions(field_format, values: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """The positions the stored `values` hold: how many each holds, and all of them,
    value after value (ascending within each). Whoosh's Positions values are read in
    one unpickling, of a list made of their lists (unpickled one by one, with Whoosh's
    decode_positions, they took a third of a phrase query's time); others one by one."""
    gaps = positions_gap_lists(field_format, values)
    if gaps is not None:
        counts = np.fromiter(map(len, gaps), dtype=np.int64, count=len(gaps))
        sums = np.cumsum(np.fromiter(chain.from_iterable(gaps), dtype=np.int64, count=int(counts.sum())))
        before = np.concatenate(([0], sums))[np.cumsum(counts) - counts]  # sum of the values before
        return counts, sums - np.repeat(before, counts)
    lists = [field_format.decode_positions(value) for value in values]
    counts = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    return counts, np.fromiter(chain.from_iterable(lists), dtype=np.int64, count=int(counts.sum()))


def as_lists(counts: np.ndarray, positions: np.ndarray) -> list[list[int]]:
    """Decoded positions (as decoded_positions gives them) as one list per value."""
    flat, ends = positions.tolist(), np.cumsum(counts).tolist()
    return [flat[end - count:end] for count, end in zip(counts.tolist(), ends)]


def adjacent(words: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """The candidates (indexes) where the words come one right after the other somewhere
    (a phrase of slop 1); `words` holds each word's decoded positions, candidate after
    candidate."""
    common = None
    for offset, (counts, positions) in enumerate(words):
        owners = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
        starts = positions - offset
        kept = starts >= 0  # a position before the phrase could start
        keys = (owners[kept] << 32) | starts[kept]  # (candidate, where the phrase starts)
        common = keys if common is None else np.intersect1d(common, keys)
    return np.unique(common >> 32)


def within_window(positions: list[list[int]], slop: int) -> bool:
    """Whether the words occur within `slop` positions of each other, in any order: an
    occurrence of each, the first and last at most `slop` apart. `positions[w]` are word
    w's; a word the phrase repeats is listed as often, and needs as many positions.

    >>> within_window([[10], [4, 30]], 6), within_window([[10], [3, 30]], 6)
    (True, False)
    """
    needed = Counter(map(tuple, positions))  # (two words never share a position)
    events = sorted((position, word) for word in needed for position in word)
    held, missing, first = Counter(), len(needed), 0
    for position, word in events:
        held[word] += 1
        missing -= held[word] == needed[word]
        while events[first][0] < position - slop:
            dropped = events[first][1]
            missing += held[dropped] == needed[dropped]
            held[dropped] -= 1
            first += 1
        if not missing:
            return True
    return False
