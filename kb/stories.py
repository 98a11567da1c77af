"""Stories: groups of articles that are near-copies of one another (the same wire story
republished with a new headline, added boilerplate, a cut last paragraph, a reworded
sentence). Pure and in memory; the store persists `StoryIndex.rows()` and rebuilds the
index with `StoryIndex.from_signatures()` without reading any text again.

>>> body = "The Bank of England has held interest rates at 4.75% for the sixth month running."
>>> index = StoryIndex()
>>> index.add("a1", signature(body))                              # a new story, named after its first article
'a1'
>>> index.add("b7", signature(body + " Share this article."))     # a near-copy joins it
'a1'

How it works: each body gets a MinHash signature over its word shingles (kb.shingles);
locality-sensitive hashing (bands of signature values) finds the few earlier articles that
may be similar, and an article joins the story of the most similar one that matches: its
estimated Jaccard similarity is at least `threshold` (0.45), or the shorter body lies at least
`containment` (0.8) inside the longer one with a Jaccard similarity of at least
`containment_floor` (0.25), which catches copies with the end cut or lines added to a short
text. Stories are stable: adding an article never
moves an earlier one, and stories never merge (an article similar to two stories joins the
more similar one), so the same articles added in the same order give the same stories.
"""
from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from datetime import datetime
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

import numpy as np

from kb.shingles import NUM_PERM, SHINGLE_WORDS, Signature, signature, words

__all__ = ["CONTAINMENT_FLOOR", "DEFAULT_CONTAINMENT", "DEFAULT_STORY_DAYS", "DEFAULT_THRESHOLD", "NUM_PERM", "SHINGLE_WORDS", "Match",
           "Signature", "StoryIndex", "StoryRules", "differences", "figures", "joinable", "lsh_bands", "signature"]

#: Estimated Jaccard similarity of shingle sets at or above which two bodies are one story.
#: Chosen on the BBC set (benchmarks/stories_eval.py): every edited copy joins (the harshest, a
#: rewritten sentence plus a cut, scores 0.45); different BBC stories reach 0.38 (0.47 for a
#: next-day follow-up repeating a long statement, which is grouped).
DEFAULT_THRESHOLD = 0.45
#: ... or the estimated share of the shorter body's shingles found in the longer one (a copy
#: with its end cut, or with lines added, is contained in the other), when the Jaccard
#: similarity is at least CONTAINMENT_FLOOR (so a short brief never joins a long roundup
#: that quotes it). Different BBC stories reach 0.68; cut copies score 0.9 and up.
DEFAULT_CONTAINMENT = 0.8
CONTAINMENT_FLOOR = 0.25
#: Chance that LSH offers a pair at the lowest similarity that can match as a candidate
#: (0.95 at Jaccard 0.25 gives 0.988 at 0.3 and above 0.999 from 0.4).
LSH_RECALL = 0.95
#: Articles of a story whose LSH bands are kept: the first ones. A new near-copy matches
#: one of them as well as any later one, and a story of hundreds of copies no longer
#: makes every band lookup, and so every import, slower.
BANDED_MEMBERS = 16


#: Days from a story's first article after which a near-copy starts a story of its own (a
#: daily report from a template is not the same story every day).
DEFAULT_STORY_DAYS = 3
#: Share of the figures of the body with fewer that the other body must also hold: daily
#: template reports differ in little but their figures ("1.5 billion dlrs", "2.0 billion").
FIGURES_SHARED = 0.5
_FIGURE = re.compile(r"\d+(?:[.,/-]\d+)*")  # 1.5, 1,000, 6-1/4


def figures(text: str) -> Counter:
    """The numbers of a text, as written.

    >>> sorted(figures("The Fed added 1.5 billion dlrs at 6-1/4 pct on March 3, 1987.").elements())
    ['1.5', '1987', '3', '6-1/4']
    """
    return Counter(_FIGURE.findall(text))


def same_figures(a: Counter, b: Counter) -> bool:
    """Whether two bodies share their figures: at least FIGURES_SHARED of the figures of the
    one with fewer are in the other (bodies without figures share them)."""
    fewer = min(sum(a.values()), sum(b.values()))
    return not fewer or sum((a & b).values()) >= FIGURES_SHARED * fewer


def days_apart(first: str | None, second: str | None) -> float | None:
    """Days between two ISO 8601 dates (None if either is unknown)."""
    if not first or not second:
        return None
    moments = [datetime.fromisoformat(value.replace("Z", "+00:00")) for value in (first, second)]
    return abs((moments[1] - moments[0]).total_seconds()) / 86400


