"""Body quality of the HTML importer on the article-extraction benchmark (token-bag F1).

For each page `html/<id>.html`, the body that `importers.html_page` extracts is compared
with the human-written `articleBody` of `ground-truth.json`: lower-case word tokens as
multisets, precision = overlap / extracted, recall = overlap / gold, F1 their harmonic
mean. Prints the mean and median over pages and how many pages failed (no article,
or an exception). A failed page counts as F1 0.

    .venv/bin/python benchmarks/html_quality.py [--corpus PATH] [--worst 5]
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpora import CORPORA  # noqa: E402

from importers.html_page import decode_html, extract_article  # noqa: E402
from kb.models import Article  # noqa: E402

DEFAULT_CORPUS = CORPORA
WORD = re.compile(r"\w+")


def tokens(text: str) -> Counter:
    return Counter(WORD.findall(text.lower()))


def token_f1(extracted: str, gold: str) -> tuple[float, float, float]:
    """(precision, recall, F1) of the extracted text's word multiset against the gold one."""
    got, want = tokens(extracted), tokens(gold)
    overlap = sum((got & want).values())
    if not overlap:
        return 0.0, 0.0, 0.0
    precision, recall = overlap / sum(got.values()), overlap / sum(want.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS / "article-extraction-benchmark")
    parser.add_argument("--worst", type=int, default=5, help="list the N pages with the lowest F1")
    args = parser.parse_args()
    truth_path = args.corpus / "ground-truth.json"
    if not truth_path.exists():
        print(f"corpus not found: {truth_path}", file=sys.stderr)
        return 2
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    scores, failed = {}, []
    started = time.perf_counter()
    for page_id, gold in sorted(truth.items()):
        path = args.corpus / "html" / f"{page_id}.html"
        try:
            result = extract_article(decode_html(path.read_bytes()), origin=str(path))
        except Exception as error:  # noqa: BLE001 - a benchmark counts every failure
            result = error
        if not isinstance(result, Article):
            failed.append((page_id, getattr(result, "reason", repr(result))))
            scores[page_id] = (0.0, 0.0, 0.0)
            continue
        scores[page_id] = token_f1(result.body, gold.get("articleBody") or "")
    elapsed = time.perf_counter() - started
    f1s = [f1 for _, _, f1 in scores.values()]
    print(f"pages: {len(scores)}  failed: {len(failed)}  time: {elapsed:.1f} s")
    print(f"precision mean: {statistics.mean(p for p, _, _ in scores.values()):.3f}  "
          f"recall mean: {statistics.mean(r for _, r, _ in scores.values()):.3f}")
    print(f"token F1 mean: {statistics.mean(f1s):.3f}  median: {statistics.median(f1s):.3f}")
    for page_id, reason in failed:
        print(f"failed: {page_id}: {reason}")
    for page_id, (p, r, f1) in sorted(scores.items(), key=lambda item: item[1][2])[: args.worst]:
        print(f"low: {page_id[:16]} F1 {f1:.3f} (P {p:.3f} R {r:.3f}) {truth[page_id].get('url')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
