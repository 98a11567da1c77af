"""Spelling suggestions from the index vocabulary, for queries that match nothing."""
from __future__ import annotations

import re

from index.analysis import EXACT_MARK

MAX_DISTANCE = 2
_WORD = re.compile(r"\b[^\W\d_]{3,}\b")
_OPERATORS = {"AND", "OR", "NOT", "TO"}


def edit_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (a swap of two neighbours costs 1: cocao -> cocoa)."""
    previous2, previous = None, list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, char_b in enumerate(b, start=1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b))
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


def closest_word(reader, fieldname: str, word: str) -> str | None:
    """The indexed word nearest to `word` (fewest edits, then most documents), if any:
    among the exact forms, which every word has (stems are no words to suggest)."""
    candidates = {}
    # Candidates share the first letter: a far cheaper scan, and typos there are rare.
    for term in reader.terms_within(fieldname, EXACT_MARK + word, MAX_DISTANCE, prefix=len(EXACT_MARK) + 1):
        text = term[len(EXACT_MARK):]
        if term.startswith(EXACT_MARK) and text.isalpha() and text != word:
            distance = edit_distance(word, text)
            if distance <= MAX_DISTANCE:
                candidates[text] = (distance, -reader.doc_frequency(fieldname, term))
    return min(candidates, key=candidates.get) if candidates else None


def suggest_query(reader, fieldname: str, text: str) -> str | None:
    """`text` with each word the index does not know replaced by its closest indexed word."""
    replacements = {}
    for word in set(_WORD.findall(text)) - _OPERATORS:
        lower = word.lower()
        if reader.doc_frequency(fieldname, lower) or reader.doc_frequency(fieldname, EXACT_MARK + lower):
            continue
        found = closest_word(reader, fieldname, lower)
        if found:
            replacements[word] = found.capitalize() if word[0].isupper() else found
    if not replacements:
        return None
    return re.sub(r"\b(" + "|".join(map(re.escape, replacements)) + r")\b", lambda m: replacements[m.group()], text)
