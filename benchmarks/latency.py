"""Query latency on a knowledge base that already exists (one built by memory.py, say).

    python benchmarks/latency.py --kb /tmp/newskb-memory-XXXX/kb --corpus bbc
    python benchmarks/latency.py --kb KB --corpus reuters --code /tmp/old   # another checkout's code
    python benchmarks/latency.py --kb KB --corpus reuters --against OLD_KB --against-code /tmp/old

Runs the corpus's fixed query set (benchmarks/queries.py) in process, each with snippets
for 10 hits and entity facets, and prints the median and 95th percentile of each pass
(the first pass holds one-time costs such as facet arrays; later ones the steady state),
the peak memory of the process, then `kb search` as a whole process.

With `--against`, two processes run the query set instead, one with each checkout's code
on its own knowledge base, taking turns run by run (A, B, B, A, ...): a machine whose
speed drifts slows each side alike within seconds, not between one side's minute and the
other's. Prints each pass's medians and their ratio (this code's / the other's).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
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
    parser.add_argument("--against", type=Path, help="Another knowledge base, searched in turns with --kb's.")
    parser.add_argument("--against-code", type=Path, default=HERE, help="The checkout searching --against.")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)  # one side of --against
    args = parser.parse_args()
    args.kb, args.code = args.kb.resolve(), args.code.resolve()
    if args.serve:
        return serve(args.kb, args.code, args.corpus)
    if args.against:
        return in_turns(args)
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


def serve(kb_path: Path, code: Path, corpus: str) -> int:
    """One side of `in_turns`: runs the query set for each line on standard input and
    answers with the milliseconds of each query, as a JSON list on a line."""
    sys.path.insert(0, str(code))
    from kb import KnowledgeBase  # the code under test, first
    sys.path.insert(0, str(HERE))
    from benchmarks.bench import searching, timed_run  # this checkout's (it imports kb: the one above)
    from benchmarks.queries import QUERY_SETS

    queries = QUERY_SETS[corpus]
    with KnowledgeBase(kb_path, create=False) as kb:
        search = searching(kb)
        print(json.dumps(f"{kb.store.count_articles():,} articles; code from "
                         f"{Path(sys.modules['kb'].__file__).parents[1]}"), flush=True)
        for request in sys.stdin:
            print(json.dumps(timed_run(search, queries)), flush=True)  # a "warm" run's figures go unused
    return 0


class Side:
    """A process running the query set on request (`serve`)."""

    def __init__(self, kb_path: Path, code: Path, corpus: str):
        self.code = code
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve", "--kb", str(kb_path), "--code", str(code), "--corpus", corpus],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=code)
        self.description = self.answer()

    def ask(self, request: str) -> list[float]:
        self.process.stdin.write(request + "\n")
        self.process.stdin.flush()
        return self.answer()

    def answer(self):
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"the side of {self.code} stopped (exit code {self.process.wait()})")
        return json.loads(line)

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


def in_turns(args) -> int:
    """This code on --kb against --against-code on --against, run by run in turns."""
    sides = [Side(args.kb, args.code, args.corpus), Side(args.against.resolve(), args.against_code.resolve(),
                                                          args.corpus)]
    try:
        for name, side in zip(("this", "against"), sides):
            print(f"{name}: {side.description}")
        for number in range(1, args.passes + 1):
            samples: list[list[float]] = [[], []]
            for side in sides:
                side.ask("warm")
            for run in range(args.runs):
                for at in ((0, 1) if run % 2 == 0 else (1, 0)):
                    samples[at] += sides[at].ask("run")
            this, against = map(statistics.median, samples)
            print(f"pass {number}: {len(samples[0]) // args.runs} queries x {args.runs} in turns: median "
                  f"{this:.2f} ms (this) / {against:.2f} ms (against) = {this / against:.2f}")
    finally:
        for side in sides:
            side.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
