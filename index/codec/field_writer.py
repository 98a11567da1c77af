"""The codec's field writer: Whoosh's W3FieldWriter (the term dictionary, postings through
PackedPostingsWriter), handed the new segment's field lengths read whole.

Whoosh's postings writer asks for the field length of every posting, and Whoosh's
per-document reader reads the length column once per call: an eighth of the time of
indexing. Every writer that writes a segment with this codec (an import's helper
processes, Whoosh's own writing processes, merges) goes through here.

>>> from whoosh.fields import Schema, TEXT
>>> from whoosh.filedb.filestore import RamStorage
>>> from index.codec.packed import PackedCodec
>>> ix = RamStorage().create_index(Schema(body=TEXT))
>>> with ix.writer(codec=PackedCodec()) as writer:
...     writer.add_document(body="oil prices rose")
...     writer.add_document(body="oil")
>>> [ix.reader().postings("body", "oil").block_max_length()]
[3]
"""
from __future__ import annotations

from whoosh.codec.whoosh3 import W3FieldWriter

from index.codec.arrays import LENGTH_OF_CODE
from index.codec.per_document import PackedPerDocReader
from index.codec.packing import pack_field
from index.codec.pool import GroupedPostingPool
from index.whoosh_internals import add_terms, close_term_dictionary, postings_writer_of


class PackedFieldWriter(W3FieldWriter):
    def add_postings(self, schema, lengths, items):
        """Whoosh's, given the lengths of a segment of this codec whole (another per-document
        reader, or none, as they come); a GroupedPostingPool's fields packed whole."""
        if isinstance(lengths, PackedPerDocReader):
            lengths = WholeLengths(lengths.arrays)
        if isinstance(items, GroupedPostingPool):
            self.add_pooled_postings(schema, lengths, items)
        else:
            super().add_postings(schema, lengths, items)

    def add_pooled_postings(self, schema, lengths: WholeLengths | None, pool: GroupedPostingPool) -> None:
        """Each field's terms packed together (packing.py), a piece of the field at a time
        (a FieldPool's, or a merge's: index.segment_merge):
        its terms' postings written in one write, their rows of the term dictionary in
        another (what Whoosh's start_term and finish_term do a term at a time)."""
        for fieldname, field_pool in pool.sorted_fields():
            postings_writer = None  # (a field without a term, as text without a word: none, as Whoosh's writer leaves it)
            codes = None if lengths is None else lengths.codes(fieldname)
            for piece in field_pool.sorted():
                if postings_writer is None:
                    self.start_field(fieldname, schema[fieldname])
                    postings_writer = postings_writer_of(self)
                packed = pack_field(piece, field_pool.field_format, codes, postings_writer.block_size,
                                    postings_writer.compress_positions)
                add_terms(self, packed.terms, postings_writer.write_terms(packed.postings, packed.infos))
            if postings_writer is not None:
                self.finish_field()

    def close(self):
        close_term_dictionary(self)


class WholeLengths:
    """A segment's field lengths, each field's read whole from its arrays, as the postings
    writer asks for them (doc_field_length; whoosh3's writer asks for
    doc_field_length_reader)."""

    def __init__(self, arrays):
        self._arrays, self._lengths = arrays, {}

    def doc_field_length(self, docnum: int, fieldname: str, default=0):
        lengths = self._of_field(fieldname)
        return default if lengths is None else lengths[docnum]

    def doc_field_length_reader(self, fieldname: str, default=0):
        """doc_field_length of one field, as a function of the document number."""
        lengths = self._of_field(fieldname)
        return (lambda docnum: default) if lengths is None else lengths.__getitem__

    def codes(self, fieldname: str):
        """Each document's length code in `fieldname` (a numpy array), None if no document
        has a length there."""
        return self._arrays.length_codes(fieldname)

    def _of_field(self, fieldname: str) -> list | None:
        if fieldname not in self._lengths:
            codes = self.codes(fieldname)
            self._lengths[fieldname] = None if codes is None else [LENGTH_OF_CODE[c] or None for c in codes.tolist()]
        return self._lengths[fieldname]
