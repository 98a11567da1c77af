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
- no commit merges more than MERGE_LIMIT documents (in the committing process). Larger
  segments, such as a bulk import's, stay as they are until `kb optimize` merges everything.

A merge writes a new segment beside the committing writer (merged_segment): postings
decoded a field at a time as arrays and packed whole, about a tenth of the time of
Whoosh's merge, which takes a posting at a time.
"""
from __future__ import annotations

import math

import numpy as np
from whoosh.index import FileIndex
from whoosh.reading import SegmentReader

from index.codec.pool import GroupedPostingPool
from index.codec.unpacking import segment_postings
from index.directory import segment_codec
from index.whoosh_internals import UnlockedSegmentWriter, finish_segment

MERGE_FACTOR = 5
FLOOR = MERGE_FACTOR ** 3  # documents: smaller segments are one tier, merged once there are two
MERGE_LIMIT = 10_000  # documents at most in one commit's merges


def merge_policy(merge: bool, added: list):
    """A Whoosh `mergetype` for a commit that adds the `added` segments (written by
    SegmentBuilders); without `merge`, nothing is merged."""
    def policy(writer, existing: list) -> list:
        segments = existing + added
        chosen = _tier_to_merge(segments) if merge else []
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
                first, docmap = writer.add_documents_of(reader)
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
