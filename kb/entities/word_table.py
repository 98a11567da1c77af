"""The per-word cache of the CRF decoder (kb.entities.crf).

A token's attributes are those of six slots, each a function of one word (see
kb.entities.features): the word itself, its four neighbours, and the sentence-initial
slot. A word's attributes in each slot are summed once, for every label of one or more
models side by side, and kept: a token is then scored by adding six cached vectors. The
models of a pipeline share one table, so a new word is looked up once for all of them.
"""
from __future__ import annotations

import threading
from itertools import chain

import numpy as np

from kb.entities import features as F

SLOTS = 6  # local, context -2, -1, +1, +2, sentence-initial
MAX_CACHED_WORDS = 30_000  # rows kept (under 32,768: about 27 MB for the two stages' 34 labels)


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
        # Row -1, zeros: the row of an attribute no model has.
        self.weights = np.vstack((self.weights, np.zeros(self.weights.shape[1])))
        self._slots_of_kind = [[s for s, kinds in enumerate(F.SLOT_KINDS) if kind in kinds]
                               for kind in range(len(F.KINDS))]
        self._constant_rows = [[self.attr_ids[a] for a in constants if a in self.attr_ids]
                               for constants in F.SLOT_CONSTANTS]
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
        """Empty the table, but for PAD (row 0)."""
        self._ids: dict[str, int] = {F.PAD: 0}
        self._words: list[str] = [F.PAD]
        self._table = np.zeros((1024, SLOTS, self.weights.shape[1]), dtype=np.float32)
        self._uses = np.zeros(1024, dtype=np.int64)
        self._low = np.zeros(1024, dtype=np.int32)
        self._case = np.zeros(1024, dtype=np.uint8)
        self._low_ids: dict[str, int] = {}
        self._low[0], self._case[0] = self._low_numbers([F.PAD])[0], F.case_of(F.PAD)
        for slot in range(SLOTS):
            rows = [self.attr_ids[a] for a in F.slot(F.PAD, slot) if a in self.attr_ids]
            self._table[0, slot] = self.weights[rows].sum(axis=0) if rows else 0
        self._size = 1
        self._forget_pieces()

    def _forget_pieces(self) -> None:
        """Number pieces afresh: piece 0 is a kind's absent value (no attribute in any slot)."""
        self._piece_ids: list[dict] = [{None: 0} for _ in F.KINDS]
        self._piece_rows = np.full((1024, SLOTS), -1, dtype=np.intp)  # each piece's attribute in each slot
        self._pieces = 1

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
        self._forget_pieces()
        self._low[:len(keep)] = self._low_numbers(self._words)
        self._size = len(keep)

    def _add_words(self, words: list[str]) -> None:
        """Rows for new words, each slot's weights summed for all of them at once (the
        caller holds the lock). A word's attributes are pieces (features.pieces), each
        numbered once with its attribute row in every slot: "s3=ony" or "sh=Xx" is
        looked up once for every word that has it."""
        size = self._size + len(words)
        while size > len(self._table):
            grown = np.zeros((2 * len(self._table),) + self._table.shape[1:], dtype=np.float32)
            grown[: len(self._table)] = self._table
            self._table = grown
            self._uses = np.concatenate((self._uses, np.zeros(len(self._uses), dtype=np.int64)))
            self._low = np.concatenate((self._low, np.zeros(len(self._low), dtype=np.int32)))
            self._case = np.concatenate((self._case, np.zeros(len(self._case), dtype=np.uint8)))
        start = self._size
        values = [F.pieces(word) for word in words]
        pieces = np.empty((len(words), len(F.KINDS)), dtype=np.intp)
        for kind, numbers in enumerate(self._piece_ids):
            column = [found[kind] for found in values]
            if new := [value for value in dict.fromkeys(column) if value not in numbers]:
                self._add_pieces(kind, new)
            pieces[:, kind] = list(map(numbers.__getitem__, column))
        rows = self._piece_rows[pieces]  # (word, kind, slot): an attribute row, -1 for none
        for slot, kinds in enumerate(F.SLOT_KINDS):
            sums = np.zeros((len(words), self.weights.shape[1]))  # added in the trainer's order
            for row in self._constant_rows[slot]:
                sums += self.weights[row]
            for kind in kinds:
                sums += self.weights[rows[:, kind, slot]]
            self._table[start:size, slot] = sums
        self._ids.update(zip(words, range(start, size)))
        self._words.extend(words)
        self._low[start:size] = self._low_numbers(words)
        self._case[start:size] = [F.case_of(word) for word in words]
        self._size = size

    def _add_pieces(self, kind: int, values: list[str]) -> None:
        """Number new values of one kind, with their attribute row in each slot."""
        first, self._pieces = self._pieces, self._pieces + len(values)
        while self._pieces > len(self._piece_rows):
            self._piece_rows = np.concatenate((self._piece_rows, np.full_like(self._piece_rows, -1)))
        self._piece_ids[kind].update(zip(values, range(first, self._pieces)))
        ids = self.attr_ids
        for slot in self._slots_of_kind[kind]:
            self._piece_rows[first:self._pieces, slot] = [ids.get(F.attribute(slot, kind, value), -1)
                                                          for value in values]

    def _low_numbers(self, words: list[str]) -> list[int]:
        """The number of each word's lower-case form, a new form numbered next."""
        numbers = self._low_ids
        return [numbers.setdefault(word.lower(), len(numbers)) for word in words]
