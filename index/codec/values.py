"""The values of a block's postings (what Whoosh's field format encodes per posting), kept
apart from document numbers and weights so that only phrase and proximity queries read them.

Each field format is stored its own way (its "kind"):
- Existence (no value): nothing;
- Positions (Whoosh's, or ArrayPositions: formats.py): varints of each posting's position
  count, then varints of the gaps between positions (the first gap from 0), compressed
  with zlib when that saves space;
- Frequency: varints of the frequencies;
- any other format: varints of each value's length, then the values' bytes.

A posting's value() gives back the very bytes Whoosh's format encodes (merging segments
copies them), but positions are read as numbers, without unpickling.

>>> fmt = ArrayPositions()
>>> data = pack_values(POSITIONS, fmt, [fmt.encode([2, 7]), fmt.encode([0])])
>>> block = BlockValues(POSITIONS, fmt, data, count=2)
>>> block.positions(0), block.frequency(1), block.value(1) == fmt.encode([0])
([2, 7], 1, True)
"""
from __future__ import annotations

import zlib
from itertools import accumulate, chain
from operator import sub

import numpy as np
from whoosh.formats import Frequency, Positions
from whoosh.system import pack_uint

from index.codec.formats import ArrayPositions
from index.codec.varints import decode_varints, encode_varints

NONE, POSITIONS, FREQUENCIES, RAW = range(4)  # value kinds
COMPRESS_FROM = 64  # bytes of positions from which zlib is tried (level 1: cheap)


def value_kind(field_format) -> int:
    """How the values of a field with this Whoosh format are stored.

    >>> from whoosh.formats import Existence, Characters
    >>> [value_kind(f) for f in (Existence(), Positions(), Frequency(), Characters())]
    [0, 1, 2, 3]
    """
    if field_format.fixed_value_size() == 0:
        return NONE
    if type(field_format) in (ArrayPositions, Positions):
        return POSITIONS
    if type(field_format) is Frequency:
        return FREQUENCIES
    return RAW


def pack_values(kind: int, field_format, values: list[bytes]) -> bytes:
    """A block's values (Whoosh-encoded bytes, one per posting) in the layout of `kind`
    (see pack_compressed() for the positions' compression)."""
    if kind == NONE:
        return b""
    if kind == POSITIONS:
        flat, counts = flat_positions(field_format, values)
        return encode_varints(counts) + encode_varints(position_gaps(flat, counts))
    if kind == FREQUENCIES:
        return encode_varints(map(field_format.decode_frequency, values))
    return encode_varints(map(len, values)) + b"".join(values)


def pack_compressed(data: bytes) -> tuple[bytes, bool]:
    """`data`, zlib-compressed if that makes it smaller, and whether it is.

    >>> pack_compressed(b"abc")
    (b'abc', False)
    >>> packed, compressed = pack_compressed(bytes(200))
    >>> compressed, len(packed) < 200
    (True, True)
    """
    if len(data) >= COMPRESS_FROM:
        packed = zlib.compress(data, 1)
        if len(packed) < len(data):
            return packed, True
    return data, False


def flat_positions(field_format, values: list[bytes]) -> tuple[list[int], list[int]]:
    """The positions of the Positions-format `values`, value after value, and how many
    each holds: ArrayPositions values decoded together (their bytes join up), others one
    by one.

    >>> fmt = ArrayPositions()
    >>> flat_positions(fmt, [fmt.encode([3, 7]), fmt.encode([2])])
    ([3, 7, 2], [2, 1])
    """
    if type(field_format) is ArrayPositions:
        return field_format.decode_positions(b"".join(values)), list(map(field_format.decode_frequency, values))
    lists = list(map(field_format.decode_positions, values))
    return list(chain.from_iterable(lists)), list(map(len, lists))


def position_gaps(flat: list[int], counts: list[int]) -> list[int]:
    """The gaps between the positions of postings that have `counts` of the positions
    `flat` each (posting after posting), each posting's first gap from 0.

    >>> position_gaps([3, 7, 2, 9], [2, 2])
    [3, 4, 2, 7]
    """
    gaps = [*flat[:1], *map(sub, flat[1:], flat)]
    start = 0
    for count in counts:
        if count:
            gaps[start] = flat[start]
        start += count
    return gaps


class BlockValues:
    """The decoded values of one block of `count` postings (`data` as pack_values() made
    it, decompressed)."""

    def __init__(self, kind: int, field_format, data: bytes, count: int):
        self.kind, self.field_format, self.count = kind, field_format, count
        self.flat = self.starts = None
        if kind == POSITIONS:
            self.flat, self.starts = positions_arrays(data, count)
        elif kind == FREQUENCIES:
            self.frequencies = decode_varints(data, count).tolist()
        elif kind == RAW:
            lengths = decode_varints(data, count).tolist()
            start = len(encode_varints(lengths))
            bounds = [start, *accumulate(lengths, initial=start)][1:]
            self.raw = [bytes(data[a:b]) for a, b in zip(bounds, bounds[1:])]

    def value(self, i: int):
        """Posting i's value as Whoosh's format encodes it (None for a format without)."""
        if self.kind == POSITIONS:
            return self.field_format.encode(self.positions(i))
        if self.kind == FREQUENCIES:
            return pack_uint(self.frequencies[i])
        if self.kind == RAW:
            return self.raw[i]
        return None

    def positions(self, i: int) -> list[int]:
        """Posting i's positions (only for the POSITIONS kind)."""
        return self.flat[self.starts[i]:self.starts[i + 1]].tolist()

    def frequency(self, i: int) -> int:
        """Posting i's frequency (POSITIONS and FREQUENCIES kinds)."""
        if self.kind == POSITIONS:
            return int(self.starts[i + 1] - self.starts[i])
        return self.frequencies[i]


def positions_arrays(data, count: int) -> tuple[np.ndarray, np.ndarray]:
    """The positions of a block of `count` postings as one array of them all, posting
    after posting, and where each posting's begin (count + 1 offsets).

    >>> flat, starts = positions_arrays(encode_varints([2, 1]) + encode_varints([3, 4, 9]), 2)
    >>> flat.tolist(), starts.tolist()
    ([3, 7, 9], [0, 2, 3])
    """
    numbers = decode_varints(data)
    counts = numbers[:count]
    starts = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    sums = np.cumsum(numbers[count:])
    if not len(sums):
        return sums, starts
    # each posting's positions restart from 0: take off the sum of the postings before
    before = np.where(starts[:-1] > 0, sums[starts[:-1] - 1], 0)
    return sums - np.repeat(before, counts), starts
