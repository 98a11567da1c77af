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
- the segments a commit adds (an import's: its indexer's, and one of the articles of
  earlier imports its entity votes changed, whose first copies it deletes) are merged
  into one: an import leaves one segment, without deleted documents.

A merge writes a new segment beside the committing writer (index.segment_merge), in
about a tenth of the time of Whoosh's merge.
"""
from __future__ import annotations

import math

from whoosh.index import FileIndex

from index.segment_merge import merged_segment

MERGE_FACTOR = 5
FLOOR = MERGE_FACTOR ** 3  # documents: smaller segments are one tier, merged once there are two
MERGE_LIMIT = 10_000  # documents at most in one commit's merges


def merge_policy(merge: bool, added: list):
    """A Whoosh `mergetype` for a commit that adds the `added` segments (written by
    SegmentBuilders: an import's indexer's segment, and the articles it indexed again,
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
