"""Reading a term's packed postings (blocks.py) as a Whoosh matcher.

The matcher reads the term's header, block table, document numbers and weights (two
reads), decodes a block's numbers with numpy when it first needs them, and reads a
block's values (positions) only when asked for a value, positions or spans. skip_to()
finds the block by bisecting the table's last document numbers; skip_to_quality() skips
blocks by their highest weight and shortest field length, as Whoosh's own matcher does.
"""
from __future__ import annotations

import zlib
from bisect import bisect_left
from itertools import groupby
from typing import NamedTuple

import numpy as np
from whoosh.matching import LeafMatcher, ReadTooFar
from whoosh.util.numeric import byte_to_length

from index.codec.blocks import (BLOCK, COMPRESSED, ID_DTYPES, ID_SIZES, ONES, RECORD, VERSION, WEIGHT_DTYPES,
                                 WEIGHT_SIZES, unpack_ids, unpack_weights)
from index.codec.values import FREQUENCIES, POSITIONS, BlockValues, positions_arrays, value_kind
from index.codec.varints import read_varint

_NUMBERS_LAYOUT = 0x0F  # the bits of a block's layout that say how its numbers and weights are packed
_LONGEST_HEADER = 1 + 2 * 5  # version, and two varints of up to 32 bits


class CorruptPostings(Exception):
    """A term's postings do not begin as packed postings do (not written by PackedCodec)."""


