"""Merging segments into a new one: postings read, renumbered and packed as arrays.

Whoosh's merge (SegmentWriter.add_reader) reads every posting through a matcher and
hands it to its pool one at a time, which pickles it again: about 4 ms a document. Here
the stored fields, lengths and columns are copied as Whoosh copies them (write_per_doc),
but each field's postings are read a range of terms at a time from every merged segment
(index.codec.unpacking), renumbered, the deleted documents' dropped, joined term by term,
and packed whole (index.codec.packing): the field writer takes them as it takes a new
segment's pool, so a merge holds one range of terms at a time.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from typing import Iterator, NamedTuple

import numpy as np
from whoosh.reading import SegmentReader

from index.codec.arrays import LENGTH_OF_CODE
from index.codec.pool import CHUNK_POSTINGS, FieldPostings, GroupedPostingPool, term_ranges
from index.codec.matcher import ranges
from index.codec.unpacking import read_field
from index.codec.values import POSITIONS, value_kind
from index.directory import segment_codec
from index.segment_cache import segment_arrays
from index.whoosh_internals import UnlockedSegmentWriter, finish_segment, term_dictionary


def merged_segment(ix, segments: list):
    """A new segment of the index `ix` holding the documents of `segments` not deleted,
    in order (for a commit that drops those segments)."""
    pool = MergedPostingPool(ix.schema)
    writer = UnlockedSegmentWriter(ix, segment_codec(), pool)
    try:
        for segment in segments:
            reader = SegmentReader(ix.storage, ix.schema, segment)
            pool.readers.append(reader)
            first, docmap = writer.add_documents_of(PerDocumentSource(reader))
            pool.add_segment(reader, renumbering(reader.doc_count_all(), first, docmap))
        return finish_segment(writer)
    except BaseException:
        writer.cancel()
        raise
    finally:
        for reader in pool.readers:
            reader.close()


class SegmentField(NamedTuple):
    """One merged segment's part of a field: its terms (sorted) and their TERM_INFO
    records, and the segment's new document numbers (-1: left out)."""
    reader: object
    terms: list[bytes]
    infos: np.ndarray
    renumbered: np.ndarray


class MergedPostingPool(GroupedPostingPool):
    """The posting pool of a merge, for the codec's field writer: each field of the
    merged segments, a MergedField."""

    def __init__(self, schema):
        super().__init__()
        self.schema = schema
        self.readers: list = []
        self.segments: list[tuple[object, dict, np.ndarray]] = []  # reader, its terms by field, renumbering

    def add_segment(self, reader, renumbered: np.ndarray) -> None:
        """Add a segment's postings, each document d becoming renumbered[d] (-1: left out)."""
        self.segments.append((reader, term_dictionary(reader), renumbered))

    def sorted_fields(self) -> Iterator[tuple[str, MergedField]]:
        for fieldname in sorted({name for _, fields, _ in self.segments for name in fields}):
            parts = [SegmentField(reader, *fields[fieldname], renumbered)
                     for reader, fields, renumbered in self.segments if fieldname in fields]
            yield fieldname, MergedField(fieldname, self.schema[fieldname].format, parts)


class MergedField:
    """A field of the merged segments, as the field writer takes a pool's field
    (FieldPool): its format, and its postings sorted by term, then document, in pieces."""

    def __init__(self, fieldname: str, field_format, parts: list[SegmentField]):
        self.fieldname, self.field_format, self.parts = fieldname, field_format, parts

    def sorted(self, most: int = CHUNK_POSTINGS) -> Iterator[FieldPostings]:
        """The postings of ranges of terms of about `most` postings (a term with more
        is a range alone), those of no document left out (terms left with none too)."""
        terms = sorted(set().union(*(part.terms for part in self.parts)))
        number = {term: n for n, term in enumerate(terms)}
        numbers = [np.fromiter(map(number.__getitem__, part.terms), dtype=np.int64, count=len(part.terms))
                   for part in self.parts]
        counts = np.zeros(len(terms), dtype=np.int64)
        for part, part_numbers in zip(self.parts, numbers):
            counts[part_numbers] += part.infos["df"]
        for first, last in term_ranges(counts, most):
            joined = [self._read(part, part_numbers, terms[first], terms[last - 1], first)
                      for part, part_numbers in zip(self.parts, numbers)]
            postings = joined_postings(terms[first:last], [piece for piece in joined if piece is not None],
                                       value_kind(self.field_format) == POSITIONS)
            if postings.terms:
                yield postings

    def _read(self, part: SegmentField, part_numbers: np.ndarray, low: bytes, high: bytes, first: int):
        """A segment's postings of the terms from `low` to `high`, each posting's term
        numbered from the range's `first`, renumbered (None if it has none of them)."""
        start, end = bisect_left(part.terms, low), bisect_right(part.terms, high)
        if start == end:
            return None
        postings = read_field(part.reader, self.fieldname, part.terms[start:end], part.infos[start:end])
        term_of_posting = np.repeat(part_numbers[start:end] - first, np.diff(postings.starts))
        renumbered = FieldPostings(postings.terms, postings.starts, part.renumbered[postings.docs], postings.weights,
                                   postings.frequencies, postings.positions)
        return renumbered, term_of_posting


