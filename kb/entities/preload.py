"""Imported by the forkserver before it starts helper processes: the default extractor's
model and the language identifier are loaded there once, and every worker forked from it shares those pages instead of
loading its own copy. The objects are then frozen out of the garbage collector, whose
passes would otherwise write to (and so copy) every page holding one."""
import gc

from importers.language import detect_language
from kb.entities import DEFAULT_EXTRACTOR, get_extractor

get_extractor(DEFAULT_EXTRACTOR).model
detect_language("The language identifier loads on its first use, here.")
gc.freeze()
