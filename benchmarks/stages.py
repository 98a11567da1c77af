"""Where a search's time goes, stage by stage, on a knowledge base that already exists.

    python benchmarks/stages.py --kb /tmp/newskb-bench-XXXX/kb --corpus reuters

Runs the corpus's query set (benchmarks/queries.py) as latency.py does, twice to warm
up, then `--runs` times, with CPU-time counters around each stage of a search: parsing,
matching (every match scored), facets, the articles read from SQLite, snippets.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
SPENT: dict[str, float] = defaultdict(float)


def timed(owner, name: str, stage: str) -> None:
    """Replace `owner.name` by a wrapper adding its CPU time to SPENT[stage]."""
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        start = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            SPENT[stage] += time.process_time() - start
    setattr(owner, name, wrapper)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kb", type=Path, required=True)
    parser.add_argument("--corpus", default="bbc")
    parser.add_argument("--runs", type=int, default=5, help="Runs of the query set measured.")
    args = parser.parse_args()
    sys.path.insert(0, str(HERE))
    import index.searching
    import kb.api
    from benchmarks.queries import QUERY_SETS
    from kb import KnowledgeBase

    timed(index.searching, "all_matches", "matching")
    timed(index.searching, "facet_counts", "facets")
    timed(kb.api, "make_snippets", "snippets")
    queries = QUERY_SETS[args.corpus]
    with KnowledgeBase(args.kb, create=False) as knowledge_base:
        timed(knowledge_base.store, "get_articles", "articles from SQLite")
        timed(knowledge_base.index, "parse", "parsing")

        def search(query):
            knowledge_base.search(query.text, since=query.since, until=query.until, entities=query.entities,
                                  limit=10, facets=10)
        for _ in range(2):
            for query in queries:
                search(query)
        SPENT.clear()
        start = time.process_time()
        for _ in range(args.runs):
            for query in queries:
                search(query)
        total, searches = time.process_time() - start, args.runs * len(queries)
    for stage, seconds in sorted(SPENT.items(), key=lambda item: -item[1]):
        print(f"{stage:22s} {seconds / searches * 1000:7.2f} ms  {seconds / total:4.0%}")
    print(f"{'whole search':22s} {total / searches * 1000:7.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
