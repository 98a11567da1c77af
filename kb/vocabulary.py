"""The words every layer shares: entity types, periods, sorts, count buckets, and the
labels of the buckets that hold what has no value (no date, no source, no entity).

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

# Buckets for matches without a value, so that counts add up to the matches.
UNDATED = "undated"  # a period count's articles without a publication date
UNKNOWN_SOURCE = "(unknown)"  # a source count's articles without a source
NO_ENTITY = "(none)"  # an entity count's articles that name no entity of that type
EMPTY_BUCKETS = (UNDATED, UNKNOWN_SOURCE, NO_ENTITY)
