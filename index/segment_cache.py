"""What searches derive from one segment (column readers, date, length and name arrays),
kept with the segment's reader: a segment never changes, and the searcher kept between
searches keeps its readers, so each is worked out once per process and segment."""
from __future__ import annotations

import numpy as np
from whoosh.filedb.structfile import BufferFile
from whoosh.util.numeric import byte_to_length

from index.whoosh_internals import column_file, column_reader_layout, length_column

LENGTH_OF_CODE = [byte_to_length(code) for code in range(256)]  # Whoosh keeps a length in one byte
_BIG_ENDIAN = {"B": ">u1", "H": ">u2", "I": ">u4", "Q": ">u8"}  # NumericColumn typecodes read raw


def segment_cache(reader) -> dict:
    """The cache of one segment reader (Whoosh's readers take attributes: it lives on it)."""
    return reader.__dict__.setdefault("_newskb_cache", {})


def segment_slices(searcher, docnums: np.ndarray) -> list[tuple[object, np.ndarray]]:
    """Each segment searcher of `searcher` with the (sorted) global document numbers
    `docnums` that fall in it, as the segment's own numbers."""
    slices = []
    for leaf, offset in searcher.leaf_searchers():
        first, last = np.searchsorted(docnums, [offset, offset + leaf.doc_count_all()])
        slices.append((leaf, docnums[first:last] - offset))
    return slices


def deleted_documents(reader) -> np.ndarray:
    """The numbers of the segment's deleted documents (Whoosh would test every document
    number of the segment to list the others)."""
    return np.fromiter(reader.segment().deleted_docs(), dtype=np.int64)


def numeric_array(column, count: int) -> np.ndarray:
    """The values of a numeric column for documents 0 to `count` - 1, as unsigned
    integers; documents past the column's end get its default."""
    layout = column_reader_layout(column)
    if layout is not None and layout.typecode in _BIG_ENDIAN:
        raw = layout.dbfile.get(layout.basepos, layout.count * layout.width)
        values = np.frombuffer(raw, dtype=_BIG_ENDIAN[layout.typecode]).astype(np.uint64)
        return np.concatenate([values, np.full(count - len(values), layout.default, dtype=np.uint64)])
    return np.array([column[docnum] for docnum in range(count)], dtype=np.uint64)


def length_codes(per_document_reader, fieldname: str, count: int) -> np.ndarray | None:
    """The one-byte length codes of `fieldname` for documents 0 to `count` - 1 (0: no
    length), read whole from a segment's per-document reader; None if the field has none."""
    column = length_column(per_document_reader, fieldname)
    return None if column is None else numeric_array(column, count).astype(np.intp)


def column_in_memory(reader, fieldname: str):
    """A reader of the segment's column `fieldname` over a copy of its bytes (a column is
    a small part of a segment; its values are then read without a system call each)."""
    file, offset, length = column_file(reader, fieldname)
    try:
        data = file.get(offset, length)
    finally:
        file.close()
    return reader.schema[fieldname].column_type.reader(BufferFile(data), 0, length, reader.doc_count_all())
