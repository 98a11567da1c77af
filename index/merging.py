"""When commits merge segments: a tiered policy with a bounded cost per commit.

Every import adds segments. Left alone, many small imports make many small segments,
and each query pays for every segment (about 0.6 ms each on BBC, however small);
merging them all at once (Whoosh's MERGE_SMALL eventually does) stalls a commit for
minutes once the index is large. So:
- segments under FLOOR documents merge as soon as there are two: small imports keep at
  most one small segment, re-merged (under FLOOR documents) at each commit;
- above that, a segment's tier is its size on a scale of MERGE_FACTOR (125-624
  documents, 625-3,124, ...), and a commit merges the smallest tier holding
  MERGE_FACTOR segments: a document is merged about once per tier;
- no commit merges more than MERGE_LIMIT documents of a tier (in the committing process).
  Larger segments stay as they are until `kb optimize` merges everything;
- the segments a commit adds (an import's: one per worker process, and one of the
  articles its entity votes changed, whose first copies it deletes) are merged into one:
  an import leaves one segment, without deleted documents.

A merge writes a new segment beside the committing writer (merged_segment): postings
decoded a field at a time as arrays and packed whole, about a tenth of the time of
Whoosh's merge, which takes a posting at a time.
"""
from __future__ import annotations

import math

import numpy as np
from whoosh.index import FileIndex
from whoosh.reading import SegmentReader

from index.codec.arrays import LENGTH_OF_CODE
from index.codec.pool import GroupedPostingPool
from index.codec.unpacking import segment_postings
from index.directory import segment_codec
from index.segment_cache import segment_arrays
from index.whoosh_internals import UnlockedSegmentWriter, finish_segment

MERGE_FACTOR = 5
FLOOR = MERGE_FACTOR ** 3  # documents: smaller segments are one tier, merged once there are two
MERGE_LIMIT = 10_000  # documents at most in one commit's merges


def merge_policy(merge: bool, added: list):
    """A Whoosh `mergetype` for a commit that adds the `added` segments (written by
    SegmentBuilders: an import's workers' segments, and the articles it indexed again,
    deleting their first copies): they are merged into one, without their deleted
    documents, with the segments of the tier due (see above); without `merge`, nothing is
    merged."""
    def policy(writer, existing: list) -> list:
        segments = existing + added
        if not merge:
            return segments
        chosen = _tier_to_merge(segments)
        if len(added) > 1 or any(segment.has_deletions() for segment in added):
            chosen += [segment for segment in added if segment not in chosen]
        return _merged(writer, segments, chosen)
    return policy


def merge_everything(writer, existing: list) -> list:
    """A Whoosh `mergetype` that merges every segment into one, its deleted documents
    left out (`kb optimize`)."""
    whole = len(existing) == 1 and not existing[0].has_deletions()
    return _merged(writer, existing, [] if whole else existing)


def _tier(segment) -> int:
    """0 below FLOOR documents, else the size's order of magnitude in MERGE_FACTORs."""
    count = segment.doc_count_all()
    return 0 if count < FLOOR else int(math.log(count, MERGE_FACTOR))


def _tier_to_merge(segments: list) -> list:
    """The segments of the lowest tier that has enough of them (two below the floor,
    MERGE_FACTOR above; the smallest ones of a tier first), when they hold at most
    MERGE_LIMIT documents together; else none."""
    tiers: dict[int, list] = {}
    for segment in sorted(segments, key=lambda segment: segment.doc_count_all()):
        tiers.setdefault(_tier(segment), []).append(segment)
    for tier in sorted(tiers):
        group = tiers[tier] if tier == 0 else tiers[tier][:MERGE_FACTOR]
        enough = 2 if tier == 0 else MERGE_FACTOR
        if len(group) >= enough and sum(segment.doc_count_all() for segment in group) <= MERGE_LIMIT:
            return group
    return []


def _merged(writer, segments: list, chosen: list) -> list:
    """The segments, the `chosen` ones replaced by one segment holding their documents
    (deleted ones left out), written beside the committing writer (its own documents,
    if any, are its own segment)."""
    if not chosen:
        return segments
    return [segment for segment in segments if segment not in chosen] + \
        [merged_segment(FileIndex(writer.storage, writer.schema, writer.indexname), chosen)]


def merged_segment(ix, segments: list):
    """A new segment of the index `ix` holding the documents of `segments` not deleted,
    in order (for a commit that drops those segments). Stored fields, lengths and
    columns go as Whoosh's merge copies them; the postings are read a field at a time
    as arrays (index.codec.unpacking), renumbered, and packed whole, where Whoosh's
    merge takes them one by one (about 4 ms a document)."""
    writer = UnlockedSegmentWriter(ix, segment_codec(), GroupedPostingPool())
    try:
        for segment in segments:
            reader = SegmentReader(ix.storage, ix.schema, segment)
            try:
                first, docmap = writer.add_documents_of(PerDocumentSource(reader))
                renumbered = _renumbering(reader.doc_count_all(), first, docmap)
                for fieldname, postings in segment_postings(reader):
                    writer.pool.field(fieldname, ix.schema[fieldname].format).add_postings(postings, renumbered)
            finally:
                reader.close()
        return finish_segment(writer)
    except BaseException:
        writer.cancel()
        raise


def _renumbering(count: int, first: int, docmap: dict | None) -> np.ndarray:
    """Each of a segment's `count` document numbers' new number (-1: deleted), as
    Whoosh's write_per_doc() numbered them (`docmap`, None if none was deleted) from `first`."""
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
