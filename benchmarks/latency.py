"""Query latency on a knowledge base that already exists (one built by memory.py, say).

    python benchmarks/latency.py --kb /tmp/newskb-memory-XXXX/kb --corpus bbc
    python benchmarks/latency.py --kb KB --corpus reuters --code /tmp/old   # another checkout's code

Runs the corpus's fixed query set (benchmarks/queries.py) in process, each with snippets
for 10 hits and entity facets, and prints the median and 95th percentile of each pass
(the first pass holds one-time costs such as facet arrays; later ones the steady state),
the peak memory of the process, then `kb search` as a whole process.
"""
from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kb", type=Path, required=True)
    parser.add_argument("--corpus", default="bbc")
    parser.add_argument("--runs", type=int, default=5, help="Runs of the query set per pass.")
    parser.add_argument("--passes", type=int, default=2)
    parser.add_argument("--code", type=Path, default=HERE, help="The newskb checkout whose code runs the queries.")
    args = parser.parse_args()
    args.kb, args.code = args.kb.resolve(), args.code.resolve()
    sys.path[:0] = [str(args.code), str(HERE)]
    from benchmarks.bench import latency, p95, run_kb, searching
    from benchmarks.queries import QUERY_SETS
    from kb import KnowledgeBase

    queries = QUERY_SETS[args.corpus]
    with KnowledgeBase(args.kb, create=False) as kb:
        print(f"{kb.store.count_articles():,} articles; code from {Path(sys.modules['kb'].__file__).parents[1]}")
        for number in range(1, args.passes + 1):
            samples = latency(searching(kb), queries, args.runs)
            print(f"pass {number}: {len(queries)} queries x {args.runs}: median {statistics.median(samples):.2f} ms, "
                  f"p95 {p95(samples):.2f} ms")
    print(f"peak memory of this process (RSS): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024} MB")
    # The process runs the same code (`python -m kb` reads the current folder first): this
    # checkout's would rebuild another checkout's knowledge base at its own index version.
    os.chdir(args.code)
    process_ms = [run_kb("--kb", str(args.kb), "search", queries[0].text)[0] * 1000 for _ in range(args.runs)]
    print(f"kb search whole process (that code), median {statistics.median(process_ms):.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
