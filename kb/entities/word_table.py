"""The per-word cache of the CRF decoder (kb.entities.crf).

A token's attributes are those of six slots, each a function of one word (see
kb.entities.features): the word itself, its four neighbours, and the sentence-initial
slot. A word's attributes in each slot are summed once, for every label of one or more
models side by side, and kept: a token is then scored by adding six cached vectors. The
models of a pipeline share one table, so a new word is looked up once for all of them.
"""
from __future__ import annotations

import threading
from functools import lru_cache
from itertools import chain, repeat

import numpy as np

from kb.entities import features as F

SLOTS = 6  # local, context -2, -1, +1, +2, sentence-initial
MAX_CACHED_WORDS = 30_000  # rows kept (under 32,768: about 27 MB for the two stages' 34 labels)


@lru_cache(maxsize=4096)
def slot_attributes(word: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """A word's attributes in the table's slots, flat, and how many each slot has
    (F.PAD: only as a neighbour).

    >>> attrs, counts = slot_attributes("Sony")
    >>> attrs[:2], attrs[-2:], len(counts), counts[-1] == 2, sum(counts) == len(attrs)
    (('w=sony', 'sh=Xx'), ('bos', 'bos:sh=Xx'), 6, True, True)
    """
    neighbour = F.neighbours(word)
    slots = [[], *neighbour, []] if word == F.PAD else [F.local(word), *neighbour, F.initial(word)]
    return tuple(chain.from_iterable(slots)), tuple(map(len, slots))


class WordTable:
    """The attribute weights of some models side by side (the columns: each model's labels
    in turn), and the six slot vectors of each word seen (row 0: PAD). Each model is given
    as its `attr_ids` (attribute -> row of its `weights`) and `weights`."""

    def __init__(self, models: list) -> None:
        self.attr_ids: dict[str, int] = {}
        for model in models:
            for attr in model.attr_ids:
                self.attr_ids.setdefault(attr, len(self.attr_ids))
        self.weights = np.zeros((len(self.attr_ids), sum(model.weights.shape[1] for model in models)))
        column = 0
        for model in models:
            rows = [self.attr_ids[attr] for attr in model.attr_ids]  # in the order of the model's rows
            width = model.weights.shape[1]
            self.weights[rows, column:column + width] = model.weights
            column += width
        self._lock = threading.Lock()
        self._forget_words()

    def emissions(self, sentences: list[list[str]]) -> np.ndarray:
        """The six slots' sum for every token (rows: the sentences' tokens in turn) and
        every column."""
        return self.read(sentences)[0]

    def read(self, sentences: list[list[str]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """`emissions`, and each token's lower-case form (as a number: the same for the
        same form while the table keeps both words) and case bits (`features.case_of`)."""
        lengths = [len(words) for words in sentences]
        words = list(chain.from_iterable(sentences))
        firsts = np.cumsum(lengths) - lengths  # the row of each sentence's first token
        # Token j of sentence s sits at j + 2 + 2s of the padded sequence: two PAD rows
        # (row 0) before each sentence and after the last one.
        at = np.arange(len(words)) + 2 + 2 * np.repeat(np.arange(len(sentences)), lengths)
        padded = np.zeros(len(words) + 2 * len(sentences) + 2, dtype=np.intp)
        with self._lock:
            if self._size > MAX_CACHED_WORDS:
                self._keep_most_used_words()
            ids = self._ids
            new = [w for w in dict.fromkeys(words) if w not in ids]
            if new:
                self._add_words(new)
            padded[at] = np.fromiter(map(ids.__getitem__, words), dtype=np.intp, count=len(words))
            self._uses += np.bincount(padded[at], minlength=len(self._uses))
            table = self._table
            emit = (
                table[padded[at], 0]
                + table[padded[at - 2], 1]
                + table[padded[at - 1], 2]
                + table[padded[at + 1], 3]
                + table[padded[at + 2], 4]
            )
            emit[firsts] += table[padded[at[firsts]], 5]
            rows = padded[at]
            return emit, self._low[rows], self._case[rows]

    def _forget_words(self) -> None:
        """Empty the table, but for PAD."""
        self._ids: dict[str, int] = {}
        self._words: list[str] = []
        self._table = np.zeros((1024, SLOTS, self.weights.shape[1]), dtype=np.float32)
        self._uses = np.zeros(1024, dtype=np.int64)
        self._low = np.zeros(1024, dtype=np.int32)
        self._case = np.zeros(1024, dtype=np.uint8)
        self._low_ids: dict[str, int] = {}
        self._size = 0
        self._add_words([F.PAD])

    def _keep_most_used_words(self) -> None:
        """Shrink the table to its most used half, so that a long import's memory stays
        flat whatever its vocabulary while the common words stay cached."""
        used = self._uses[1:self._size]
        keep = np.concatenate(([0], 1 + np.argsort(-used, kind="stable")[: MAX_CACHED_WORDS // 2]))
        self._words = [self._words[row] for row in keep.tolist()]
        self._ids = {word: row for row, word in enumerate(self._words)}
        table = np.zeros_like(self._table)  # the same capacity: refilling it never grows it
        table[:len(keep)] = self._table[keep]
        self._table = table
        self._uses = np.zeros(len(table), dtype=np.int64)
        self._case[:len(keep)] = self._case[keep]
        self._low_ids = {}  # numbered again: only the kept words' forms
        self._low[:len(keep)] = self._low_numbers(self._words)
        self._size = len(keep)

    def _add_words(self, words: list[str]) -> None:
        """Rows for new words, each slot's weights summed for all of them at once (the
        caller holds the lock)."""
        size = self._size + len(words)
        while size > len(self._table):
            grown = np.zeros((2 * len(self._table),) + self._table.shape[1:], dtype=np.float32)
            grown[: len(self._table)] = self._table
            self._table = grown
            self._uses = np.concatenate((self._uses, np.zeros(len(self._uses), dtype=np.int64)))
            self._low = np.concatenate((self._low, np.zeros(len(self._low), dtype=np.int32)))
            self._case = np.concatenate((self._case, np.zeros(len(self._case), dtype=np.uint8)))
        start = self._size
        flat = [slot_attributes(word) for word in words]
        attrs = list(chain.from_iterable(attrs for attrs, _ in flat))
        attr_ids = np.fromiter(map(self.attr_ids.get, attrs, repeat(-1)), dtype=np.intp, count=len(attrs))
        counts = np.fromiter(chain.from_iterable(counts for _, counts in flat), dtype=np.intp, count=len(flat) * SLOTS)
        targets = np.repeat(np.arange(start * SLOTS, size * SLOTS), counts)  # the (row, slot) of each attribute
        known = attr_ids >= 0
        attr_ids, targets = attr_ids[known], targets[known]
        self._ids.update(zip(words, range(start, size)))
        self._words.extend(words)
        self._low[start:size] = self._low_numbers(words)
        self._case[start:size] = [F.case_of(word) for word in words]
        self._size = size
        if len(attr_ids):  # targets ascend: each (row, slot) sums one run of attribute rows
            firsts = np.flatnonzero(np.concatenate(([True], targets[1:] != targets[:-1])))
            slots = self._table.reshape(-1, self.weights.shape[1])
            slots[targets[firsts]] = self._run_sums(attr_ids, firsts)

    def _low_numbers(self, words: list[str]) -> list[int]:
        """The number of each word's lower-case form, a new form numbered next."""
        numbers = self._low_ids
        return [numbers.setdefault(word.lower(), len(numbers)) for word in words]

    def _run_sums(self, attr_ids: np.ndarray, firsts: np.ndarray) -> np.ndarray:
        """The sum of the weights of each run of `attr_ids` (runs start at `firsts`), added
        in order: every run's first attribute, then every run's second, and so on (a dozen
        steps; np.add.reduceat takes some microseconds a run, and there are six a word)."""
        runs = np.repeat(np.arange(len(firsts)), np.diff(firsts, append=len(attr_ids)))
        position = np.arange(len(attr_ids)) - firsts[runs]
        sums = np.zeros((len(firsts), self.weights.shape[1]))
        for step in range(int(position.max()) + 1):
            at = position == step
            sums[runs[at]] += self.weights[attr_ids[at]]
        return sums
