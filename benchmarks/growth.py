"""How import time and query latency grow with the knowledge base.

    python benchmarks/growth.py                                # BBC scaled to 10k, 50k, 100k
    python benchmarks/growth.py --corpus reuters --sizes 20000,100000

Builds one scaled corpus (benchmarks/corpora.py: the real articles, then re-dated,
lightly varied copies), imports it into one knowledge base step by step up to each size
(`kb import` as a process, entity extraction on), and after each step runs the corpus's
fixed query set in process (snippets for 10 hits, facets) and `kb search` as a whole
process. Prints one row per size, then the growth from the first size to the last:
import time per article (1.0: linear) and query latency against the articles (below
1.0: sublinear).
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from itertools import islice
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench import latency, p95, run_kb, searching  # noqa: E402
from benchmarks.corpora import write_jsonl  # noqa: E402
from benchmarks.queries import QUERY_SETS  # noqa: E402
from kb import KnowledgeBase  # noqa: E402


def write_steps(jsonl: Path, sizes: list[int]) -> list[Path]:
    """The lines of `jsonl` cut into files: up to the first size, then up to each next one."""
    paths, done = [], 0
    with jsonl.open(encoding="utf-8") as lines:
        for size in sizes:
            path = jsonl.with_name(f"step-{size}.jsonl")
            path.write_text("".join(islice(lines, size - done)), encoding="utf-8")
            paths.append(path)
            done = size
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", choices=sorted(QUERY_SETS), default="bbc")
    parser.add_argument("--sizes", default="10000,50000,100000", help="Knowledge base sizes, in order.")
    parser.add_argument("--runs", type=int, default=5, help="Repetitions of the query set.")
    parser.add_argument("--workdir", type=Path, help="Keep the knowledge base here.")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    work = args.workdir or Path(tempfile.mkdtemp(prefix="newskb-growth-"))
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    queries = QUERY_SETS[args.corpus]
    write_jsonl(args.corpus, work / "corpus.jsonl", scale=sizes[-1])
    kb_path, rows = work / "kb", []
    for size, step in zip(sizes, write_steps(work / "corpus.jsonl", sizes)):
        seconds, memory = run_kb("--kb", str(kb_path), "import", str(step))
        with KnowledgeBase(kb_path, create=False) as kb:
            samples = latency(searching(kb), queries, args.runs)
            segments = kb.index.segment_count()
        process_ms = statistics.median(run_kb("--kb", str(kb_path), "search", queries[0].text)[0] * 1000
                                       for _ in range(args.runs))
        added = size - (rows[-1][0] if rows else 0)
        rows.append((size, added, seconds, memory, statistics.median(samples), p95(samples), process_ms, segments))
    print(f"corpus: {args.corpus}, scaled; work folder {work}")
    print("| articles | import of the step | import memory (PSS) | query median | query p95 | `kb search` | segments |")
    print("|---|---|---|---|---|---|---|")
    for size, added, seconds, memory, median, high, process_ms, segments in rows:
        print(f"| {size:,} | {added:,} in {seconds:.0f} s, {added / seconds:.0f} art/s | {memory} MB | "
              f"{median:.2f} ms | {high:.2f} ms | {process_ms:.0f} ms | {segments} |")
    first, last = rows[0], rows[-1]
    per_article = (last[2] / last[1]) / (first[2] / first[1])
    print(f"\n{last[0] / first[0]:.0f} times the articles: import time per article x{per_article:.2f} "
          f"(1.00: linear); query median x{last[4] / first[4]:.2f}, p95 x{last[5] / first[5]:.2f}, "
          f"`kb search` x{last[6] / first[6]:.2f}")
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
