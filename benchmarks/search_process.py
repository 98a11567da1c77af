"""`kb search` as a whole process, in turns (#17): Python's own start-up, the search in a
process of its own, and the search answered by the knowledge base's resident searcher.

    python benchmarks/search_process.py --kb KB --query oil --turns 3
    python benchmarks/search_process.py --kb KB --query oil --code /tmp/old   # another checkout's code

#17's target: the process at most 2.5 times Python's start-up plus the query. Each turn
runs, `--runs` times each and one after the other, `python -c pass`, `python -m kb --kb
KB search QUERY` with KB_RESIDENT=0 (everything loaded and opened in the process), and
the same with a searcher listening (started before the turns, stopped after them). The
processes run from a neutral folder with the code of `--code` first on their path. The
query is timed in this process, through the API with the command's defaults, after a
first run. Prints each turn's medians and the ratio of the resident search to start-up
plus query.
"""
from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
TARGET = 2.5  # the process, at most this times Python's start-up plus the query


def timed_ms(command: list[str], env: dict, cwd: str) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return (time.perf_counter() - start) * 1000


def query_ms(kb_path: Path, query: str, runs: int) -> float:
    """The median time of the search in this process, after a first run (snippets for 10
    hits and facets, as `kb search` asks)."""
    from kb import KnowledgeBase

    with KnowledgeBase(kb_path, create=False) as kb:
        kb.search(query)
        taken = []
        for _ in range(runs):
            start = time.perf_counter()
            kb.search(query)
            taken.append((time.perf_counter() - start) * 1000)
    return statistics.median(taken)


def start_searcher(search: list[str], env: dict, cwd: str, runtime: Path) -> int:
    """Run a first search that leaves a searcher; its process id once it listens."""
    subprocess.run(search, env=env, cwd=cwd, check=True, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        locks = list(runtime.glob("newskb-*/*.lock"))
        if locks and list(runtime.glob("newskb-*/*[0-9a-f]")):
            return int(locks[0].read_text())
        time.sleep(0.05)
    raise SystemExit("no resident searcher started")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--kb", type=Path, required=True)
    parser.add_argument("--query", default="oil")
    parser.add_argument("--turns", type=int, default=3)
    parser.add_argument("--runs", type=int, default=7, help="Processes of each kind a turn.")
    parser.add_argument("--code", type=Path, default=HERE, help="The newskb checkout whose code runs.")
    args = parser.parse_args()
    kb_path, code = args.kb.resolve(), args.code.resolve()
    sys.path.insert(0, str(code))
    with tempfile.TemporaryDirectory() as work:
        runtime = Path(work) / "run"
        runtime.mkdir(mode=0o700)
        env = {**os.environ, "PYTHONPATH": str(code), "XDG_RUNTIME_DIR": str(runtime), "KB_RESIDENT": "600"}
        search = [sys.executable, "-m", "kb", "--kb", str(kb_path), "search", args.query]
        searcher = start_searcher(search, env, work, runtime)
        try:
            query = query_ms(kb_path, args.query, args.runs)
            print(f"query in process: median {query:.1f} ms; code from {code}")
            for turn in range(1, args.turns + 1):
                startup, alone, resident = [], [], []
                for _ in range(args.runs):
                    startup.append(timed_ms([sys.executable, "-c", "pass"], env, work))
                    alone.append(timed_ms(search, {**env, "KB_RESIDENT": "0"}, work))
                    resident.append(timed_ms(search, env, work))
                python, own, answered = map(statistics.median, (startup, alone, resident))
                print(f"turn {turn}: python -c pass {python:.0f} ms, kb search in its own process {own:.0f} ms, "
                      f"answered by the resident searcher {answered:.0f} ms = {answered / (python + query):.2f} "
                      f"times start-up plus query (target at most {TARGET})")
        finally:
            os.kill(searcher, signal.SIGTERM)
    return 0


if __name__ == "__main__":
    sys.exit(main())