@dataclass(frozen=True)
class Match:
    """The article a new signature is most similar to, with its story, the estimated
    Jaccard similarity and the estimated containment of the shorter body in the longer."""

    article_id: str
    story_id: str
    similarity: float
    containment: float


def lsh_bands(threshold: float, num_perm: int, recall: float = LSH_RECALL) -> tuple[int, int]:
    """(bands, rows) for LSH: the most rows per band (fewest chance candidates) for which
    a pair at `threshold` still shares a band with probability >= `recall`.

    >>> lsh_bands(0.25, 256)
    (47, 2)
    """
    for rows in range(num_perm, 0, -1):
        miss = 1.0 - threshold ** rows  # chance that one band differs
        if miss >= 1.0:
            continue
        bands = 1 if miss <= 0.0 else math.ceil(math.log(1.0 - recall) / math.log(miss))
        if bands * rows <= num_perm:
            return bands, rows
    return num_perm, 1


_BAND_SALT = np.uint64(0x9E3779B97F4A7C15)
_ROW_WEIGHTS = np.array([0xD6E8FEB86659FD93 + 2 * i for i in range(64)], dtype=np.uint64)


class StoryRules:
    """When two bodies are one story, and which stored articles to compare a new one with
    (its LSH band keys). Shared by the in-memory `StoryIndex` and the SQLite story table.

    >>> rules = StoryRules()
    >>> len(rules.band_keys(signature("Rates were held at 4.75% on Thursday.")))
    47
    """

    def __init__(self, threshold: float = DEFAULT_THRESHOLD, *, containment: float | None = DEFAULT_CONTAINMENT,
                 containment_floor: float = CONTAINMENT_FLOOR, num_perm: int = NUM_PERM,
                 shingle_words: int = SHINGLE_WORDS):
        if not all(0.0 < value <= 1.0 for value in (threshold, containment_floor, containment or 1.0)):
            raise ValueError("thresholds must be above 0 and at most 1")
        self.threshold, self.num_perm, self.shingle_words = threshold, num_perm, shingle_words
        self.containment, self.containment_floor = containment, containment_floor
        lowest = threshold if containment is None else min(threshold, containment_floor)
        self.bands, self.rows_per_band = lsh_bands(lowest, num_perm)

    def check(self, sig: Signature) -> None:
        if (sig.num_perm, sig.shingle_words) != (self.num_perm, self.shingle_words):
            raise ValueError(f"signature made with {sig.num_perm} hash functions and {sig.shingle_words}-word "
                             f"shingles; these rules use {self.num_perm} and {self.shingle_words}")

    def band_keys(self, sig: Signature) -> list[int]:
        """The LSH keys of a signature: articles sharing one are candidates (unsigned 64-bit)."""
        bands = sig.values[:self.bands * self.rows_per_band].reshape(self.bands, self.rows_per_band).astype(np.uint64)
        keys = (bands * _ROW_WEIGHTS[:self.rows_per_band]).sum(axis=1, dtype=np.uint64)
        keys ^= np.arange(self.bands, dtype=np.uint64) * _BAND_SALT  # the same values in two bands differ
        return keys.tolist()

    def best(self, sig: Signature, ids: list[str], stories: list[str], values: np.ndarray,
             shingles: np.ndarray, allowed: Callable[[int], bool] | None = None) -> Match | None:
        """The most similar candidate that matches `sig` (by Jaccard, or by containment above
        the floor; the first on a tie), or None. `values` holds the candidates' signature
        values row by row and `shingles` their shingle counts; `allowed(i)`, asked of the
        matching candidates only, most similar first, leaves out those whose story is too
        old or whose figures differ (see `joinable`)."""
        if sig.empty or not ids:
            return None
        similarity = np.count_nonzero(values == sig.values, axis=1) / self.num_perm
        # |A & B| = J / (1 + J) * (|A| + |B|), shared over the shorter body's shingles
        shared = similarity / (1.0 + similarity) * (shingles + sig.shingles)
        containment = np.minimum(1.0, shared / np.maximum(1, np.minimum(shingles, sig.shingles)))
        matches = similarity >= self.threshold
        if self.containment is not None:
            matches |= (containment >= self.containment) & (similarity >= self.containment_floor)
        ranked = np.flatnonzero(matches)[np.argsort(-similarity[matches], kind="stable")]
        best = next((int(i) for i in ranked if allowed is None or allowed(int(i))), None)
        if best is None:
            return None
        return Match(ids[best], stories[best], float(similarity[best]), float(containment[best]))


