"""Snippets: the best fragments of a text with every matched term located.

Whoosh's highlighting pipeline (analyzer -> fragmenter -> scorer -> formatter) with a
formatter that returns plain `Snippet` values (text + spans) instead of markup, so the
CLI, JSON output and the API all render from the same data.
"""
from __future__ import annotations

import re

from whoosh.highlight import (BasicFragmentScorer, ContextFragmenter, Formatter, WholeFragmenter,
                              set_matched_filter)

from index.analysis import stemmed_text_analyzer
from kb.models import Snippet, Span

# Whoosh stops looking after 32,768 characters by default; news features run longer.
CHAR_LIMIT = 2_000_000
_SPACES = re.compile(r"\s+")


def collapse_spaces(text: str) -> str:
    """Every run of white space (newlines included) as one space."""
    return _SPACES.sub(" ", text)


class SpanFormatter(Formatter):
    """Formats fragments as `Snippet`s: fragment text and the offsets of its matches in it."""

    def format_fragment(self, fragment, replace=False):
        text, position = fragment.text, fragment.startchar
        pieces, spans, length = [], [], 0
        for token in fragment.matches:
            if token.startchar is None or token.startchar < position:
                continue
            gap = collapse_spaces(text[position:token.startchar])
            match = text[token.startchar:token.endchar]
            pieces += [gap, match]
            length += len(gap)
            spans.append(Span(length, length + len(match)))
            length += len(match)
            position = token.endchar
        pieces.append(collapse_spaces(text[position:fragment.endchar]))
        return Snippet("".join(pieces), spans)

    def format(self, fragments, replace=False):
        return [self.format_fragment(fragment) for fragment in fragments]


def matched_tokens(text: str, terms: set[str]):
    """Tokens of `text` with `.matched` set; index mode yields every form a query can match
    (stems and exact phrase words)."""
    tokens = stemmed_text_analyzer()(text, chars=True, mode="index", removestops=False)
    return set_matched_filter(tokens, frozenset(terms))


def highlight_all(text: str, terms: set[str]) -> Snippet:
    """The whole of `text` (white space kept) with every match of `terms` located."""
    fragments = WholeFragmenter(charlimit=CHAR_LIMIT).fragment_tokens(text, matched_tokens(text, terms))
    spans = [Span(t.startchar, t.endchar) for f in fragments for t in f.matches]
    return Snippet(text, sorted({(s.start, s.end): s for s in spans}.values(), key=lambda s: s.start))


def make_snippets(text: str, terms: set[str], fragments: int = 2, width: int = 240) -> list[Snippet]:
    """The `fragments` best passages of `text` (about `width` characters) around `terms`.

    `terms` are indexed terms (stems, or "=word" for phrase words), as a search matched them.
    >>> make_snippets("The IRS shared data with ICE.", {"irs", "ice"})
    """
    if not terms or not text:
        return []
    fragmenter = ContextFragmenter(maxchars=width, surround=width // 3, charlimit=CHAR_LIMIT)
    tokens = matched_tokens(text, terms)
    scorer = BasicFragmentScorer()
    # Best first, earlier first among equals (Whoosh breaks ties by object id: unstable).
    ranked = sorted(fragmenter.fragment_tokens(text, tokens), key=lambda f: (-scorer(f), f.startchar))
    best = sorted(ranked[:fragments], key=lambda f: f.startchar)
    return SpanFormatter().format(best)
