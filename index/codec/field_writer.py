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
from index.codec.pool import GroupedPostings
from index.whoosh_internals import postings_writer_of


class PackedFieldWriter(W3FieldWriter):
    def add_postings(self, schema, lengths, items):
        """Whoosh's, given the lengths of a segment of this codec whole (another per-document
        reader, or none, as they come); a GroupedPostings pool's postings a term at a time."""
        if isinstance(lengths, PackedPerDocReader):
            lengths = WholeLengths(lengths.arrays)
        if isinstance(items, GroupedPostings):
            self.add_grouped_postings(schema, lengths, items)
        else:
            super().add_postings(schema, lengths, items)

    def add_grouped_postings(self, schema, lengths, items: GroupedPostings) -> None:
        """Each term's postings written whole, field after field (start_field, start_term,
        finish_term and finish_field are Whoosh's: the term dictionary)."""
        field = None
        for fieldname, term, postings in items.terms():
            if fieldname != field:
                if field is not None:
                    self.finish_field()
                self.start_field(fieldname, schema[fieldname])
                field, length_of = fieldname, field_length_reader(lengths, fieldname)
            self.start_term(term)
            postings_writer_of(self).add_term_postings(postings, length_of)
            self.finish_term()
        if field is not None:
            self.finish_field()


def field_length_reader(lengths, fieldname: str):
    """A function of the document number giving its length in `fieldname`, from a per-document
    reader (or WholeLengths), or 0 without one."""
    if lengths is None:
        return lambda docnum: 0
    if isinstance(lengths, WholeLengths):
        return lengths.doc_field_length_reader(fieldname)
    return lambda docnum: lengths.doc_field_length(docnum, fieldname)


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

    def _of_field(self, fieldname: str) -> list | None:
        if fieldname not in self._lengths:
            codes = self._arrays.length_codes(fieldname)
            self._lengths[fieldname] = None if codes is None else [LENGTH_OF_CODE[c] or None for c in codes.tolist()]
        return self._lengths[fieldname]
