"""Reading CoNLL-2003 files (token POS chunk NER, IOB2, -DOCSTART- between documents).

Only the token and NER columns are used: at run time there is nothing but raw text.
"""
from __future__ import annotations

from pathlib import Path

# CoNLL type -> newskb type; MISC has no newskb type and is dropped from mentions.
TYPE_MAP = {"PER": "person", "ORG": "org", "LOC": "place"}

Sentence = tuple[list[str], list[str]]  # words, IOB2 tags


def read_conll(path: str | Path) -> list[list[Sentence]]:
    """Return the documents of a CoNLL file, each a list of (words, tags) sentences."""
    docs: list[list[Sentence]] = []
    doc: list[Sentence] = []
    words: list[str] = []
    tags: list[str] = []

    def end_sentence() -> None:
        nonlocal words, tags
        if words:
            doc.append((words, tags))
        words, tags = [], []

    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.strip()
            if not line:
                end_sentence()
                continue
            cols = line.split(" ")
            if cols[0] == "-DOCSTART-":
                end_sentence()
                if doc:
                    docs.append(doc)
                doc = []
                continue
            words.append(cols[0])
            tags.append(cols[-1])
    end_sentence()
    if doc:
        docs.append(doc)
    return docs


def spans(tags: list[str], keep: frozenset[str] = frozenset(TYPE_MAP)) -> set[tuple[int, int, str]]:
    """Entity spans (first, last+1, CoNLL type) of an IOB/IOB2 tag sequence, conlleval-style."""
    out: set[tuple[int, int, str]] = set()
    start, kind = -1, ""
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, _, t = tag.partition("-")
        if kind and (prefix != "I" or t != kind):
            if kind in keep:
                out.add((start, i, kind))
            kind = ""
        if prefix == "B" or (prefix == "I" and t != kind):
            start, kind = i, t
    return out


def iob_label(label: str) -> str:
    """The IOB2 label of a BILOU one.

    >>> [iob_label(label) for label in ("U-ORG", "L-ORG", "B-PER", "O")]
    ['B-ORG', 'I-ORG', 'B-PER', 'O']
    """
    prefix, dash, kind = label.partition("-")
    return {"U": "B", "L": "I"}.get(prefix, prefix) + dash + kind


def bilou_labels(tags: list[str]) -> list[str]:
    """IOB2 tags as BILOU: a span's last token L-, a one-token span U-.

    >>> bilou_labels(["B-ORG", "I-ORG", "O", "B-PER"])
    ['B-ORG', 'L-ORG', 'O', 'U-PER']
    """
    out = []
    for i, tag in enumerate(tags):
        ends = i + 1 == len(tags) or not tags[i + 1].startswith("I-")
        if ends and tag != "O":
            tag = ("U-" if tag.startswith("B-") else "L-") + tag[2:]
        out.append(tag)
    return out