def joinable(published: str | None, body_figures: Counter, story_started: str | None, other_figures: Counter,
             days: float = DEFAULT_STORY_DAYS) -> bool:
    """Whether an article may join a story begun at `story_started`, as a near-copy of an
    article with `other_figures`: within `days` of the story's first article (when both
    dates are known), and holding the same figures.

    >>> joinable("1987-03-10T00:00:00Z", Counter(), "1987-03-02T00:00:00Z", Counter())
    False
    """
    apart = days_apart(published, story_started)
    return (apart is None or apart <= days) and same_figures(body_figures, other_figures)


class StoryIndex:
    """Articles grouped into stories in memory, found by MinHash LSH (for evaluation and
    tests; a knowledge base keeps the same data in SQLite, see kb.story_table).

    >>> index = StoryIndex(threshold=0.5)
    >>> index.add("a1", signature("Rates were held at 4.75% by the Bank of England on Thursday."))
    'a1'
    >>> index.story_of("a1"), index.members("a1")
    ('a1', ['a1'])
    """

    def __init__(self, threshold: float = DEFAULT_THRESHOLD, **settings):
        self.rules = StoryRules(threshold, **settings)
        self._ids: list[str] = []
        self._position: dict[str, int] = {}
        self._story: list[str] = []
        self._members: dict[str, list[str]] = {}
        self._signatures = np.empty((64, self.rules.num_perm), dtype=np.uint32)
        self._shingles = np.empty(64, dtype=np.int64)
        self._buckets: dict[int, int | list[int]] = {}

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._position

    def match(self, sig: Signature) -> Match | None:
        """The most similar indexed article that matches `sig`, or None."""
        self.rules.check(sig)
        if sig.empty or not self._ids:
            return None
        candidates = sorted({found for key in self.rules.band_keys(sig) for found in self._bucket(key)})
        return self.rules.best(sig, [self._ids[c] for c in candidates], [self._story[c] for c in candidates],
                               self._signatures[candidates], self._shingles[candidates])

    def add(self, article_id: str, sig: Signature, story_id: str | None = None) -> str:
        """Index an article and return its story id: the story of its best match, or a new
        story named `article_id`. Adding an id again returns its story and changes nothing.
        `story_id` (when rebuilding from stored rows) assigns the story without a search."""
        if article_id in self._position:
            return self._story[self._position[article_id]]
        self.rules.check(sig)
        if story_id is None:
            found = self.match(sig)
            story_id = found.story_id if found else article_id
        position = len(self._ids)
        if position == len(self._signatures):
            self._signatures = np.concatenate([self._signatures, np.empty_like(self._signatures)])
            self._shingles = np.concatenate([self._shingles, np.empty_like(self._shingles)])
        self._signatures[position] = sig.values
        self._shingles[position] = sig.shingles
        self._ids.append(article_id)
        self._position[article_id] = position
        self._story.append(story_id)
        self._members.setdefault(story_id, []).append(article_id)
        if not sig.empty and len(self._members[story_id]) <= BANDED_MEMBERS:
            for key in self.rules.band_keys(sig):
                held = self._buckets.get(key)
                if held is None:
                    self._buckets[key] = position
                elif isinstance(held, list):
                    held.append(position)
                else:
                    self._buckets[key] = [held, position]
        return story_id

    def story_of(self, article_id: str) -> str:
        """The story id of an indexed article; KeyError if it was never added."""
        return self._story[self._position[article_id]]

    def members(self, story_id: str) -> list[str]:
        """The articles of a story in the order they were added ([] for an unknown story)."""
        return list(self._members.get(story_id, []))

    def stories(self) -> dict[str, list[str]]:
        """Every story with its articles, in the order the stories began."""
        return {story: list(ids) for story, ids in self._members.items()}

    def signature_of(self, article_id: str) -> Signature:
        position = self._position[article_id]
        values = self._signatures[position].copy()
        values.flags.writeable = False
        return Signature(values, int(self._shingles[position]), self.rules.shingle_words)

    def rows(self) -> Iterator[tuple[str, str, bytes]]:
        """(article_id, story_id, signature bytes) in the order added: what to store."""
        for article_id in self._ids:
            yield article_id, self.story_of(article_id), self.signature_of(article_id).to_bytes()

    @classmethod
    def from_signatures(cls, rows: Iterable[tuple[str, str | None, bytes]], **settings) -> "StoryIndex":
        """Rebuild an index from stored rows (in the order they were first added). A row
        whose story_id is None is grouped as `add()` would.

        >>> stored = [("a1", "a1", signature("Rates held at 4.75%").to_bytes())]
        >>> StoryIndex.from_signatures(stored).story_of("a1")
        'a1'
        """
        index = cls(**settings)
        for article_id, story_id, data in rows:
            index.add(article_id, Signature.from_bytes(data), story_id)
        return index

    def _bucket(self, key: int) -> list[int]:
        held = self._buckets.get(key)
        return [] if held is None else held if isinstance(held, list) else [held]


