"""Analyzers. This module path is pickled into every index: keep it stable.

News words must survive: no stop list (it would eat `US`, `IT`, `WHO`, `May`),
case folded, accents folded (`Mamdáni` finds `Mamdani`). Titles and bodies are
stemmed for term queries (`sharing` finds `shared`) while phrases, prefixes and
wildcards stay exact: each word is indexed as its stem and as the exact word (marked
with EXACT_MARK) at the same position, even where the two are alike ("rate" is its own
stem, and "rates" stems to it: only "=rate" tells the exact word apart).

One tokenizer does all of it in a single pass: a chain of Whoosh filters costs a
generator hop per token per filter, and indexing is where newskb spends its time.
"""
from __future__ import annotations

import re
from functools import lru_cache

from whoosh.analysis import Token, Tokenizer
from whoosh.lang.porter import stem
from whoosh.support.charset import accent_map

WORD_PATTERN = r"\w+(?:\.\w+)*"  # word characters, single dots inside (U.S)
EXACT_MARK = "="
PHRASE_MODE = "phrase"

stem_word = lru_cache(maxsize=20_000)(stem)  # bounded: a long import stays flat
_ACCENTS = str.maketrans(accent_map)
_WORD = re.compile(WORD_PATTERN)


@lru_cache(maxsize=20_000)
def fold(word: str) -> str:
    """A word as the analyzers see it before stemming: lower case, accents folded."""
    return word.lower().translate(_ACCENTS)


class NewsTokenizer(Tokenizer):
    """Words (`U.S` kept whole), lower case, accents folded; with `stemmed`, the stem variants.

    Modes when stemmed: index -> the stem, then "=word" at the same position; query ->
    the stem; phrase -> "=word", the exact word.
    >>> [t.text for t in NewsTokenizer(stemmed=True)("Sharing data", mode="index")]
    ['share', '=sharing', 'data', '=data']
    >>> [t.text for t in NewsTokenizer(stemmed=True)("Rate", mode="phrase")]
    ['=rate']
    """

    def __init__(self, stemmed: bool = False):
        self.stemmed = stemmed
        self.is_morph = stemmed

    def __eq__(self, other):
        return type(self) is type(other) and self.stemmed == other.stemmed

    def __call__(self, value, positions=False, chars=False, keeporiginal=False, removestops=True,
                 start_pos=0, start_char=0, tokenize=True, mode="", no_morph=False, **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        token.boost, token.stopped = 1.0, False
        stemming = self.stemmed and not no_morph
        for pos, match in enumerate(_WORD.finditer(value) if tokenize else [None]):
            word = fold(match.group() if match else value)
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + (match.start() if match else 0)
                token.endchar = start_char + (match.end() if match else len(value))
            if keeporiginal:
                token.original = match.group() if match else value
            if not stemming:
                token.text = word
                yield token
                continue
            if mode == PHRASE_MODE:
                token.text = EXACT_MARK + word
                yield token
                continue
            token.text = stem_word(word)
            yield token
            if mode == "index":
                token.text = EXACT_MARK + word
                yield token

    def index_words(self, value: str) -> list[str]:
        """The words of `value` as the tokens have them (folded), in order; ASCII text is
        lowered whole (folding changes no other ASCII character, nor what is a word).

        >>> NewsTokenizer().index_words("Café U.S. rates")
        ['cafe', 'u.s', 'rates']
        """
        return _WORD.findall(value.lower()) if value.isascii() else list(map(fold, _WORD.findall(value)))

    def word_terms(self, word: str) -> tuple[str, ...]:
        """The terms indexing gives a (folded) word: with `stemmed`, the exact word then
        its stem.

        >>> NewsTokenizer(stemmed=True).word_terms("rates"), NewsTokenizer().word_terms("rates")
        (('=rates', 'rate'), ('rates',))
        """
        return (EXACT_MARK + word, stem_word(word)) if self.stemmed else (word,)

    def index_positions(self, value: str) -> dict[str, list[int]]:
        """Each term that indexing `value` gives (mode "index"), with its positions in
        order: what the tokens say, grouped by term without a Token per word (the
        import's hot path; tests check it against the tokens).

        >>> NewsTokenizer(stemmed=True).index_positions("Rates and rate")
        {'=rates': [0], 'rate': [0, 2], '=and': [1], 'and': [1], '=rate': [2]}
        """
        by_word: dict[str, list[int]] = {}
        for position, word in enumerate(self.index_words(value)):
            if (positions := by_word.get(word)) is None:
                by_word[word] = [position]
            else:
                positions.append(position)
        if not self.stemmed:
            return by_word
        terms: dict[str, list[int]] = {}
        for word, positions in by_word.items():
            terms[EXACT_MARK + word] = positions
            stem = stem_word(word)
            # words sharing a stem: their positions merged in order
            terms[stem] = sorted(terms[stem] + positions) if stem in terms else positions
        return terms


def text_analyzer() -> NewsTokenizer:
    """Words (`U.S` kept whole), lower case, accents folded: for sources and authors."""
    return NewsTokenizer(stemmed=False)


def stemmed_text_analyzer() -> NewsTokenizer:
    """`text_analyzer` with stem variants: for titles and bodies."""
    return NewsTokenizer(stemmed=True)
