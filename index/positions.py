"""Word positions of phrase candidates (as the codec reads them: how many each posting
has, and all of them, posting after posting), checked for words that follow one another
(a phrase) or stand near each other (proximity)."""
from __future__ import annotations

from collections import Counter

import numpy as np


def selected(counts: np.ndarray, positions: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The positions of the postings `rows` (indexes) alone, in the same form.

    >>> counts, positions = selected(np.array([2, 1, 3]), np.array([4, 9, 0, 1, 5, 7]), np.array([0, 2]))
    >>> counts.tolist(), positions.tolist()
    ([2, 3], [4, 9, 1, 5, 7])
    """
    starts = np.cumsum(counts) - counts
    chosen = counts[rows]
    before = np.cumsum(chosen) - chosen  # where each chosen posting's positions start in the result
    return chosen, positions[np.repeat(starts[rows] - before, chosen) + np.arange(int(chosen.sum()))]


def as_lists(counts: np.ndarray, positions: np.ndarray) -> list[list[int]]:
    """Positions (as selected() gives them) as one list per posting."""
    flat, ends = positions.tolist(), np.cumsum(counts).tolist()
    return [flat[end - count:end] for count, end in zip(counts.tolist(), ends)]


def adjacent(words: list[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """The candidates (indexes) where the words come one right after the other somewhere
    (a phrase of slop 1); `words` holds each word's positions, candidate after
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
