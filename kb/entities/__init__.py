"""Entity extraction: one small interface, a registry of extractors, and counting.

An extractor turns text into `Mention`s (character offsets, type person|org|place).
`count_entities` folds the mentions of one article into one `EntityCount` per entity.

>>> extractor = get_extractor("crf")
>>> [(e.type, e.name, e.count) for e in count_entities(extractor.extract("Scott Bessent met Kristi Noem."))]
[('person', 'Kristi Noem', 1), ('person', 'Scott Bessent', 1)]
"""
from __future__ import annotations

from typing import Protocol

from kb.errors import KBError
from kb.models import EntityCount, Mention
DEFAULT_EXTRACTOR = "crf"


class Extractor(Protocol):
    name: str

    def extract(self, text: str) -> list[Mention]:
        """Return the entity mentions in `text`, in order of their start offsets."""

    def extract_all(self, texts: list[str]) -> list[list[Mention]]:
        """`extract` of each text; an extractor may tag them together, for speed."""


_extractors: dict[str, Extractor] = {}


def get_extractor(name: str = DEFAULT_EXTRACTOR) -> Extractor:
    """Return the extractor registered under `name` (e.g. "crf", "spacy:en_core_web_sm")."""
    extractor = _extractors.get(name)
    if extractor is not None:
        return extractor
    if name == "crf":
        from kb.entities.crf import CRFExtractor

        extractor = CRFExtractor()
    elif name == "none":
        from kb.entities.null import NullExtractor

        extractor = NullExtractor()
    elif name.startswith("spacy:") and name[len("spacy:"):]:
        from kb.entities.spacy_extractor import SpacyExtractor

        extractor = SpacyExtractor(name[len("spacy:"):])
    else:
        raise KBError(f"unknown entity extractor {name!r} (known: 'crf', 'none', 'spacy:<pipeline>')")
    _extractors[name] = extractor
    return extractor


def count_entities(mentions: list[Mention], text: str = "") -> list[EntityCount]:
    """Fold mentions into one EntityCount per (type, canonical name), most mentioned first
    (`text`, that the mentions point into, shows titles before names: "Mr" Blair)."""
    from kb.entities.counting import count_entities as _count

    return _count(mentions, text)
