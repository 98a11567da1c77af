"""A segment's per-document values as plain arrays: each field's length codes, its
unsigned numeric columns (dates) and its byte and name-list columns (stories, sources,
entities), in one file of the segment (ARRAYS_EXT), read whole with np.frombuffer.

W3Codec keeps these values in columns that Whoosh reads one document at a time in
Python; newskb's searches want them whole. PackedCodec's per-document writer collects
them as the segment is written (as new documents or copied from merged segments) and
writes the file when the segment's per-document values are complete.

>>> arrays = ArraysWriter()
>>> arrays.start_doc(0); arrays.add_length("body", 12); arrays.add_value("org", [b"Shell", b"BP"])
>>> arrays.start_doc(1); arrays.add_value("published", 5, default=99)
>>> arrays.start_doc(2); arrays.add_value("org", [b"BP"])
>>> read = SegmentArrays(arrays.to_bytes())
>>> read.length_codes("body").tolist(), read.length_codes("title")  # 12 tokens: code 11
([11, 0, 0], None)
>>> read.numbers("published").tolist()
[99, 5, 99]
>>> lists = read.name_lists("org")
>>> [lists.of(docnum) for docnum in range(3)]
[[b'Shell', b'BP'], [], [b'BP']]
"""
from __future__ import annotations

import json
import struct
from typing import NamedTuple

import numpy as np
from whoosh.columns import NumericColumn
from whoosh.util.numeric import byte_to_length, length_to_byte

ARRAYS_EXT = ".arr"
LENGTH_OF_CODE = [byte_to_length(code) for code in range(256)]  # Whoosh keeps a length in one byte
_MAGIC = b"NKA1"
_HEADER = struct.Struct("<4sI")  # magic, then the length of the JSON header


class NameLists(NamedTuple):
    """A column of byte strings or lists of them: document d holds the names numbered
    ids[starts[d]:starts[d + 1]]."""
    names: list[bytes]
    starts: np.ndarray
    ids: np.ndarray

    def of(self, docnum: int) -> list[bytes]:
        return [self.names[i] for i in self.ids[self.starts[docnum]:self.starts[docnum + 1]].tolist()]


class ArraysWriter:
    """Collects one segment's values, document by document (numbers 0, 1, 2, ...)."""

    def __init__(self):
        self.count = 0
        self.docnum = -1
        self.lengths: dict[str, dict[int, int]] = {}
        self.values: dict[str, dict[int, object]] = {}
        self.defaults: dict[str, int] = {}

    def start_doc(self, docnum: int) -> None:
        self.docnum, self.count = docnum, max(self.count, docnum + 1)

    def add_length(self, fieldname: str, length: int) -> None:
        """The document's length in `fieldname` (in tokens), kept as Whoosh's one-byte code."""
        self.lengths.setdefault(fieldname, {})[self.docnum] = length_to_byte(length)

    def add_column_value(self, fieldname: str, column_type, value) -> None:
        """The document's value of a column of type `column_type` (numbers: Whoosh's
        NumericColumn, its default for documents without one)."""
        numeric = isinstance(column_type, NumericColumn)
        self.add_value(fieldname, value, column_type.default_value() if numeric else None)

    def add_value(self, fieldname: str, value, default: int | None = None) -> None:
        """The document's column value: an unsigned number (a column of numbers, where
        documents without one have `default`), bytes, or a list of bytes."""
        self.values.setdefault(fieldname, {})[self.docnum] = value
        if default is not None:
            self.defaults[fieldname] = default

    def to_bytes(self) -> bytes:
        parts: dict[str, np.ndarray] = {}
        for fieldname, codes in self.lengths.items():
            parts[f"lengths:{fieldname}"] = _spread(codes, self.count, 0, np.uint8)
        for fieldname, values in self.values.items():
            if fieldname in self.defaults:
                parts[f"numbers:{fieldname}"] = _spread(values, self.count, self.defaults[fieldname], np.uint64)
            else:
                parts.update(_name_list_parts(fieldname, values, self.count))
        header, offset, blobs = {"count": self.count, "parts": {}}, 0, []
        for key, array in parts.items():
            blob = array.tobytes()
            header["parts"][key] = [array.dtype.str, offset, len(blob)]
            blobs.append(blob)
            offset += len(blob)
        encoded = json.dumps(header).encode("utf-8")
        return _HEADER.pack(_MAGIC, len(encoded)) + encoded + b"".join(blobs)


