"""Whether a text file holds prose at all: pure measures the text importer uses to
recognise files that are not articles (word lists, token-per-line NLP data, code, data).

>>> not_an_article("afghanistan\\nalbania\\n" * 20)
'not an article: a list or token file (a few words a line)'
"""
from __future__ import annotations

import re

LIST_FILE = "not an article: a list or token file (a few words a line)"
NO_PROSE = "not an article: no prose (code or data)"
MIN_LINES_TO_JUDGE = 20  # a shorter text is left to the article rules
LIST_LINE_WORDS = 4  # "EU NNP B-NP B-ORG": a CoNLL token line
MIN_LIST_SHARE = 0.8  # of the words on such short lines (BBC articles: 0.29 at most)
MIN_WORD_SHARE = 0.6  # of the tokens that are words (BBC articles: 0.92 at least; Prolog facts: 0.31)
_EDGE_PUNCTUATION = "\"'“”‘’«»()[]{},.;:!?…—–-$£€%*#@"
_WORD = re.compile(r"\w+(?:[-'’.,/&]\w+)*")


def is_word(token: str) -> bool:
    """A word or number as prose has them, edge punctuation aside: `"U.S.`, `47,000`, `$5.5bn`."""
    core = token.strip(_EDGE_PUNCTUATION)
    return not core or _WORD.fullmatch(core) is not None


def not_an_article(text: str) -> str | None:
    """Why a text of `MIN_LINES_TO_JUDGE` lines or more is no article, or None: most of its
    words on lines of a few words (a list, CoNLL tokens), or most of its tokens no words."""
    lines = [line.split() for line in text.splitlines() if line.strip()]
    if len(lines) < MIN_LINES_TO_JUDGE:
        return None
    tokens = [token for line in lines for token in line]
    on_short_lines = sum(len(line) for line in lines if len(line) <= LIST_LINE_WORDS)
    if on_short_lines >= MIN_LIST_SHARE * len(tokens):
        return LIST_FILE
    if sum(map(is_word, tokens)) < MIN_WORD_SHARE * len(tokens):
        return NO_PROSE
    return None
