"""A new segment's postings kept in memory, field by field, as flat arrays.

Whoosh's writer hands its pool every posting as (field, term, document, weight, value)
and wants them back sorted by field, term and document. Its own pool sorts all of them
(in runs pickled to temporary files, then merged), and its field writer takes them one
by one. Here a field's postings are numbered terms, documents, frequencies and
positions in flat arrays (12 bytes a posting and 4 a position; weights too, 8 bytes,
only in a field where one is not its frequency times the field's boost), filled a
document's field at a time; sorting them is one stable numpy sort by term, since
documents come in order. The codec's field writer then packs each field whole
(packing.py).

>>> from whoosh.formats import Positions
>>> pool = GroupedPostingPool()
>>> body = pool.field("body", Positions())
>>> body.add(0, [b"oil", b"gas"], [2, 1], [2.0, 1.0], [0, 2, 1])
>>> body.add(1, [b"oil"], [1], [1.0], [0])
>>> [postings] = body.sorted()
>>> postings.terms, postings.starts.tolist(), postings.docs.tolist(), postings.positions.tolist()
([b'gas', b'oil'], [0, 1, 3], [0, 0, 1], [1, 0, 2, 0])
>>> [(piece.terms, piece.starts.tolist()) for piece in body.sorted(most=1)]
[([b'gas'], [0, 1]), ([b'oil'], [0, 2])]
"""
from __future__ import annotations

from array import array
from itertools import chain, repeat
from typing import Iterator, NamedTuple

import numpy as np

from index.analysis import NewsTokenizer
from index.codec.formats import ArrayPositions
from index.codec.values import POSITIONS, RAW, value_kind

CHUNK_POSTINGS = 1 << 16  # postings packed at a time: about 10 MB of arrays


class FieldPostings(NamedTuple):
    """A field's postings sorted by term, then document: term t's are starts[t] to
    starts[t + 1]; each has `frequencies` positions, in `positions` one after another
    (positions only for a field whose format keeps them)."""
    terms: list[bytes]
    starts: np.ndarray
    docs: np.ndarray
    weights: np.ndarray
    frequencies: np.ndarray
    positions: np.ndarray | None


class FieldPool:
    """One field's postings as they come, a document at a time."""

    def __init__(self, field_format):
        self.field_format, self.kind = field_format, value_kind(field_format)
        if self.kind == RAW:
            raise TypeError(f"the posting pool keeps no values of {type(field_format).__name__}")
        self.boost = field_format.field_boost
        self.numbers: dict[bytes, int] = {}  # term -> its number, in the order terms came
        self.terms, self.docs, self.frequencies = array("I"), array("I"), array("I")
        self.positions = array("I")
        self.weights: array | None = None  # None while every weight is its frequency x the boost
        self.word_rows: dict[str, int] = {}  # (add_words) a word -> its row of word_terms
        self.word_terms = array("I")  # the number of each term of each word, a row a word

    def add(self, docnum: int, terms: list[bytes], frequencies: list[int], weights: list[float] | None = None,
            positions=()) -> None:
        """One document's postings in this field: its distinct terms, each one's frequency
        and weight (None: the frequency times the field's boost, as Whoosh's formats
        weigh them), and (for a format with positions) each one's positions, term after term."""
        if weights is not None and self.weights is None and weights != [n * self.boost for n in frequencies]:
            self.weights = array("d", (n * self.boost for n in self.frequencies))
        if self.weights is not None:
            self.weights.extend([n * self.boost for n in frequencies] if weights is None else weights)
        numbers = self.numbers
        self.terms.extend([numbers.setdefault(term, len(numbers)) for term in terms])
        self.docs.extend(repeat(docnum, len(terms)))
        self.frequencies.extend(frequencies)
        if self.kind == POSITIONS:
            self.positions.extend(positions)

    def add_words(self, docnum: int, words: list[str], analyzer: NewsTokenizer) -> int:
        """One document's words in this field (folded, in order, as analyzer.index_words
        gives them): each word's terms (analyzer.word_terms), numbered the first time
        the word comes, and their positions grouped by term with a stable sort. Returns
        how many postings' positions that makes (the field's length)."""
        row_of = self.word_rows
        if new := [word for word in dict.fromkeys(words) if word not in row_of]:
            numbers = self.numbers
            row_of.update(zip(new, range(len(row_of), len(row_of) + len(new))))
            self.word_terms.extend([numbers.setdefault(term.encode(), len(numbers))
                                    for word in new for term in analyzer.word_terms(word)])
        if not words:
            return 0
        rows = np.fromiter(map(row_of.__getitem__, words), dtype=np.intp, count=len(words))
        table = np.frombuffer(self.word_terms, dtype=np.uint32).reshape(len(row_of), -1)
        for terms in table[rows].T:  # each term of a word, at each position (exact words, then stems)
            order = np.argsort(terms, kind="stable")  # positions of each term in order
            grouped = terms[order]
            firsts = np.flatnonzero(np.concatenate(([True], grouped[1:] != grouped[:-1])))
            frequencies = np.diff(np.append(firsts, len(grouped)))
            self.terms.frombytes(grouped[firsts].tobytes())
            self.docs.extend(repeat(docnum, len(firsts)))
            self.frequencies.frombytes(frequencies.astype(np.uint32).tobytes())
            self.positions.frombytes(order.astype(np.uint32).tobytes())
            if self.weights is not None:
                self.weights.frombytes((frequencies * self.boost).astype(np.float64).tobytes())
        return table.shape[1] * len(words)

    def sorted(self, most: int = CHUNK_POSTINGS) -> Iterator[FieldPostings]:
        """The field's postings sorted by term, then document, in pieces of whole terms
        of about `most` postings (a term with more makes a piece alone), so that packing
        them holds a piece's arrays at a time, not the field's."""
        names = list(self.numbers)
        rank = np.empty(len(names), dtype=np.uint32)
        rank[sorted(range(len(names)), key=names.__getitem__)] = np.arange(len(names), dtype=np.uint32)
        term_ranks = rank[np.frombuffer(self.terms, dtype=np.uint32)]
        starts = np.zeros(len(names) + 1, dtype=np.int64)
        np.cumsum(np.bincount(term_ranks, minlength=len(names)), out=starts[1:])
        # each term's documents stay in order; 32 bits a posting (a segment's postings and
        # positions are far fewer than 2**32: they are held in memory)
        order = np.argsort(term_ranks, kind="stable").astype(np.uint32)
        del term_ranks
        names.sort()
        frequencies = np.frombuffer(self.frequencies, dtype=np.uint32)
        firsts = None  # where each posting's positions begin
        if self.kind == POSITIONS:
            firsts = np.cumsum(frequencies, dtype=np.uint32)
            firsts -= frequencies
        for first, last in term_ranges(np.diff(starts), most):
            chosen = order[starts[first]:starts[last]]
            counts = frequencies[chosen].astype(np.int64)
            positions = None
            if self.kind == POSITIONS:
                moved = firsts[chosen].astype(np.int64) - (np.cumsum(counts) - counts)
                positions = np.frombuffer(self.positions, dtype=np.uint32)[
                    np.arange(int(counts.sum())) + np.repeat(moved, counts)].astype(np.int64)
            yield FieldPostings(names[first:last], starts[first:last + 1] - starts[first],
                                np.frombuffer(self.docs, dtype=np.uint32)[chosen].astype(np.int64),
                                counts * self.boost if self.weights is None else
                                np.frombuffer(self.weights, dtype=np.float64)[chosen], counts, positions)