class PackedMatcher(LeafMatcher):
    """The postings of one term, from `offset` in the postings file (`length`, their size,
    is only handed on: Whoosh 2.7's W3TermInfo reads it back as a 1-tuple; the header says
    where everything lies).

    >>> from index.codec.packed import PackedCodec
    >>> from whoosh.fields import Schema, TEXT
    >>> from whoosh.filedb.filestore import RamStorage
    >>> ix = RamStorage().create_index(Schema(body=TEXT(phrase=True)))
    >>> with ix.writer(codec=PackedCodec()) as writer:
    ...     for text in ("oil prices rose", "oil output fell", "gold rose"):
    ...         writer.add_document(body=text)
    >>> matcher = ix.reader().postings("body", "oil")
    >>> matcher.id(), matcher.value_as("positions")
    (0, [0])
    >>> matcher.skip_to(1); matcher.id(), matcher.weight()
    (1, 1.0)
    """

    def __init__(self, postfile, offset: int, length: int, format_, term=None, scorer=None):
        self.postfile, self.offset, self.length = postfile, offset, length
        self.format, self.scorer, self.term_key = format_, scorer, term
        self.kind = value_kind(format_)
        head = postfile.get(offset, _LONGEST_HEADER)  # fewer bytes at the file's end
        if head[0] != VERSION:
            raise CorruptPostings(f"term {term!r}: postings version {head[0]}, not {VERSION}")
        blocks, at = read_varint(head, 1)
        data_size, header_size = read_varint(head, at)
        table_size = blocks * BLOCK.itemsize
        self.body = postfile.get(offset + header_size, table_size + data_size)
        # the table through struct, not numpy: most terms have one block, read in a microsecond
        (self.max_ids, self.max_weights, self.values_sizes, self.counts, self.min_lengths, self.max_lengths,
         self.layouts) = map(list, zip(*RECORD.iter_unpack(self.body[:table_size]))) if blocks else [[]] * 7
        self.blocks = blocks
        self.id_starts, self.weight_starts, self.values_starts = [], [], []
        data_at, values_at = table_size, offset + header_size + table_size + data_size
        for count, layout, values_size in zip(self.counts, self.layouts, self.values_sizes):
            self.id_starts.append(data_at)
            data_at += ID_SIZES[layout & 3] * count
            self.weight_starts.append(data_at)
            data_at += WEIGHT_SIZES[(layout >> 2) & 3] * count
            self.values_starts.append(values_at)
            values_at += values_size
        self.reset()

    # -- moving

    def reset(self) -> None:
        self.atend = not self.blocks
        self.go_to_block(0)

    def go_to_block(self, block: int) -> None:
        self.block, self.i = block, 0
        self.ids = self.weights = self.block_values = None
        if block == self.blocks:
            self.atend, self.count = True, 0
        else:
            self.count = self.counts[block]

    def is_active(self) -> bool:
        return not self.atend

    def next(self) -> bool:
        """Move to the next posting; True if that began another block."""
        if self.atend:
            raise ReadTooFar
        self.i += 1
        if self.i == self.count:
            self.go_to_block(self.block + 1)
            return True
        return False

    def skip_to(self, targetid: int) -> None:
        if self.atend:
            raise ReadTooFar
        if targetid <= self.id():
            return
        if targetid > self.max_ids[self.block]:
            self.go_to_block(bisect_left(self.max_ids, targetid, self.block + 1))
            if self.atend:
                return
        self.i = bisect_left(self.block_ids(), targetid, self.i)

    def skip_to_quality(self, minquality: float) -> int:
        """Skip the blocks whose best possible score is not above `minquality`; how many."""
        skipped = 0
        while not self.atend and self.block_quality() <= minquality:
            self.go_to_block(self.block + 1)
            skipped += 1
        return skipped

    def copy(self) -> "PackedMatcher":
        twin = PackedMatcher(self.postfile, self.offset, self.length, self.format, self.term_key, self.scorer)
        if self.atend:
            twin.atend = True
        else:
            twin.go_to_block(self.block)
            twin.i = self.i
        return twin

    # -- the current posting

    def term(self):
        return self.term_key

    def id(self) -> int:
        if self.ids is None:
            if self.atend:  # as Whoosh's matcher, which Whoosh's AndNotMatcher asks after the end
                return self.max_ids[-1] if self.blocks else 0
            return self.block_ids()[self.i]
        return self.ids[self.i]

    def weight(self) -> float:
        if self.weights is None:
            block = self.block
            self.weights = unpack_weights(self.body, (self.layouts[block] >> 2) & 3, self.counts[block],
                                          offset=self.weight_starts[block]).tolist()
        return self.weights[self.i]

    def value(self):
        return self.values_of_block().value(self.i)

    def value_as(self, astype: str):
        if astype == "positions" and self.kind == POSITIONS:
            return self.values_of_block().positions(self.i)
        if astype == "frequency" and self.kind in (POSITIONS, FREQUENCIES):
            return self.values_of_block().frequency(self.i)
        return super().value_as(astype)

    def all_ids(self):
        while not self.atend:
            yield from self.block_ids()[self.i:]
            self.go_to_block(self.block + 1)

    # -- the current block

    def block_ids(self) -> list[int]:
        if self.ids is None:
            block = self.block
            previous = self.max_ids[block - 1] if block else 0
            self.ids = unpack_ids(self.body, self.layouts[block] & 3, self.counts[block], previous,
                                  offset=self.id_starts[block]).tolist()
        return self.ids

    def values_of_block(self) -> BlockValues:
        if self.block_values is None:
            self.block_values = BlockValues(self.kind, self.format, self.values_data(self.block),
                                            self.counts[self.block])
        return self.block_values

    def values_data(self, block: int) -> bytes:
        """The values of a block's postings as pack_values() made them (decompressed)."""
        data = self.postfile.get(self.values_starts[block], self.values_sizes[block])
        return zlib.decompress(data) if self.layouts[block] & COMPRESSED else data

    def block_min_id(self) -> int:
        return self.block_ids()[0]

    def block_max_id(self) -> int:
        return self.max_ids[self.block]

    def block_min_length(self) -> int:
        return byte_to_length(self.min_lengths[self.block])

    def block_max_length(self) -> int:
        return byte_to_length(self.max_lengths[self.block])

    def block_max_weight(self) -> float:
        return self.max_weights[self.block]

    # -- whole arrays, for array-at-a-time search

    def postings_arrays(self, within: np.ndarray | None = None, positions: bool = False) -> PostingsArrays:
        """The document numbers (int64) and weights (float64) of the postings from the
        current block's first on, as arrays; with `positions` (a field of Whoosh's
        Positions format: `has_positions()`), their positions too, read from the values
        of the blocks read only. With `within` (sorted document numbers), blocks that can
        hold none of them are left unread. The matcher ends inactive.

        >>> from index.codec.packed import PackedCodec
        >>> from whoosh.fields import Schema, TEXT
        >>> from whoosh.filedb.filestore import RamStorage
        >>> ix = RamStorage().create_index(Schema(body=TEXT))
        >>> with ix.writer(codec=PackedCodec(block_size=2)) as writer:
        ...     for text in ("oil gas", "oil", "gas", "oil oil", "oil"):
        ...         writer.add_document(body=text)
        >>> found = ix.reader().postings("body", "oil").postings_arrays(positions=True)
        >>> found.ids.tolist(), found.weights.tolist()
        ([0, 1, 3, 4], [1.0, 1.0, 2.0, 1.0])
        >>> found.counts.tolist(), found.positions.tolist()
        ([1, 1, 2, 1], [0, 0, 0, 1, 0])
        >>> ix.reader().postings("body", "oil").postings_arrays(within=np.array([4])).ids.tolist()
        [3, 4]
        """
        if positions and not self.has_positions():
            raise ValueError(f"term {self.term_key!r}: its field keeps no positions of Whoosh's Positions format")
        id_parts, weight_parts, count_parts, position_parts = [], [], [], []
        chosen = self.blocks_holding(within)
        for _, run in groupby(chosen, key=lambda block: self.layouts[block] & _NUMBERS_LAYOUT):
            ids, weights = self.decoded(list(run))
            id_parts.append(ids)
            weight_parts.append(weights)
        if positions:
            for block in chosen:
                flat, starts = positions_arrays(self.values_data(block), self.counts[block])
                count_parts.append(np.diff(starts))
                position_parts.append(flat)
        self.go_to_block(self.blocks)
        read = [(id_parts, np.int64), (weight_parts, np.float64)]
        if positions:
            read += [(count_parts, np.int64), (position_parts, np.int64)]
        return PostingsArrays(*(np.concatenate(parts) if parts else np.empty(0, dtype=dtype) for parts, dtype in read))

    def blocks_holding(self, within: np.ndarray | None) -> list[int]:
        """The blocks from the current one on that can hold one of the documents `within`
        (sorted document numbers; None: all of them): those with one of them between
        the block's first possible number (the last one of the block before, plus 1) and
        its last."""
        if within is None or self.block == self.blocks:
            return list(range(self.block, self.blocks))
        lasts = np.array(self.max_ids[self.block:], dtype=np.int64)
        firsts = np.concatenate(([self.max_ids[self.block - 1] + 1 if self.block else 0], lasts[:-1] + 1))
        held = np.searchsorted(within, firsts) < np.searchsorted(within, lasts, side="right")
        return (np.flatnonzero(held) + self.block).tolist()

    def decoded(self, run: list[int]) -> tuple[np.ndarray, np.ndarray]:
        """The document numbers (int64) and weights (float64) of the blocks `run`
        (ascending, their numbers and weights packed alike), decoded at once: their gaps
        and weights gathered from the blocks' places, one cumulative sum for all blocks."""
        layout = self.layouts[run[0]]
        id_code, weight_kind = layout & 3, (layout >> 2) & 3
        if len(run) == 1:  # (a slice of the data: nothing to gather)
            block = run[0]
            return (unpack_ids(self.body, id_code, self.counts[block], self.max_ids[block - 1] if block else 0,
                               offset=self.id_starts[block]),
                    unpack_weights(self.body, weight_kind, self.counts[block], offset=self.weight_starts[block]))
        counts = np.array([self.counts[block] for block in run], dtype=np.int64)
        data = np.frombuffer(self.body, dtype=np.uint8)
        gaps = data[ranges([self.id_starts[block] for block in run], counts * ID_SIZES[id_code])]
        sums = np.cumsum(gaps.view(ID_DTYPES[id_code]), dtype=np.int64)
        # Each block's numbers count from the last number of the block before it.
        previous = np.array([self.max_ids[block - 1] if block else 0 for block in run], dtype=np.int64)
        summed_before = np.concatenate(([0], sums[np.cumsum(counts)[:-1] - 1]))
        ids = sums + np.repeat(previous - summed_before, counts)
        if weight_kind == ONES:
            return ids, np.ones(len(ids))
        packed = data[ranges([self.weight_starts[block] for block in run], counts * WEIGHT_SIZES[weight_kind])]
        return ids, packed.view(WEIGHT_DTYPES[weight_kind]).astype(np.float64)

    def has_positions(self) -> bool:
        """Whether postings_arrays() can give positions (the field's format is Whoosh's Positions)."""
        return self.kind == POSITIONS


def ranges(starts, sizes: np.ndarray) -> np.ndarray:
    """The positions of ranges (`starts`, a list or an array, and `sizes`), one range
    after the other.

    >>> ranges([10, 20], np.array([2, 3])).tolist()
    [10, 11, 20, 21, 22]
    """
    ends = np.cumsum(sizes)
    return np.arange(int(ends[-1]) if len(ends) else 0) + np.repeat(np.asarray(starts, dtype=np.int64) - (ends - sizes),
                                                                   sizes)


class PostingsArrays(NamedTuple):
    """A term's postings as arrays (PackedMatcher.postings_arrays): document numbers,
    weights, and if asked each posting's count of positions and all the positions,
    posting after posting (ascending within each)."""
    ids: np.ndarray
    weights: np.ndarray
    counts: np.ndarray | None = None
    positions: np.ndarray | None = None
