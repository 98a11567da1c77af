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
- no commit merges more than MERGE_LIMIT documents (Whoosh merges at about 3 ms a
  document, in the committing process). Larger segments, such as a bulk import's, stay
  as they are until `kb optimize` merges everything.
"""
from __future__ import annotations

import math

from whoosh.reading import SegmentReader

MERGE_FACTOR = 5
FLOOR = MERGE_FACTOR ** 3  # documents: smaller segments are one tier, merged once there are two
MERGE_LIMIT = 10_000  # documents at most in one commit's merges


def merge_policy(merge: bool, added: list):
    """A Whoosh `mergetype` for a commit that adds the `added` segments (written by
    SegmentBuilders); without `merge`, nothing is merged."""
    def policy(writer, existing: list) -> list:
        segments = existing + added
        chosen = _tier_to_merge(segments, writes_a_segment=writer.doc_count() > 0)
        return _merge_into(writer, segments, chosen) if merge else segments
    return policy


def _tier(segment) -> int:
    """0 below FLOOR documents, else the size's order of magnitude in MERGE_FACTORs."""
    count = segment.doc_count_all()
    return 0 if count < FLOOR else int(math.log(count, MERGE_FACTOR))


def _tier_to_merge(segments: list, writes_a_segment: bool) -> list:
    """The segments of the lowest tier that has enough of them (two below the floor,
    counting the committing writer's own new segment when it `writes_a_segment`;
    MERGE_FACTOR above; the smallest ones of a tier first), when they hold at most
    MERGE_LIMIT documents together; else none."""
    tiers: dict[int, list] = {}
    for segment in sorted(segments, key=lambda segment: segment.doc_count_all()):
        tiers.setdefault(_tier(segment), []).append(segment)
    for tier in sorted(tiers):
        group = tiers[tier] if tier == 0 else tiers[tier][:MERGE_FACTOR]
        enough = (1 if writes_a_segment else 2) if tier == 0 else MERGE_FACTOR
        if len(group) >= enough and sum(segment.doc_count_all() for segment in group) <= MERGE_LIMIT:
            return group
    return []


def _merge_into(writer, segments: list, chosen: list) -> list:
    """Copy the `chosen` segments (deleted documents left out) into the writer's new
    segment; returns the segments that remain."""
    for segment in chosen:
        reader = SegmentReader(writer.storage, writer.schema, segment)
        writer.add_reader(reader)
        reader.close()
    return [segment for segment in segments if segment not in chosen]
