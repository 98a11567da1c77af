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

import numpy as np

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

# The characters str.split() and the pattern's \s take for spaces (none is above U+3000).
_SPACES = np.array([code for code in range(0x3001) if chr(code).isspace()], dtype=np.uint32)
_ASCII_SPACE = np.isin(np.arange(128), _SPACES)

_ENDERS = frozenset({".", "!", "?", "..."})
_CLOSERS = frozenset({'"', "'", "”", "’", ")", "]"})


class Tokens:
    r"""A text's tokens: `words`, found a line at a time (a line break ends a sentence) and
    a whitespace-separated chunk at a time: a chunk of letters only is one word, any
    other is cut by the pattern (whose lookaheads never look past a chunk). Their offsets
    are found when first asked for, all at once.

    >>> tokens = Tokens("He met Mr. Smith.\nThen (at once) left")
    >>> tokens.words[2:5], tokens.span(3), tokens.line_ends(), sorted(tokens.joined)
    (['Mr.', 'Smith', '.'], (11, 16), {4}, [4, 7, 9])
    """

    def __init__(self, text: str):
        self.text = text
        self.words: list[str] = []
        # The index of each line's first token (of the next, if it has none), then the count.
        self.firsts: list[int] = []
        self.joined: set[int] = set()  # tokens written right after the one before (no space between)
        words, firsts, cut = self.words, self.firsts, _TOKEN_RE.findall
        for line in text.split("\n"):
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
        self._starts: list[int] | None = None

    def line_ends(self) -> set[int]:
        """The indices of the tokens a line break follows."""
        return {first - 1 for first in self.firsts[1:-1] if first}

    def span(self, i: int) -> tuple[int, int]:
        """Token `i`'s start and end in the text."""
        if self._starts is None:
            self._starts = _starts(self.text, self.words)
        return self._starts[i], self._starts[i] + len(self.words[i])


def _starts(text: str, words: list[str]) -> list[int]:
    """Where each of the text's tokens starts. The tokens hold every character that is
    not a space, in order, and nothing else: token i starts at the k-th such character,
    k the length of the tokens before it.

    >>> _starts(" a\u00a0bc  d.", ["a", "bc", "d", "."])
    [1, 3, 7, 8]
    """
    if text.isascii():
        spaces = _ASCII_SPACE[np.frombuffer(text.encode("ascii"), dtype=np.uint8)]
    else:
        spaces = np.isin(np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32), _SPACES)
    written = np.flatnonzero(~spaces)  # the offsets of the characters that are not spaces
    lengths = np.fromiter(map(len, words), dtype=np.intp, count=len(words))
    return written[np.cumsum(lengths) - lengths].tolist()


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
