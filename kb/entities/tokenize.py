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
from typing import Iterator

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


def tokenize(text: str) -> list[tuple[str, int, int]]:
    """Return (token, start, end) triples; text[start:end] == token."""
    return [(m.group(), m.start(), m.end()) for m in _TOKEN_RE.finditer(text)]


def split_sentences(text: str, tokens: list[tuple[str, int, int]]) -> list[tuple[int, int]]:
    r"""Split a token list into sentences; returns (first, last+1) token index ranges.

    A sentence ends after ".", "!" or "?" (plus any closing quotes/brackets) when the
    next token starts with an upper-case letter, a digit or an opening quote, and at
    every line break. Only the tokens that may end one are looked at.

    >>> text = "He left (at once.) Then\nshe came. it rained."
    >>> [[t for t, _, _ in tokenize(text)[a:b]] for a, b in split_sentences(text, tokenize(text))]
    [['He', 'left', '(', 'at', 'once', '.', ')'], ['Then'], ['she', 'came', '.', 'it', 'rained', '.']]
    """
    n = len(tokens)
    starts = [start for _, start, _ in tokens]
    line_ends = {bisect_right(starts, at) - 1 for at in _line_breaks(text, tokens)}  # tokens a break follows
    enders = [i for i, token in enumerate(tokens) if token[0] in _ENDERS]
    bounds: list[tuple[int, int]] = []
    first = after = 0  # where the sentence begins, and the token after the last one looked at
    for i in sorted(line_ends.union(enders)):
        if i < after:  # a closer, taken with the "." before it
            continue
        end = i + 1
        if end >= n:
            break
        boundary = i in line_ends
        if not boundary and tokens[i][0] in _ENDERS:
            while end < n and tokens[end][0] in _CLOSERS and tokens[end][1] == tokens[end - 1][2]:
                end += 1
            if end < n:
                nxt = tokens[end][0][0]
                boundary = nxt.isupper() or nxt.isdigit() or nxt in "\"“‘'(" or end - 1 in line_ends
        if boundary:
            bounds.append((first, end))
            first = end
        after = end
    if first < n:
        bounds.append((first, n))
    return bounds


def _line_breaks(text: str, tokens: list[tuple[str, int, int]]) -> Iterator[int]:
    """The offsets of the line breaks after the first token (none is inside a token)."""
    at = text.find("\n", tokens[0][2]) if tokens else -1
    while at >= 0:
        yield at
        at = text.find("\n", at + 1)
