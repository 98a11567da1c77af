"""PackedCodec: Whoosh's W3Codec with postings of newskb's own layout (blocks.py).

Whoosh stores each block of a term's postings as zlib(pickle((ids, weights, values))),
positions inside the values, and unpickles the lot even when no position is needed. This
codec keeps everything else of W3Codec (term dictionary, stored fields, columns, term
vectors, segments) and replaces the postings writer and reader (and hands the field
writer the field lengths read whole: field_writer.py): document numbers and
weights as packed little-endian integers readable with np.frombuffer, positions in a
stream of their own read only by phrase and proximity queries. Its per-document writer
also writes the field lengths and the columns as plain arrays (arrays.py), read whole by
index.segment_cache.segment_arrays.

Whoosh pickles the codec with each segment: this class's import path
(index.codec.packed.PackedCodec) must stay where it is.

>>> from whoosh.fields import Schema, TEXT
>>> from whoosh.filedb.filestore import RamStorage
>>> from whoosh.qparser import QueryParser
>>> ix = RamStorage().create_index(Schema(body=TEXT(phrase=True, stored=True)))
>>> with ix.writer(codec=PackedCodec()) as writer:
...     writer.add_document(body="crude oil prices rose")
...     writer.add_document(body="oil crude")
>>> with ix.searcher() as searcher:
...     [hit["body"] for hit in searcher.search(QueryParser("body", ix.schema).parse('"crude oil"'))]
['crude oil prices rose']
"""
from __future__ import annotations

from whoosh.codec.whoosh3 import W3Codec

from index.codec.field_writer import PackedFieldWriter
from index.codec.matcher import PackedMatcher
from index.codec.per_document import PackedPerDocReader, PackedPerDocWriter
from index.codec.writer import DEFAULT_BLOCK_SIZE, PackedPostingsWriter


class PackedCodec(W3Codec):
    """W3Codec with packed postings: `block_size` postings a block (1-65535), positions
    zlib-compressed where that saves space unless `compress_positions` is False."""

    def __init__(self, block_size: int = DEFAULT_BLOCK_SIZE, compress_positions: bool = True):
        super().__init__()  # W3Codec's settings for what stays its own: the term vectors
        self.block_size = block_size
        self.compress_positions = compress_positions

    def field_writer(self, storage, segment):
        return PackedFieldWriter(self, storage, segment)

    def postings_writer(self, dbfile, byteids=False):
        if byteids:  # a term vector (terms, not document numbers): W3Codec's own
            return super().postings_writer(dbfile, byteids=True)
        return PackedPostingsWriter(dbfile, self.block_size, self.compress_positions)

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if terminfo.is_inlined():  # never written by this codec; W3Codec's, read as it does
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        offset, length = terminfo.extent()
        return PackedMatcher(dbfile, offset, length, format_, term=term, scorer=scorer)

    def per_document_writer(self, storage, segment):
        return PackedPerDocWriter(self, storage, segment)

    def per_document_reader(self, storage, segment):
        return PackedPerDocReader(storage, segment)
