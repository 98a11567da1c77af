"""Snippets: the best passages of a text, with every matched word located.

Matching follows the index exactly: a word matches when its stem (lower case, accents
folded, Porter-stemmed, as `index.analysis` indexes it) or its exact form ("=word",
for phrases) is among the terms a search matched. Whoosh's own highlighter runs the
whole analyzer chain over each text and stops at 32,768 characters; this one reads the
text's words with the tokenizer's pattern, decides once per distinct spelling, locates
the matching ones, looks at the whole text, and breaks ties by position.
"""
from __future__ import annotations

import re
from functools import lru_cache

from index.analysis import EXACT_MARK, WORD_PATTERN, fold, stem_word
from kb.models import Snippet, Span

_WORD = re.compile(WORD_PATTERN)
Phrase = tuple[tuple[str, ...], "int | None"]  # exact words; None: one after the other, N: within N
_SPACES = re.compile(r"\s+")


def find_matches(text: str, terms: set[str]) -> list[tuple[int, int, str]]:
    """(start, end, word) of every word of `text` that one of the indexed `terms` matches."""
    exact = {term[len(EXACT_MARK):] for term in terms if term.startswith(EXACT_MARK)}
    stems = {term for term in terms if not term.startswith(EXACT_MARK)}
    # Decide once per distinct spelling (through caches called from C: no Python call
    # for a word seen before), then locate only the matching spellings. Stemming keeps
    # a word's first letter, so only words starting like a stem are stemmed (a new
    # process has no stem cached: this saves most of a snippet's time there).
    candidates = set(_starting_with("".join(sorted({stem[:1] for stem in stems}))).findall(text)) if stems else ()
    matching = {word: fold(word) for word, stemmed in zip(candidates, map(_stem_of, candidates))
                if stemmed in stems}
    if exact:
        words = set(_WORD.findall(text))
        matching.update((word, folded) for word, folded in zip(words, map(fold, words)) if folded in exact)
    if not matching:
        return []
    return [(start, end, matching[word]) for start, end, word in whole_words(text, matching)]


@lru_cache(maxsize=256)
def _starting_with(initials: str) -> re.Pattern:
    """A pattern finding (at least) every word of `WORD_PATTERN` whose first letter, in
    lower case, is one of `initials` or is no ASCII letter; and pieces of words ("S" of
    "U.S"), which `whole_words` leaves out.

    >>> sorted(set(_starting_with("iu").findall("IRS and the U.S. Inland Émile u2")))
    ['IRS', 'Inland', 'U.S', 'u2', 'Émile']
    """
    return re.compile(r"\b(?:[%s]|[^\W\x00-\x7f])\w*(?:\.\w+)*" % re.escape(initials), re.IGNORECASE)


@lru_cache(maxsize=50_000)
def _stem_of(word: str) -> str:
    """The stem a word is indexed under."""
    return stem_word(fold(word))


def whole_words(text: str, words) -> list[tuple[int, int, str]]:
    """(start, end, word) of each of `words` found in `text` where `WORD_PATTERN` would
    read it as a whole word (no word character, or a word character and a dot, on either
    side), in text order. Found with str.find: a pattern of the words would have to be
    compiled anew for nearly every text, at three times the cost of the search."""
    found = []
    for word in words:
        start = text.find(word)
        while start != -1:
            end = start + len(word)
            if not _joined(text, start - 1, -1) and not _joined(text, end, 1):
                found.append((start, end, word))
            start = text.find(word, start + 1)
    return sorted(found)


def _joined(text: str, index: int, step: int) -> bool:
    """Whether the character at `index`, beside a word (before it: step -1, after it: 1),
    makes it part of a longer one: a word character, or a dot followed by one."""
    if not 0 <= index < len(text):
        return False
    if text[index] == ".":
        index += step
        return 0 <= index < len(text) and _is_word_character(text[index])
    return _is_word_character(text[index])


def _is_word_character(character: str) -> bool:
    return character.isalnum() or character == "_"  # what \w matches


def best_windows(matches: list[tuple[int, int, str]], count: int, width: int) -> list[tuple[int, int]]:
    """Up to `count` non-overlapping runs of matches (index ranges) that fit in `width`
    characters, the ones with most distinct words first, earlier first among equals."""
    candidates = []
    for first in range(len(matches)):
        last = first
        while last + 1 < len(matches) and matches[last + 1][1] - matches[first][0] <= width:
            last += 1
        distinct = len({word for _, _, word in matches[first:last + 1]})
        candidates.append((-distinct, -(last - first), first, last))
    chosen: list[tuple[int, int]] = []
    for _, _, first, last in sorted(candidates):
        if len(chosen) == count:
            break
        if all(last < a or first > b for a, b in chosen):
            chosen.append((first, last))
    return sorted(chosen)