def _spread(by_docnum: dict[int, int], count: int, default: int, dtype) -> np.ndarray:
    array = np.full(count, default, dtype=dtype)
    array[np.fromiter(by_docnum, dtype=np.int64, count=len(by_docnum))] = list(by_docnum.values())
    return array


def _name_list_parts(fieldname: str, by_docnum: dict[int, object], count: int) -> dict[str, np.ndarray]:
    numbers: dict[bytes, int] = {}
    starts, ids = np.zeros(count + 1, dtype=np.int64), []
    for docnum in range(count):
        value = by_docnum.get(docnum, ())
        for name in ([value] if isinstance(value, bytes) else value):
            ids.append(numbers.setdefault(name, len(numbers)))
        starts[docnum + 1] = len(ids)
    names = list(numbers)
    offsets = np.zeros(len(names) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(name) for name in names], dtype=np.int64)
    return {f"names:{fieldname}": np.frombuffer(b"".join(names), dtype=np.uint8),
            f"name_offsets:{fieldname}": offsets, f"starts:{fieldname}": starts,
            f"ids:{fieldname}": np.array(ids, dtype=np.int32)}


def read_arrays(storage, segment) -> "SegmentArrays":
    """The arrays file of `segment` in `storage` (Whoosh's public segment API)."""
    with segment.open_file(storage, ARRAYS_EXT) as file:
        return SegmentArrays(file.read())


class SegmentArrays:
    """The arrays of one segment's file (ArraysWriter.to_bytes), each read on first use."""

    def __init__(self, data: bytes):
        magic, size = _HEADER.unpack_from(data)
        if magic != _MAGIC:
            raise ValueError(f"not a newskb arrays file (starts with {magic!r})")
        header = json.loads(data[_HEADER.size:_HEADER.size + size])
        self.count, self.parts = header["count"], header["parts"]
        self.data, self.base = data, _HEADER.size + size
        self.decoded: dict[str, NameLists | None] = {}

    def _part(self, key: str) -> np.ndarray | None:
        if key not in self.parts:
            return None
        dtype, offset, length = self.parts[key]
        return np.frombuffer(self.data, dtype=np.dtype(dtype), count=length // np.dtype(dtype).itemsize,
                             offset=self.base + offset)

    def length_codes(self, fieldname: str) -> np.ndarray | None:
        """Each document's one-byte length code in `fieldname` (0: none); None if no
        document has the field."""
        return self._part(f"lengths:{fieldname}")

    def numbers(self, fieldname: str) -> np.ndarray | None:
        """Each document's value of the numeric column `fieldname`; None if no document has one."""
        return self._part(f"numbers:{fieldname}")

    def name_lists(self, fieldname: str) -> NameLists | None:
        """The byte or name-list column `fieldname`; None if no document has a value
        (its names decoded once)."""
        if fieldname not in self.decoded:
            blob, offsets = self._part(f"names:{fieldname}"), self._part(f"name_offsets:{fieldname}")
            if blob is None:
                self.decoded[fieldname] = None
            else:
                raw, bounds = blob.tobytes(), offsets.tolist()
                names = [raw[start:end] for start, end in zip(bounds, bounds[1:])]
                self.decoded[fieldname] = NameLists(names, self._part(f"starts:{fieldname}"),
                                                    self._part(f"ids:{fieldname}"))
        return self.decoded[fieldname]
