"""Imported by the forkserver before it starts helper processes: the default extractor's
model is then loaded once and shared, instead of once per worker."""
from kb.entities import DEFAULT_EXTRACTOR, get_extractor

get_extractor(DEFAULT_EXTRACTOR)
