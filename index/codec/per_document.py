"""The codec's per-document writer and reader: W3Codec's, with the segment's lengths and
columns also written and read as arrays (arrays.py)."""
from __future__ import annotations

from functools import cached_property

from whoosh.codec.whoosh3 import W3PerDocReader, W3PerDocWriter

from index.codec.arrays import ARRAYS_EXT, ArraysWriter, SegmentArrays, read_arrays


class PackedPerDocWriter(W3PerDocWriter):
    """W3Codec's per-document writer that also collects the lengths and the columns of
    the schema's fields (not Whoosh's own: their names start with "_") and writes them
    as arrays when it closes."""

    def __init__(self, codec, storage, segment):
        super().__init__(codec, storage, segment)
        self.arrays, self.target = ArraysWriter(), (storage, segment)

    def start_doc(self, docnum):
        super().start_doc(docnum)
        self.arrays.start_doc(docnum)

    def add_field(self, fieldname, fieldobj, value, length):
        super().add_field(fieldname, fieldobj, value, length)
        if length:
            self.arrays.add_length(fieldname, length)

    def add_column_value(self, fieldname, columnobj, value):
        super().add_column_value(fieldname, columnobj, value)
        if not fieldname.startswith("_"):
            self.arrays.add_column_value(fieldname, columnobj, value)

    def close(self):
        super().close()
        storage, segment = self.target
        with segment.create_file(storage, ARRAYS_EXT) as file:
            file.write(self.arrays.to_bytes())


class PackedPerDocReader(W3PerDocReader):
    """W3Codec's per-document reader, with the segment's arrays (`arrays`, read on first use)."""

    def __init__(self, storage, segment):
        super().__init__(storage, segment)
        self.source = (storage, segment)

    @cached_property
    def arrays(self) -> SegmentArrays:
        return read_arrays(*self.source)
