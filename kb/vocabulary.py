"""The words every layer shares: entity types, periods, sorts, count buckets.

Light on purpose (no Whoosh): the CLI builds its choices from it before any knowledge
base is opened, and the index, the store and the API check their arguments against it.

>>> "org" in ENTITY_TYPES and "month" in PERIODS and "newest" in SORTS
True
"""
from __future__ import annotations

ENTITY_TYPES = ("person", "org", "place")
PERIODS = ("day", "week", "month", "year")
SORTS = ("relevance", "newest", "oldest")
BUCKETS = PERIODS + ("source",) + ENTITY_TYPES

UNDATED = "undated"  # a period count's articles without a publication date
