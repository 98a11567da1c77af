"""Word clusters learned from unlabeled news text, for the entity tagger's features.

Run from the repository root (about 3 minutes on 2 cores, numpy only):

    .venv/bin/python tools/word_clusters.py            # writes kb/entities/data/clusters.tsv

Words that occur in the same contexts land in the same cluster: "Sony", "Nokia" and
"Vodafone" with other companies, "Blair" and "Brown" with other surnames. The tagger
then knows a company it never saw labelled from the companies it did see.

How: every sentence of the Reuters-21578 bodies and the CoNLL-2003 train and dev words
(their text only, no labels) is split by the tagger's own
tokeniser and lower-cased. Each word of at least MIN_COUNT occurrences is described by
its left and right neighbours (the CONTEXTS most frequent words, each side apart),
weighted by positive pointwise mutual information; a randomised SVD reduces that to
DIMENSIONS, and k-means on the unit vectors groups the words at each size of
CLUSTER_SIZES. The file has a line per word: the word, then its cluster at each size.
"""
from __future__ import annotations

import html
import re
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.corpora import CORPORA  # noqa: E402
from kb.entities.conll import read_conll  # noqa: E402
from kb.entities.features import normalise  # noqa: E402
from kb.entities.tokenize import tokenize  # noqa: E402

OUT = ROOT / "kb" / "entities" / "data" / "clusters.tsv"
MIN_COUNT = 5
CONTEXTS = 6000
DIMENSIONS = 200
CLUSTER_SIZES = (64, 256, 1024)
SEED = 20261201


def texts():
    """Every unlabeled text: Reuters bodies and CoNLL sentences. Not BBC: its terms allow
    tests and benchmarks only, and it is the corpus the facets are judged on."""
    body = re.compile(r"<BODY>(.*?)</BODY>", re.S)
    for path in sorted((CORPORA / "reuters-21578").glob("*.sgm")):
        for match in body.finditer(path.read_text(encoding="latin-1")):
            yield html.unescape(match.group(1))
    for split in ("train.txt", "valid.txt"):
        for doc in read_conll(CORPORA / "conll2003-en" / split):
            for words, _ in doc:
                yield " ".join(words)


def token_lines():
    """Each text's lower-cased tokens, one list a line (a line break ends a context)."""
    for text in texts():
        for line in text.split("\n"):
            words = [normalise(token).lower() for token, _, _ in tokenize(line)]
            if words:
                yield words


def cooccurrence(lines: list[list[str]], vocab: dict[str, int], contexts: dict[str, int]) -> np.ndarray:
    """Counts of each vocabulary word's left (first half) and right (second half) neighbour."""
    counts = np.zeros((len(vocab), 2 * len(contexts) + 2), dtype=np.float32)
    edge = len(contexts)  # the slot of "no word there" (a line's start or end)
    for words in lines:
        ids = [vocab.get(w, -1) for w in words]
        ctx = [contexts.get(w, -2) for w in words]
        for i, row in enumerate(ids):
            if row < 0:
                continue
            left = ctx[i - 1] if i else edge
            right = ctx[i + 1] if i + 1 < len(words) else edge
            if left >= 0:
                counts[row, left] += 1
            if right >= 0:
                counts[row, edge + 1 + right] += 1
    return counts


def ppmi(counts: np.ndarray) -> np.ndarray:
    """Positive pointwise mutual information of each word and context."""
    rows = counts.sum(axis=1, keepdims=True)
    cols = counts.sum(axis=0, keepdims=True) ** 0.75  # context smoothing (Levy et al. 2015)
    expected = rows * (cols / cols.sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(counts / np.where(expected > 0, expected, 1))
    return np.maximum(np.nan_to_num(pmi, nan=0.0, neginf=0.0), 0).astype(np.float32)


def randomized_svd(matrix: np.ndarray, rank: int, rng: np.random.Generator, power: int = 3) -> np.ndarray:
    """The rows of `matrix` in its top `rank` singular directions (Halko et al. 2011)."""
    sketch = matrix @ rng.standard_normal((matrix.shape[1], rank + 20)).astype(np.float32)
    for _ in range(power):
        sketch, _ = np.linalg.qr(sketch)
        sketch = matrix @ (matrix.T @ sketch)
    basis, _ = np.linalg.qr(sketch)
    u, s, _ = np.linalg.svd(basis.T @ matrix, full_matrices=False)
    return (basis @ u[:, :rank]) * np.sqrt(s[:rank])


def kmeans(points: np.ndarray, k: int, rng: np.random.Generator, rounds: int = 25) -> np.ndarray:
    """Cluster of each point (spherical k-means on unit vectors)."""
    centres = points[rng.choice(len(points), k, replace=False)]
    for _ in range(rounds):
        labels = np.argmax(points @ centres.T, axis=1)
        sums = np.zeros_like(centres)
        np.add.at(sums, labels, points)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        centres = np.where(norms > 0, sums / np.where(norms > 0, norms, 1), centres)
    return np.argmax(points @ centres.T, axis=1)


def main() -> None:
    rng = np.random.default_rng(SEED)
    lines = list(token_lines())
    frequency = Counter(w for words in lines for w in words)
    words = [w for w, c in frequency.most_common() if c >= MIN_COUNT and any(ch.isalpha() for ch in w)]
    vocab = {w: i for i, w in enumerate(words)}
    contexts = {w: i for i, (w, _) in enumerate(frequency.most_common(CONTEXTS))}
    print(f"{sum(map(len, lines)):,} tokens, {len(words):,} words clustered", flush=True)
    vectors = randomized_svd(ppmi(cooccurrence(lines, vocab, contexts)), DIMENSIONS, rng)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    labels = [kmeans(vectors, k, rng) for k in CLUSTER_SIZES]
    OUT.write_text("".join(w + "".join(f"\t{row[i]}" for row in labels) + "\n" for i, w in enumerate(words)),
                   encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {len(words):,} words, clusters of sizes {CLUSTER_SIZES}")


if __name__ == "__main__":
    main()
