"""The words every layer shares: entity types, periods, sorts, count buckets, and the
labels of the buckets that hold what has no value (no date, no source, no entity).

Light on purpose (no Whoosh): the CLI builds its choices from it before any knowledge
base is opened, and the index, the store and the API check their arguments against it.

>>> "org" in ENTITY_TYPES and "month" in PERIODS and "newest" in SORTS
True
"""
from __future__ import annotations

ENTITY_TYPES = ("person", "org", "place")
WORK = "work"  # a work of art or an award ("the film Vera Drake"): read by the extractor, never an entity
PERIODS = ("day", "week", "month", "year")
SORTS = ("relevance", "newest", "oldest")
BUCKETS = PERIODS + ("source",) + ENTITY_TYPES

# Buckets for matches without a value, so that counts add up to the matches.
UNDATED = "undated"  # a period count's articles without a publication date
UNKNOWN_SOURCE = "(unknown)"  # a source count's articles without a source
NO_ENTITY = "(none)"  # an entity count's articles that name no entity of that type
EMPTY_BUCKETS = (UNDATED, UNKNOWN_SOURCE, NO_ENTITY)


def language_tag(code: str | None) -> str | None:
    """A language code as a BCP 47 tag in its one case form: language lower case, script
    title case, region upper case, "_" read as "-" (None for an empty code). Stored
    languages are in this form; queries compare them case-insensitively.

    >>> language_tag("en_us"), language_tag("ZH-hant-tw"), language_tag(" PT-pt "), language_tag("")
    ('en-US', 'zh-Hant-TW', 'pt-PT', None)
    """
    subtags = [subtag for subtag in (code or "").strip().replace("_", "-").split("-") if subtag]
    if not subtags:
        return None
    tag, private = [subtags[0].lower()], False
    for subtag in subtags[1:]:
        private = private or len(subtag) == 1  # after a singleton (x-...) every subtag is lower case
        if not private and len(subtag) == 4 and subtag.isalpha():
            tag.append(subtag.title())  # a script: Hant, Latn
        elif not private and (len(subtag) == 2 and subtag.isalpha() or len(subtag) == 3 and subtag.isdigit()):
            tag.append(subtag.upper())  # a region: US, GB, 419
        else:
            tag.append(subtag.lower())
    return "-".join(tag)
