"""Query latency on a knowledge base that already exists (one built by memory.py, say).

    python benchmarks/latency.py --kb /tmp/newskb-memory-XXXX/kb --corpus bbc

Runs the corpus's fixed query set (benchmarks/queries.py) in process, each with snippets
for 10 hits and entity facets, and prints the median and 95th percentile, then `kb search`
as a whole process.
"""
from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench import latency, p95, run_kb  # noqa: E402
from benchmarks.queries import QUERY_SETS  # noqa: E402
from kb import KnowledgeBase  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kb", type=Path, required=True)
    parser.add_argument("--corpus", choices=sorted(QUERY_SETS), default="bbc")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    queries = QUERY_SETS[args.corpus]
    with KnowledgeBase(args.kb, create=False) as kb:
        articles = kb.store.count_articles()
        samples = latency(lambda q: kb.search(q.text, since=q.since, until=q.until, entities=q.entities,
                                              limit=10, facets=10), queries, args.runs)
    process_ms = [run_kb("--kb", str(args.kb), "search", queries[0].text)[0] * 1000 for _ in range(args.runs)]
    print(f"{articles:,} articles; {len(queries)} queries x {args.runs}: median {statistics.median(samples):.2f} ms, "
          f"p95 {p95(samples):.2f} ms; kb search whole process median {statistics.median(process_ms):.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
