"""Document-level label consistency by stacking (Krishnan & Manning, 2006).

A first CRF tags the whole document; a second CRF sees, besides the usual features,
what the first one decided elsewhere in the same document:

* ``tm=TYPE``   - the majority entity type of this (capitalised) word over the
                  document's predicted entities;
* ``em=B-TYPE`` / ``em=I-TYPE`` - the token lies in an occurrence of a word sequence
                  that was predicted as an entity of majority type TYPE somewhere in the
                  document (all occurrences get it, tagged or not).

The second model is trained on first-stage predictions made by cross-validation over
the train split, so it learns how far to trust them.
"""
from __future__ import annotations


def _entities(words: list[str], labels: list[str]):
    start, kind = -1, ""
    for i, tag in enumerate(labels + ["O"]):
        if tag == "O":
            if kind:
                yield start, i, kind
                kind = ""
            continue
        prefix, _, t = tag.partition("-")
        if kind and (prefix != "I" or t != kind):
            yield start, i, kind
            kind = ""
        if prefix == "B" or (prefix == "I" and t != kind):
            start, kind = i, t


def _most_common(counts: dict[str, int]) -> str:
    """The type counted most; of equals, the first seen (as Counter.most_common(1)).

    >>> from collections import Counter
    >>> counts = {"LOC": 1, "ORG": 2, "PER": 2}
    >>> _most_common(counts), Counter(counts).most_common(1)[0][0]
    ('ORG', 'ORG')
    """
    return max(counts, key=counts.__getitem__)


def prediction_features(sentences: list[list[str]], labels: list[list[str]]) -> list[dict[int, list[str]]]:
    """Extra attributes per sentence: {token index: [attribute, ...]} (sparse)."""
    word_types: dict[str, dict[str, int]] = {}  # a word's count of each type, in order of first sight
    seq_types: dict[tuple[str, ...], dict[str, int]] = {}
    for words, labs in zip(sentences, labels):
        if labs.count("O") == len(labs):  # most sentences: no entity
            continue
        for a, b, kind in _entities(words, labs):
            seq = tuple(words[a:b])
            if not seq[0][:1].isupper():
                continue
            counts = seq_types.setdefault(seq, {})
            counts[kind] = counts.get(kind, 0) + 1
            for w in seq:
                if w[:1].isupper():
                    counts = word_types.setdefault(w, {})
                    counts[kind] = counts.get(kind, 0) + 1
    out: list[dict[int, list[str]]] = [{} for _ in sentences]
    if not word_types:
        return out
    word_major = {w: _most_common(c) for w, c in word_types.items()}
    by_first: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for seq, c in seq_types.items():
        by_first.setdefault(seq[0], []).append((seq, _most_common(c)))
    for seq_list in by_first.values():
        seq_list.sort(key=lambda x: -len(x[0]))  # longest match first
    marked = word_major.keys() | by_first.keys()  # the words that may get an attribute
    for words, extra in zip(sentences, out):
        if marked.isdisjoint(words):
            continue
        n = len(words)
        covered_until = 0
        for i in [i for i, w in enumerate(words) if w in marked]:
            w = words[i]
            kind = word_major.get(w)
            if kind is not None:
                extra.setdefault(i, []).append("tm=" + kind)
            if i < covered_until:
                continue
            for seq, kind in by_first.get(w, ()):
                m = len(seq)
                if i + m <= n and tuple(words[i : i + m]) == seq:
                    extra.setdefault(i, []).append("em=B-" + kind)
                    for j in range(i + 1, i + m):
                        extra.setdefault(j, []).append("em=I-" + kind)
                    covered_until = i + m
                    break
    return out
