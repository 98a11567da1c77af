"""Unsigned integers as LEB128 varints: seven bits a byte, the high bit set on every byte
but a number's last. Written one number at a time (small lists: a block's positions),
read a whole buffer at once with numpy.

>>> data = encode_varints([0, 5, 127, 128, 300, 70000])
>>> len(data)
10
>>> decode_varints(data).tolist()
[0, 5, 127, 128, 300, 70000]
"""
from __future__ import annotations

import numpy as np


def encode_varints(numbers) -> bytes:
    """The varints of `numbers` (integers >= 0), one after another.

    >>> encode_varints([1, 200]).hex()
    '01c801'
    """
    out = bytearray()
    append = out.append
    for number in numbers:
        while number > 0x7F:
            append((number & 0x7F) | 0x80)
            number >>= 7
        append(number)
    return bytes(out)


def decode_varints(data, count: int | None = None) -> np.ndarray:
    """The numbers (int64) of the varints in `data` (bytes or a uint8 array), all of them
    or the first `count`.

    >>> decode_varints(bytes([0x01, 0xc8, 0x01, 0x07]), count=2).tolist()
    [1, 200]
    >>> decode_varints(b"").tolist()
    []
    """
    raw = np.frombuffer(data, dtype=np.uint8) if isinstance(data, (bytes, bytearray, memoryview)) else data
    last_bytes = np.flatnonzero(raw < 0x80)
    if count is not None:
        last_bytes = last_bytes[:count]
    if not len(last_bytes):
        return np.empty(0, dtype=np.int64)
    raw = raw[:last_bytes[-1] + 1]
    first_bytes = np.empty_like(last_bytes)
    first_bytes[0] = 0
    first_bytes[1:] = last_bytes[:-1] + 1
    if len(raw) == len(last_bytes):  # every number below 128: one byte each
        return raw.astype(np.int64)
    starts = np.repeat(first_bytes, last_bytes - first_bytes + 1)
    shifts = 7 * (np.arange(len(raw), dtype=np.int64) - starts)
    parts = np.cumsum((raw & 0x7F).astype(np.int64) << shifts)
    before = np.where(first_bytes > 0, parts[first_bytes - 1], 0)
    return parts[last_bytes] - before


def read_varint(data, at: int = 0) -> tuple[int, int]:
    """The number of the varint at `at` in `data`, and where the next begins (one number:
    a header, where numpy's set-up would cost more than the reading).

    >>> read_varint(bytes([0x07, 0xc8, 0x01]), 1)
    (200, 3)
    """
    number = shift = 0
    while True:
        byte = data[at]
        number |= (byte & 0x7F) << shift
        at += 1
        if byte < 0x80:
            return number, at
        shift += 7
