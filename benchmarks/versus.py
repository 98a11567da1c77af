"""This checkout's import against another checkout's (the code before a change), in turns.

    git worktree add ../before HEAD~3
    python benchmarks/versus.py ../before --corpus reuters --turns 3
    python benchmarks/versus.py ../before --ner none

Each turn imports the same JSON Lines file with the other checkout's `kb`, then with
this one's (each through PYTHONPATH, from a neutral folder, into a new knowledge base),
so that the machine's drift slows both alike. Prints, per turn and side: seconds,
articles a second, CPU seconds (the import's processes, helpers included: steadier
than the seconds on a shared machine), the index's and the database's size on disk;
then the ratios of this checkout to the other, per turn.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpora import corpus_folder  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def children_cpu_seconds() -> float:
    """User and system CPU seconds of this process's children that ended (and theirs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_import(code: Path, kb_path: Path, jsonl: Path, ner: str, work: Path) -> tuple[float, float, float, float]:
    """(seconds, CPU seconds, index MB, database MB) of one `kb import` run with the code at `code`."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    command = [sys.executable, "-m", "kb", "--kb", str(kb_path)]
    subprocess.run([*command, "init", "--ner", ner], env=env, cwd=work, check=True, capture_output=True)
    start, cpu_start = time.perf_counter(), children_cpu_seconds()
    done = subprocess.run([*command, "import", str(jsonl)], env=env, cwd=work, capture_output=True, text=True)
    seconds, cpu_seconds = time.perf_counter() - start, children_cpu_seconds() - cpu_start
    if done.returncode != 0:
        raise SystemExit(f"import with {code} failed: {done.stderr}")
    return seconds, cpu_seconds, folder_mb(kb_path / "index"), (kb_path / "kb.db").stat().st_size / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("other", type=Path, help="the other checkout (the code before a change)")
    parser.add_argument("--corpus", choices=("bbc", "reuters"), default="bbc")
    parser.add_argument("--turns", type=int, default=2)
    parser.add_argument("--ner", default="crf", help="the extractor of both imports (crf or none)")
    parser.add_argument("--limit", type=int, help="only the first N articles")
    args = parser.parse_args()
    other = args.other.resolve()
    with corpus_folder(args.corpus, args.limit, "newskb-versus-") as (work, jsonl, count, _):
        print(f"entities: {args.ner}")
        print(f"{'turn':>4} {'code':<8} {'seconds':>8} {'art/s':>7} {'CPU s':>7} {'index MB':>9} {'db MB':>7}")
        ratios = []
        for turn in range(1, args.turns + 1):
            figures = {}
            for name, code in (("other", other), ("this", ROOT)):
                kb_path = work / f"{name}-{turn}"
                figures[name] = timed_import(code, kb_path, jsonl, args.ner, work)
                seconds, cpu_seconds, index_mb, db_mb = figures[name]
                print(f"{turn:>4} {name:<8} {seconds:>8.1f} {count / seconds:>7.0f} {cpu_seconds:>7.1f} {index_mb:>9.1f} "
                      f"{db_mb:>7.1f}")
                subprocess.run(["rm", "-rf", str(kb_path)], check=True)
            mine, theirs = figures["this"], figures["other"]
            ratios.append((theirs[0] / mine[0], mine[1] / theirs[1], mine[2] / theirs[2]))
        for turn, (rate, cpu, size) in enumerate(ratios, 1):
            print(f"turn {turn}: import rate this/other {rate:.2f}, CPU this/other {cpu:.2f}, "
                  f"index size this/other {size:.2f}")


if __name__ == "__main__":
    main()
