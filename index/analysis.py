"""Analyzers. This module path is pickled into every index: keep it stable.

News words must survive: no stop list (it would eat `US`, `IT`, `WHO`, `May`),
case folded, accents folded (`Mamdáni` finds `Mamdani`). Titles and bodies are
stemmed for term queries (`sharing` finds `shared`) while phrase queries stay exact:
each word is indexed as its stem and, when that differs, also as the exact word
(marked with EXACT_MARK) at the same position.
"""
from __future__ import annotations

from functools import lru_cache

from whoosh.analysis import CharsetFilter, Filter, LowercaseFilter, RegexTokenizer
from whoosh.lang.porter import stem
from whoosh.support.charset import accent_map

WORD_PATTERN = r"\w+(?:\.?\w+)*"
EXACT_MARK = "="
PHRASE_MODE = "phrase"

stem_word = lru_cache(maxsize=200_000)(stem)


class StemVariantsFilter(Filter):
    """Index mode: the stem, plus the exact word at the same position when they differ.
    Query mode: the stem. Phrase mode: the exact word (marked when it differs from its stem).

    >>> [t.text for t in stemmed_text_analyzer()("Sharing data", mode="index")]
    ['share', '=sharing', 'data']
    """

    is_morph = True

    def __eq__(self, other):
        return type(self) is type(other)

    def __call__(self, tokens):
        for token in tokens:
            word = token.text
            stemmed = stem_word(word)
            if token.mode == PHRASE_MODE:
                token.text = word if stemmed == word else EXACT_MARK + word
                yield token
                continue
            token.text = stemmed
            yield token
            if token.mode == "index" and stemmed != word:
                token.text = EXACT_MARK + word
                yield token


def text_analyzer():
    """Words (`U.S` kept whole), lower case, accents folded: for sources and authors."""
    return RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | CharsetFilter(accent_map)


def stemmed_text_analyzer():
    """`text_analyzer` with stem variants: for titles and bodies."""
    return text_analyzer() | StemVariantsFilter()

