"""What searches derive from one segment (its arrays of lengths, dates and names),
kept with the segment's reader: a segment never changes, and the searcher kept between
searches keeps its readers, so each is worked out once per process and segment."""
from __future__ import annotations

import numpy as np

from index.codec.arrays import ArraysWriter, SegmentArrays, read_arrays
from index.codec.packed import PackedCodec


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
    number of the segment to list the others), once per reader: a searcher sees the
    deletions of its time (a commit makes a new searcher, with new readers)."""
    cache = segment_cache(reader)
    if "deleted" not in cache:
        cache["deleted"] = np.fromiter(reader.segment().deleted_docs(), dtype=np.int64)
    return cache["deleted"]


def segment_arrays(reader) -> SegmentArrays:
    """The segment's lengths and columns as arrays (index.codec.arrays), once per reader:
    PackedCodec's file, or, for a segment of another codec (W3Codec's, the reference of
    the differential tests), worked out through Whoosh's public API, document by document."""
    cache = segment_cache(reader)
    if "arrays" not in cache:
        if isinstance(reader.codec(), PackedCodec):
            cache["arrays"] = read_arrays(reader.storage(), reader.segment())
        else:
            cache["arrays"] = SegmentArrays(_arrays_through_columns(reader).to_bytes())
    return cache["arrays"]


def _arrays_through_columns(reader) -> ArraysWriter:
    schema, arrays = reader.schema, ArraysWriter()
    scored = [name for name in schema.names() if schema[name].scorable]
    columns = {name: (reader.column_reader(name, translate=False), schema[name].column_type)
               for name in schema.names() if schema[name].column_type and reader.has_column(name)}
    for docnum in range(reader.doc_count_all()):
        arrays.start_doc(docnum)
        for name in scored:
            length = reader.doc_field_length(docnum, name)
            if length:
                arrays.add_length(name, length)
        for name, (column, kind) in columns.items():
            arrays.add_column_value(name, kind, column[docnum])
    return arrays
