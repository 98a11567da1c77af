"""The layout of one term's postings: a header, a table of its blocks, the blocks' document
numbers and weights, then the blocks' values (positions), all little-endian.

    version (1 byte) | block count (varint) | data size (varint)
    block table: one BLOCK record per block (last document number, highest weight, ...)
    data: per block, document number gaps (uint8/16/32), then weights (none if all 1.0,
          uint8/16 if all whole numbers, else float32)
    values: per block, the posting values (see values.py), read only when asked for

A matcher reads the header, the table and the data with two reads, and decodes a block's
numbers with np.frombuffer; the values stay unread until positions are wanted.

>>> gaps, code = pack_ids([3, 4, 9], previous=0)
>>> unpack_ids(gaps, code, count=3, previous=0).tolist()
[3, 4, 9]
>>> packed, kind = pack_weights([1.0, 2.0, 1.0])
>>> kind, unpack_weights(packed, kind, count=3).tolist()
(1, [1.0, 2.0, 1.0])
"""
from __future__ import annotations

import struct
import sys
from array import array

import numpy as np

VERSION = 1

# One record per block; the record of the last block of a term comes last.
BLOCK = np.dtype([
    ("max_id", "<u4"),       # the block's last (highest) document number
    ("max_weight", "<f4"),   # its highest weight, rounded up to a float32
    ("values_size", "<u4"),  # bytes of its values
    ("count", "<u2"),        # postings
    ("min_length", "u1"),    # shortest and longest field length, as Whoosh's length bytes
    ("max_length", "u1"),
    ("layout", "u1"),        # ID_CODES index | WEIGHT_KINDS index << 2 | COMPRESSED
])

# BLOCK through struct: most terms have one block, where numpy's set-up would cost more
RECORD = struct.Struct("<" + "".join(BLOCK[name].char for name in BLOCK.names))
ID_CODES = ("B", "H", "I")  # array typecodes of the gaps (uint8, uint16, uint32)
ID_DTYPES = (np.dtype("<u1"), np.dtype("<u2"), np.dtype("<u4"))
ONES, BYTES, SHORTS, FLOATS = range(4)  # weight kinds
WEIGHT_CODES = (None, "B", "H", "f")
WEIGHT_DTYPES = (None, np.dtype("<u1"), np.dtype("<u2"), np.dtype("<f4"))
ID_SIZES = tuple(dtype.itemsize for dtype in ID_DTYPES)  # bytes of a gap, by ID_CODES index
WEIGHT_SIZES = tuple(0 if dtype is None else dtype.itemsize for dtype in WEIGHT_DTYPES)  # bytes of a weight, by kind
COMPRESSED = 0x10  # the block's values are zlib-compressed

_BIG_ENDIAN = sys.byteorder == "big"
_SINGLE = struct.Struct("<f")


def _little_endian_bytes(numbers: array) -> bytes:
    if _BIG_ENDIAN:
        numbers.byteswap()
    return numbers.tobytes()


def pack_ids(ids: list[int], previous: int) -> tuple[bytes, int]:
    """The gaps between `ids` (ascending document numbers; the first one's gap from
    `previous`, the last number of the block before, or 0) as the narrowest unsigned
    integers that hold them, and the code of their width (an index of ID_CODES).

    >>> data, code = pack_ids([5, 300], previous=0)
    >>> data.hex(), code
    ('05002701', 1)
    """
    gaps = [ids[0] - previous]
    gaps.extend(b - a for a, b in zip(ids, ids[1:]))
    widest = max(gaps)
    code = 0 if widest < 0x100 else 1 if widest < 0x10000 else 2
    return _little_endian_bytes(array(ID_CODES[code], gaps)), code


def unpack_ids(data, code: int, count: int, previous: int, offset: int = 0) -> np.ndarray:
    """The document numbers (int64) of a block whose gaps pack_ids() packed at `offset`."""
    gaps = np.frombuffer(data, dtype=ID_DTYPES[code], count=count, offset=offset)
    return np.cumsum(gaps, dtype=np.int64) + previous


def pack_weights(weights: list[float]) -> tuple[bytes, int]:
    """A block's weights, and their kind: nothing if all are 1.0 (ONES), one byte or two
    each if all are whole numbers (BYTES, SHORTS), else float32 (FLOATS: what Whoosh keeps).

    >>> pack_weights([1.0, 1.0])
    (b'', 0)
    >>> pack_weights([1.5, 300.0])[1]
    3
    """
    singles = array("f", weights)  # Whoosh's precision: the scores are computed from these
    if singles.count(1.0) == len(singles):
        return b"", ONES
    if 0 <= min(singles) and max(singles) < 0x10000 and (whole := list(map(int, singles))) == singles.tolist():
        kind = BYTES if max(whole) < 0x100 else SHORTS
        return _little_endian_bytes(array(WEIGHT_CODES[kind], whole)), kind
    return _little_endian_bytes(singles), FLOATS


def weights_size(kind: int, count: int) -> int:
    """Bytes taken by `count` weights of `kind`.

    >>> weights_size(ONES, 128), weights_size(SHORTS, 128)
    (0, 256)
    """
    return 0 if kind == ONES else WEIGHT_DTYPES[kind].itemsize * count


def unpack_weights(data, kind: int, count: int, offset: int = 0) -> np.ndarray:
    """The weights (float64 holding float32 values) that pack_weights() packed at `offset`."""
    if kind == ONES:
        return np.ones(count)
    return np.frombuffer(data, dtype=WEIGHT_DTYPES[kind], count=count, offset=offset).astype(np.float64)


def round_up_to_float32(number: float) -> float:
    """The smallest float32 not below `number` (a block's highest weight: a bound on its
    scores must not drop below the weights scored).

    >>> round_up_to_float32(0.1) >= 0.1, round_up_to_float32(2.0)
    (True, 2.0)
    """
    single = _SINGLE.unpack(_SINGLE.pack(number))[0]  # the nearest float32 (struct: numpy's scalars are slow)
    if single < number:
        single = float(np.nextafter(np.float32(single), np.float32(np.inf)))
    return single