# --- what differs between two copies -------------------------------------------------------

_PARAGRAPH_BREAK = re.compile(r"\n\s*\n")
_PREVIEW = 60


def differences(text_a: str, text_b: str, *, limit: int = 12) -> list[str]:
    """A short human summary of how two copies of a story differ, paragraph by paragraph
    ([] when they differ only in spacing or case). Pass title + blank line + body to
    include headlines.

    >>> differences("Rates held.\\n\\nShares rose sharply.", "Rates held.\\n\\nShares rose.\\n\\nShare this article")
    ['paragraph 2 changed: removed "sharply."', 'only in B, paragraph 3: "Share this article"']
    """
    paragraphs_a, paragraphs_b = _paragraphs(text_a), _paragraphs(text_b)
    keys_a, keys_b = [tuple(words(p)) for p in paragraphs_a], [tuple(words(p)) for p in paragraphs_b]
    lines: list[str] = []
    matcher = difflib.SequenceMatcher(None, keys_a, keys_b, autojunk=False)
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            continue
        paired = min(a1 - a0, b1 - b0) if tag == "replace" else 0
        for offset in range(paired):
            i, j = a0 + offset, b0 + offset
            change = _word_changes(paragraphs_a[i], paragraphs_b[j])
            if change is None:
                lines.append(f"only in A, paragraph {i + 1}: {_preview(paragraphs_a[i])}")
                lines.append(f"only in B, paragraph {j + 1}: {_preview(paragraphs_b[j])}")
            else:
                where = f"paragraph {i + 1}" if i == j else f"paragraph {i + 1} (B: {j + 1})"
                lines.append(f"{where} changed: {change}")
        lines += [f"only in A, paragraph {i + 1}: {_preview(paragraphs_a[i])}" for i in range(a0 + paired, a1)]
        lines += [f"only in B, paragraph {j + 1}: {_preview(paragraphs_b[j])}" for j in range(b0 + paired, b1)]
    if len(lines) > limit:
        lines = lines[:limit - 1] + [f"... and {len(lines) - limit + 1} more differences"]
    return lines


def _paragraphs(text: str) -> list[str]:
    parts = _PARAGRAPH_BREAK.split(text.strip())
    if len(parts) == 1:  # no blank lines: one paragraph per line
        parts = text.strip().splitlines()
    return [" ".join(part.split()) for part in parts if part.strip()]


def _preview(text: str) -> str:
    return f'"{text}"' if len(text) <= _PREVIEW else f'"{text[:_PREVIEW - 1].rstrip()}…"'


def _word_changes(text_a: str, text_b: str) -> str | None:
    """The word edits turning one paragraph into the other, or None if they are too
    different to describe as an edit."""
    tokens_a, tokens_b = text_a.split(), text_b.split()
    matcher = difflib.SequenceMatcher(None, [_bare(t) for t in tokens_a], [_bare(t) for t in tokens_b],
                                      autojunk=False)
    if matcher.ratio() < 0.5:
        return None
    edits = []
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        old, new = " ".join(tokens_a[a0:a1]), " ".join(tokens_b[b0:b1])
        if tag == "replace" and words(old) != words(new):
            edits.append(f"{_short(old)} -> {_short(new)}")
        elif tag == "delete":
            edits.append(f"removed {_short(old)}")
        elif tag == "insert":
            edits.append(f"added {_short(new)}")
    if not edits:
        return "punctuation only"
    shown = "; ".join(edits[:3])
    more = len(edits) - 3
    return shown + (f"; {more} more edit{'s' if more > 1 else ''}" if more > 0 else "")


def _bare(token: str) -> str:
    return "".join(words(token))


def _short(text: str) -> str:
    return f'"{text}"' if len(text) <= 40 else f'"{text[:39].rstrip()}…"'