def term_ranges(counts: np.ndarray, most: int) -> list[tuple[int, int]]:
    """Consecutive ranges of terms (first, last + 1), each term having `counts` postings,
    of at most `most` postings (a term with more is a range alone).

    >>> term_ranges(np.array([3, 3, 5, 1]), 6)
    [(0, 2), (2, 4)]
    """
    ends = np.cumsum(counts, dtype=np.int64)
    found, first = [], 0
    while first < len(counts):
        last = max(int(np.searchsorted(ends, (ends[first - 1] if first else 0) + most, side="right")), first + 1)
        found.append((first, last))
        first = last
    return found


class GroupedPostingPool:
    """The posting pool of a Whoosh SegmentWriter that writes new documents in order (an
    UnlockedSegmentWriter), which adds a document's field at once (add_field)."""

    def __init__(self):
        self.fields: dict[str, FieldPool] = {}

    def add_field(self, docnum: int, fieldname: str, field, value) -> int:
        """A document's terms in an indexed field (a Whoosh field object, and its value);
        returns the field's length (0 unless it is scorable). A NewsTokenizer's text in
        ArrayPositions goes to add_words, without a Token a word or a term's bytes a
        posting; any other field goes through its index()."""
        pool = self.field(fieldname, field.format)
        if isinstance(field.format, ArrayPositions) and isinstance(field.analyzer, NewsTokenizer) \
                and isinstance(value, str):
            length = pool.add_words(docnum, field.analyzer.index_words(value), field.analyzer)
        else:
            items = list(field.index(value))
            terms, frequencies, weights, values = (list(column) for column in zip(*items)) if items else ([],) * 4
            positions = chain.from_iterable(map(field.format.decode_positions, values)) \
                if pool.kind == POSITIONS else ()
            pool.add(docnum, terms, frequencies, weights, positions)
            length = sum(frequencies)
        return length if field.scorable else 0

    def field(self, fieldname: str, field_format) -> FieldPool:
        pool = self.fields.get(fieldname)
        if pool is None:
            pool = self.fields[fieldname] = FieldPool(field_format)
        return pool

    def sorted_fields(self) -> Iterator[tuple[str, FieldPool]]:
        for fieldname in sorted(self.fields):
            yield fieldname, self.fields[fieldname]

    def iter_postings(self) -> GroupedPostingPool:
        """Itself: the codec's field writer takes its fields whole."""
        return self

    def cleanup(self) -> None:
        self.fields = {}
