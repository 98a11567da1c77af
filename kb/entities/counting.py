"""Folding one article's mentions into entity counts."""
from __future__ import annotations

import re

from kb.models import EntityCount, Mention

_SPACE = re.compile(r"\s+")
_POSSESSIVE = re.compile(r"['’]s?$")
# Punctuation stripped from either end of a name (a final "." is handled apart).
_EDGE = "\"'“”‘’«»()[]{}<>,;:!?*-–—/\\|#@&_~`"


def canonical(text: str) -> str:
    """Whitespace collapsed, surrounding punctuation and a trailing possessive removed.

    >>> canonical(" “Trump’s ")
    'Trump'
    """
    name = _SPACE.sub(" ", text).strip()
    while True:
        before = name
        name = name.strip(_EDGE + " ")
        if name.endswith("'s") or name.endswith("’s"):
            name = name[:-2]
        elif name.endswith("s'") or name.endswith("s’"):
            name = name[:-1]
        if name.endswith(".") and not _keeps_period(name):
            name = name[:-1]
        if name == before:
            return name


def _keeps_period(name: str) -> bool:
    """"U.S." and "Acme Inc." keep their final period; "Washington." does not."""
    last = name.rsplit(" ", 1)[-1]
    return "." in last[:-1] or (len(last) <= 4 and last[:1].isupper() and name != last)


def is_junk(name: str) -> bool:
    """Single characters, pure numbers and all-lower-case strings are no entity names."""
    if len(name) < 2:
        return True
    if not any(c.isalpha() for c in name):
        return True
    return not any(c.isupper() for c in name)


def count_entities(mentions: list[Mention]) -> list[EntityCount]:
    """One EntityCount per (type, canonical name), count desc then name."""
    groups: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for m in sorted(mentions, key=lambda m: (m.start, m.end)):
        name = canonical(m.text)
        if is_junk(name):
            continue
        groups.setdefault((m.type, name), []).append((m.start, m.end))
    # A lone surname folds into the one longer person name of the article ending with it.
    by_last: dict[str, list[str]] = {}
    for kind, name in groups:
        if kind == "person" and " " in name:
            by_last.setdefault(name.rsplit(" ", 1)[1], []).append(name)
    for key in [k for k in groups if k[0] == "person" and " " not in k[1]]:
        full = by_last.get(key[1])
        if full and len(full) == 1:
            target = groups[("person", full[0])]
            target.extend(groups.pop(key))
            target.sort()
    counts = [EntityCount(kind, name, len(spans), spans) for (kind, name), spans in groups.items()]
    counts.sort(key=lambda e: (-e.count, e.name, e.type))
    return counts