def snippet_of(text: str, start: int, end: int, matches) -> Snippet:
    """`text[start:end]` with white space collapsed and the spans of `matches` inside it."""
    pieces, spans, length, position = [], [], 0, start
    for match_start, match_end, _ in matches:
        gap = _SPACES.sub(" ", text[position:match_start])
        pieces += [gap, text[match_start:match_end]]
        length += len(gap)
        spans.append(Span(length, length + match_end - match_start))
        length += match_end - match_start
        position = match_end
    pieces.append(_SPACES.sub(" ", text[position:end]))
    return Snippet("".join(pieces), spans)


def phrase_matches_in(text: str, phrases: tuple[Phrase, ...]) -> list[tuple[int, int, str]]:
    """(start, end, word) of the words of `text` where a phrase matches: its words one
    after the other, or (with N) all of them within N words of each other, any order.

    >>> phrase_matches_in("taxpayer data, privacy of taxpayer privacy", ((("taxpayer", "privacy"), None),))
    [(26, 34, 'taxpayer'), (35, 42, 'privacy')]
    """
    if not phrases:
        return []
    words = [(m.start(), m.end(), fold(m.group())) for m in _WORD.finditer(text)]
    found = set()
    for wanted, within in phrases:
        for first in range(len(words)):
            if words[first][2] not in wanted:
                continue
            if within is None:
                run = words[first:first + len(wanted)]
                if tuple(word for _, _, word in run) == wanted:
                    found.update(run)
                continue
            window = [w for w in words[first:first + within + 1] if w[2] in wanted]
            if all(sum(w[2] == word for w in window) >= wanted.count(word) for word in set(wanted)):
                found.update(window)
    return sorted(found)


def make_snippets(text: str, terms: set[str], fragments: int = 2, width: int = 240,
                  phrases: tuple[Phrase, ...] = (), spans: tuple[tuple[int, int, str], ...] = ()) -> list[Snippet]:
    """The `fragments` best passages of `text` (about `width` characters) around `terms`,
    `phrases` where they match, and `spans` (start, end, name: an entity's mentions).

    `terms` are indexed terms (stems, or "=word" for exact words), as a search matched them.
    >>> [s.text for s in make_snippets("The IRS shared data with ICE.", {"ir", "ic"})]
    ['The IRS shared data with ICE.']
    """
    matches = all_matches(text, terms, phrases, spans) if fragments else []
    snippets = []
    for first, last in best_windows(matches, fragments, width):
        inside = matches[first:last + 1]
        room = max(0, width - (inside[-1][1] - inside[0][0])) // 2
        start = word_boundary(text, max(0, inside[0][0] - room), backwards=True)
        end = word_boundary(text, min(len(text), inside[-1][1] + room), backwards=False)
        snippets.append(snippet_of(text, start, end, inside))
    return snippets


def word_boundary(text: str, position: int, backwards: bool) -> int:
    """The nearest white space at or beyond `position` (never cutting a word), within 20 characters."""
    step, limit = (-1, max(0, position - 20)) if backwards else (1, min(len(text), position + 20))
    index = position
    while index != limit and not (0 <= index < len(text) and text[index].isspace()):
        index += step
    return index + 1 if backwards and index != limit else index


def all_matches(text: str, terms: set[str], phrases: tuple[Phrase, ...] = (),
                spans: tuple[tuple[int, int, str], ...] = ()) -> list[tuple[int, int, str]]:
    """Every match of terms, phrases and given spans in `text`, in order, none overlapping
    another (the first, then the longer, wins)."""
    found = sorted({*(find_matches(text, terms) if terms else []), *phrase_matches_in(text, phrases), *spans},
                   key=lambda match: (match[0], -match[1]))
    kept: list[tuple[int, int, str]] = []
    for match in found:
        if not kept or match[0] >= kept[-1][1]:
            kept.append(match)
    return kept


def highlight_all(text: str, terms: set[str], phrases: tuple[Phrase, ...] = (),
                  spans: tuple[tuple[int, int, str], ...] = ()) -> Snippet:
    """The whole of `text` (white space kept) with every match located."""
    return Snippet(text, [Span(start, end) for start, end, _ in all_matches(text, terms, phrases, spans)])
