"""Offset-keeping tokenisation and sentence splitting for raw news text.

Tokens follow CoNLL-2003 conventions closely enough for the tagger: possessive and
contraction suffixes ("’s", "'s", "'t") are split off, acronyms such as "U.S." and
common abbreviations ("Mr.", "Gen.") stay whole, hyphenated words stay whole, and
every other punctuation mark is a token of its own.

>>> tokens = tokenize("Trump’s aide met Mr. Smith.")
>>> [t[0] for t in tokens]
['Trump', '’s', 'aide', 'met', 'Mr.', 'Smith', '.']
"""
from __future__ import annotations

import re
from bisect import bisect_right
from itertools import accumulate

_ABBREVIATIONS = (
    "Mr|Mrs|Ms|Dr|St|Jr|Sr|Gen|Sen|Rep|Gov|Lt|Col|Capt|Sgt|Maj|Adm|Prof|Rev|Hon|Pres|"
    "Inc|Corp|Co|Ltd|Bros|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|vs|etc|No|Mt|Ft|Ave|Blvd"
)

# One alternation, tried left to right; one finditer pass over the text. The lookaheads
# leading the first two branches only let most words skip them at once; a word is its
# letters, joined by a hyphen, "&" or an apostrophe (not a suffix's) to more letters.
_TOKEN_RE = re.compile(
    r"""
      (?=[A-Za-z]\.)(?:[A-Za-z]\.){2,}(?![A-Za-z])   # acronyms: U.S., U.N.
    | (?=[A-Za-z]{2,4}\.)(?:%s)\.(?!\w)              # abbreviations: Mr., Gen.
    | \d+(?:[.,:/]\d+)*(?:-\w+)*                     # numbers: 1.28, 47,000, 9/11, 1996-08-22
    | ['’](?:s|t|re|ve|ll|d|m)\b                     # possessive / contraction suffixes
    | [^\W\d_][^\W_]*(?:(?:[-&]|['’](?!(?:s|t|re|ve|ll|d|m)\b))[^\W_]+)*
    | -{2,}|\.{2,}                                   # dash and ellipsis runs
    | \S                                             # any other single character
    """
    % _ABBREVIATIONS,
    re.VERBOSE,
)

_ENDERS = frozenset({".", "!", "?", "..."})
_CLOSERS = frozenset({'"', "'", "”", "’", ")", "]"})


class Tokens:
    r"""A text's tokens: `words`, found a line at a time (a line break ends a sentence) and
    a whitespace-separated chunk at a time: a chunk of letters only is one word, any
    other is cut by the pattern (whose lookaheads never look past a chunk). Their offsets
    are found only when asked for, a line at a time: most sentences name nobody.

    >>> tokens = Tokens("He met Mr. Smith.\nThen (at once) left")
    >>> tokens.words[2:5], tokens.span(3), tokens.line_ends(), sorted(tokens.joined)
    (['Mr.', 'Smith', '.'], (11, 16), {4}, [4, 7, 9])
    """

    def __init__(self, text: str):
        self.text = text
        self.lines = text.split("\n")
        self.words: list[str] = []
        # The index of each line's first token (of the next, if it has none), then the count.
        self.firsts: list[int] = []
        self.joined: set[int] = set()  # tokens written right after the one before (no space between)
        words, firsts, cut = self.words, self.firsts, _TOKEN_RE.findall
        for line in self.lines:
            firsts.append(len(words))
            for chunk in line.split():
                if chunk.isalpha():
                    words.append(chunk)
                elif len(pieces := cut(chunk)) == 1:
                    words += pieces
                else:
                    self.joined.update(range(len(words) + 1, len(words) + len(pieces)))
                    words += pieces
        firsts.append(len(words))
        self._line_starts: list[int] | None = None
        self._offsets: dict[int, list[int]] = {}  # line number -> its tokens' offsets in it

    def line_ends(self) -> set[int]:
        """The indices of the tokens a line break follows."""
        return {first - 1 for first in self.firsts[1:-1] if first}

    def span(self, i: int) -> tuple[int, int]:
        """Token `i`'s start and end in the text."""
        line, at = self._at(i)
        if self._line_starts is None:
            self._line_starts = list(accumulate((len(text) + 1 for text in self.lines), initial=0))
        start = self._line_starts[line] + at
        return start, start + len(self.words[i])

    def _at(self, i: int) -> tuple[int, int]:
        """The line of token `i`, and its offset in that line."""
        line = bisect_right(self.firsts, i) - 1
        offsets = self._offsets.get(line)
        if offsets is None:
            words = self.words[self.firsts[line]:self.firsts[line + 1]]
            offsets = self._offsets[line] = _offsets(self.lines[line], words)
        return line, offsets[i - self.firsts[line]]


def _offsets(line: str, words: list[str]) -> list[int]:
    """Where each of a line's tokens starts: at the first character after the previous one
    that is not a space, where `find` finds it (no token starts with a space)."""
    offsets, at = [], 0
    for word in words:
        at = line.find(word, at)
        offsets.append(at)
        at += len(word)
    return offsets


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """Return (token, start, end) triples; text[start:end] == token."""
    tokens = Tokens(text)
    return [(word, *tokens.span(i)) for i, word in enumerate(tokens.words)]


def split_sentences(tokens: Tokens) -> list[tuple[int, int]]:
    r"""Split a text's tokens into sentences; returns (first, last+1) token index ranges.

    A sentence ends after ".", "!" or "?" (plus any closing quotes/brackets) when the
    next token starts with an upper-case letter, a digit or an opening quote, and at
    every line break. Only the tokens that may end one are looked at.

    >>> tokens = Tokens("He left (at once.) Then\nshe came. it rained.")
    >>> [tokens.words[a:b] for a, b in split_sentences(tokens)]
    [['He', 'left', '(', 'at', 'once', '.', ')'], ['Then'], ['she', 'came', '.', 'it', 'rained', '.']]
    """
    words = tokens.words
    n = len(words)
    line_ends = tokens.line_ends()
    enders = [i for i, word in enumerate(words) if word in _ENDERS]
    bounds: list[tuple[int, int]] = []
    first = after = 0  # where the sentence begins, and the token after the last one looked at
    for i in sorted(line_ends.union(enders)):
        if i < after:  # a closer, taken with the "." before it
            continue
        end = i + 1
        if end >= n:
            break
        boundary = i in line_ends
        if not boundary and words[i] in _ENDERS:
            while end < n and words[end] in _CLOSERS and end in tokens.joined:
                end += 1
            if end < n:
                nxt = words[end][0]
                boundary = nxt.isupper() or nxt.isdigit() or nxt in "\"“‘'(" or end - 1 in line_ends
        if boundary:
            bounds.append((first, end))
            first = end
        after = end
    if first < n:
        bounds.append((first, n))
    return bounds
