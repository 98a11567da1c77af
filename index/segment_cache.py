"""What searches derive from one segment (column readers, date and name arrays), kept
with the segment's reader: a segment never changes, and the searcher kept between
searches keeps its readers, so each is worked out once per process and segment."""
from __future__ import annotations


def segment_cache(reader) -> dict:
    """The cache of one segment reader (Whoosh's readers take attributes: it lives on it)."""
    return reader.__dict__.setdefault("_newskb_cache", {})