def joined_postings(terms: list[bytes], pieces_read: list, positions: bool) -> FieldPostings:
    """The postings of `terms` from each segment's piece (its postings, renumbered, and
    each one's term's index in `terms`), joined: each term's postings segment after
    segment (their documents in order), those of documents left out (-1) dropped."""
    kept = [postings.docs >= 0 for postings, _ in pieces_read]

    def joined(name: str) -> np.ndarray:
        return np.concatenate([getattr(postings, name)[keep] for (postings, _), keep in zip(pieces_read, kept)])

    term_of_posting = np.concatenate([of[keep] for (_, of), keep in zip(pieces_read, kept)])
    order = np.argsort(term_of_posting, kind="stable")  # by term; a term's postings in segment order
    frequencies = joined("frequencies")
    flat = None
    if positions:
        flat = np.concatenate([postings.positions[np.repeat(keep, postings.frequencies)]
                               for (postings, _), keep in zip(pieces_read, kept)])
        flat = flat[ranges((np.cumsum(frequencies) - frequencies)[order], frequencies[order])]
    per_term = np.bincount(term_of_posting, minlength=len(terms))
    live = np.flatnonzero(per_term)
    starts = np.zeros(len(live) + 1, dtype=np.int64)
    np.cumsum(per_term[live], out=starts[1:])
    return FieldPostings([terms[t] for t in live.tolist()], starts, joined("docs")[order], joined("weights")[order],
                         frequencies[order], flat)


def renumbering(count: int, first: int, docmap: dict | None) -> np.ndarray:
    """Each of a segment's `count` document numbers' new number (-1: deleted), as
    Whoosh's write_per_doc() numbered them (`docmap`, None if none was deleted) from `first`.

    >>> renumbering(4, 10, {0: 10, 2: 11, 3: 12}).tolist()
    [10, -1, 11, 12]
    """
    if docmap is None:
        return np.arange(first, first + count, dtype=np.int64)
    renumbered = np.full(count, -1, dtype=np.int64)
    renumbered[np.fromiter(docmap.keys(), dtype=np.int64, count=len(docmap))] = \
        np.fromiter(docmap.values(), dtype=np.int64, count=len(docmap))
    return renumbered


class PerDocumentSource:
    """A segment's reader as Whoosh's write_per_doc() reads it (add_documents_of), its
    field lengths read whole from the segment's arrays: Whoosh's reader reads a length a
    call, and looks for the length column's file at each call for a field without one
    (half of what a merge cost)."""

    def __init__(self, reader):
        self.reader = reader
        self.lengths: dict[str, list[int] | None] = {}
        self.columns: dict[str, bool] = {}

    def indexed_field_names(self):
        return self.reader.indexed_field_names()

    def has_deletions(self) -> bool:
        return self.reader.has_deletions()

    def iter_docs(self):
        return self.reader.iter_docs()

    def has_column(self, fieldname: str) -> bool:
        if fieldname not in self.columns:
            self.columns[fieldname] = bool(self.reader.has_column(fieldname))
        return self.columns[fieldname]

    def column_reader(self, fieldname: str, column_type):
        return self.reader.column_reader(fieldname, column_type)

    def has_vector(self, docnum: int, fieldname: str) -> bool:
        return self.reader.has_vector(docnum, fieldname)

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        if fieldname not in self.lengths:
            codes = segment_arrays(self.reader).length_codes(fieldname)
            self.lengths[fieldname] = None if codes is None else [LENGTH_OF_CODE[code] for code in codes.tolist()]
        lengths = self.lengths[fieldname]
        return default if lengths is None else lengths[docnum]
