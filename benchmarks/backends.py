"""Whoosh against the OpenSearch backend on the same knowledge base, in turns.

    python benchmarks/backends.py                            # Reuters, then BBC; a 2-node cluster started here
    python benchmarks/backends.py --corpus bbc --scale 100000 --turns 0 --workdir DIR
    python benchmarks/backends.py --url http://HOST:9200     # a cluster of your own
    python benchmarks/backends.py --smoke --url URL          # 200 articles: fails if hit counts differ

Builds each corpus's knowledge base once (`kb import`, into SQLite and Whoosh; --scale as
benchmarks/growth.py: re-dated, lightly varied copies; made once in a --workdir),
copies its database and moves the copy onto the cluster (timed: the first bulk
reindex). Then, in turns (none with --turns 0, for a large corpus): the full reindex of
each from SQLite (articles a second; Whoosh writes with one process per core,
OpenSearch receives parallel bulk requests and copies each shard to its replica), and
the corpus's query set (benchmarks/queries.py: 10 hits with snippets, facets over all
matches) on each, the runs of Whoosh and of the cluster alternating, so that a machine
whose speed drifts slows both alike. Prints one table per corpus: the rates per turn,
query median and p95, and how many queries found as many matches on both.

Without --url the cluster is the tests' own (tests/opensearch_cluster.py: two nodes on
this machine, built with `mvn -q -f tests/opensearch/pom.xml package`).
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from benchmarks.bench import alternating_latency, copy_knowledge_base, p95, run_kb, searching  # noqa: E402
from benchmarks.corpora import write_jsonl  # noqa: E402
from benchmarks.queries import QUERY_SETS  # noqa: E402
from index.settings import IndexSettings  # noqa: E402
from kb import KnowledgeBase  # noqa: E402


def timed_reindex(kb: KnowledgeBase) -> float:
    """Articles a second of one full rebuild of the knowledge base's index."""
    start = time.perf_counter()
    count = kb.reindex()
    return count / (time.perf_counter() - start)


def imported(corpus: str, path: Path, args) -> float:
    """Seconds that `kb import` of the corpus (as args scale and limit it) into a new
    knowledge base at `path` took. A knowledge base an earlier run imported into the same
    work folder with the same corpus, --scale, --limit and --ner is kept (its time is in
    CORPUS-SCALE-LIMIT-NER.imported beside it), so that a long import is made once."""
    done = path.with_name(f"{corpus}-{args.scale}-{args.limit}-{args.ner}.imported")
    if done.exists() and path.exists():
        return float(done.read_text())
    shutil.rmtree(path, ignore_errors=True)
    jsonl = path.with_name(f"{corpus}.jsonl")
    write_jsonl(corpus, jsonl, scale=args.scale, limit=args.limit)
    run_kb("--kb", str(path), "init", "--ner", args.ner)
    seconds = round(run_kb("--kb", str(path), "import", str(jsonl))[0], 1)  # as recorded: a later run reads it
    done.write_text(f"{seconds:.1f}")
    return seconds


def same_totals(whoosh: KnowledgeBase, cluster: KnowledgeBase, queries) -> int:
    """How many queries match as many articles on both backends."""
    return sum(whoosh.search(q.text, since=q.since, until=q.until, entities=q.entities, limit=1).total
               == cluster.search(q.text, since=q.since, until=q.until, entities=q.entities, limit=1).total
               for q in queries)


def compare(corpus: str, url: str, work: Path, args) -> bool:
    """Build, reindex and query one corpus on both backends; print its table. True if
    every query matched as many articles on both."""
    whoosh_path, cluster_path = work / f"{corpus}-whoosh", work / f"{corpus}-opensearch"
    import_seconds = imported(corpus, whoosh_path, args)
    shutil.rmtree(cluster_path, ignore_errors=True)
    copy_knowledge_base(whoosh_path, cluster_path)
    settings = IndexSettings("opensearch", url=url, index_name=f"bench-{corpus}-{uuid.uuid4().hex[:8]}")
    queries = QUERY_SETS[corpus]
    with ExitStack() as stack:
        whoosh = stack.enter_context(KnowledgeBase(whoosh_path, create=False))
        cluster = stack.enter_context(KnowledgeBase(cluster_path, create=False))
        start = time.perf_counter()
        cluster.reindex(index=settings)
        move_rate = whoosh.store.count_articles() / (time.perf_counter() - start)
        stack.callback(cluster.index.delete)
        articles = whoosh.store.count_articles()
        rates = [(timed_reindex(whoosh), timed_reindex(cluster)) for _ in range(args.turns)]
        agreeing = same_totals(whoosh, cluster, queries)
        on_whoosh, on_cluster = alternating_latency([searching(whoosh), searching(cluster)], queries, args.runs)
    scale = f", scaled to {args.scale:,}" if args.scale else ""
    print(f"\n{corpus}{scale}: {articles:,} articles, imported once in {import_seconds:.0f} s (entities: {args.ner}); "
          f"work folder {work}")
    print("| measure | Whoosh | OpenSearch, 2 nodes | OpenSearch/Whoosh |")
    print("|---|---|---|---|")
    print(f"| first bulk reindex, onto the cluster | | {move_rate:.0f} art/s | |")
    for turn, (whoosh_rate, cluster_rate) in enumerate(rates, 1):
        print(f"| reindex, turn {turn} | {whoosh_rate:.0f} art/s | {cluster_rate:.0f} art/s | "
              f"{cluster_rate / whoosh_rate:.2f} (rate) |")
    for name, measure in (("median", statistics.median), ("p95", p95)):
        print(f"| query {name} ({len(queries)} queries x {args.runs}) | {measure(on_whoosh):.2f} ms | "
              f"{measure(on_cluster):.2f} ms | {measure(on_cluster) / measure(on_whoosh):.2f} (time) |")
    print(f"| queries with the same hit count | {agreeing} of {len(queries)} | | |")
    return agreeing == len(queries)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default="reuters,bbc", help="Corpora, comma-separated, in order.")
    parser.add_argument("--scale", type=int, help="Articles per corpus: real ones, then varied copies.")
    parser.add_argument("--limit", type=int, help="Only the first N real articles.")
    parser.add_argument("--url", help="An OpenSearch cluster (several nodes comma-separated); default: start 2 nodes.")
    parser.add_argument("--heap", default="1g", help="Java heap of each node started here.")
    parser.add_argument("--turns", type=int, default=2, help="Reindex turns (each: Whoosh, then OpenSearch); 0: none.")
    parser.add_argument("--runs", type=int, default=5, help="Runs of the query set on each backend.")
    parser.add_argument("--ner", default="crf", help="Entity extractor of the import (crf or none).")
    parser.add_argument("--workdir", type=Path, help="Keep the knowledge bases (and started nodes' data) here; "
                        "a knowledge base imported there by an earlier run is used again.")
    parser.add_argument("--smoke", action="store_true", help="200 articles, 1 turn (or none), 1 run; exit 1 if hit counts differ.")
    args = parser.parse_args()
    if args.smoke:
        args.limit, args.turns, args.runs = args.limit or 200, min(args.turns, 1), 1
    work = args.workdir or Path(tempfile.mkdtemp(prefix="newskb-backends-"))
    work.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        url = args.url
        if url is None:
            from opensearch_cluster import OpenSearchCluster
            cluster = stack.enter_context(OpenSearchCluster(work / "cluster", nodes=2, heap=args.heap))
            url = ",".join(cluster.urls)
        agreed = [compare(corpus, url, work, args) for corpus in args.corpus.split(",")]
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if all(agreed) or not args.smoke else 1


if __name__ == "__main__":
    sys.exit(main())
