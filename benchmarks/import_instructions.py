"""Import cost in instructions: plain Whoosh and newskb's imports under callgrind (#17).

    python benchmarks/import_instructions.py --corpus bbc --strides 8 4
    python benchmarks/import_instructions.py --corpus bbc --strides 8 4 --sides crf --code ../old --code .

import_cpu.py's CPU seconds are what #17's targets are stated in, but this machine is
shared: a side's CPU time grows by a fifth or more when another tenant runs, and not
alike for a one-process side (plain Whoosh) and a three-process one (an import and its
workers). Instructions do not drift. Each side indexes every `stride`-th article of the
corpus, twice (two strides), under valgrind's callgrind, every process of it counted;
the difference of the two runs gives its instructions per article, and the rest its
fixed cost (start-up, models, a vocabulary learnt once), from which the whole corpus's
count is extrapolated. Prints each run, then each side's per-article and whole-corpus
figures and their ratios to plain Whoosh's. An instruction is not a CPU second (numpy's
inner loops do more a cycle than Python's): compare sides' and checkouts' ratios, and
take the seconds from import_cpu.py. Under valgrind each run takes about 50 times as long.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpora import corpus_folder  # noqa: E402
from benchmarks.versus import ROOT  # noqa: E402

SIDES = ("whoosh", "none", "crf")  # plain Whoosh, then newskb's import by its extractor
_COLLECTED = re.compile(r"Collected : (\d+)")


def side_command(side: str, code: Path, jsonl: Path, work: Path) -> list[str]:
    """The command of one side's import of `jsonl` into `work` (a new knowledge base made
    first for newskb's sides)."""
    if side == "whoosh":
        return [sys.executable, str(code / "benchmarks" / "whoosh_reference.py"), str(jsonl), str(work / "ix")]
    kb = [sys.executable, "-m", "kb", "--kb", str(work / "kb")]
    subprocess.run([*kb, "init", "--ner", side], cwd=work, env=code_env(code), check=True, capture_output=True)
    return [*kb, "import", str(jsonl)]


def code_env(code: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(code)}


def instructions(side: str, code: Path, jsonl: Path) -> int:
    """Instructions of every process of one side's import, under callgrind."""
    with tempfile.TemporaryDirectory(prefix="newskb-instructions-") as folder:
        work = Path(folder)
        command = side_command(side, code, jsonl, work)
        done = subprocess.run(["valgrind", "--tool=callgrind", "--trace-children=yes",
                               f"--callgrind-out-file={work}/callgrind.%p", *command],
                              cwd=work, env=code_env(code), capture_output=True, text=True)
        if done.returncode != 0:
            raise SystemExit(f"{side} with {code} failed: {done.stderr[-2000:]}")
        return sum(map(int, _COLLECTED.findall(done.stderr)))


def extrapolated(counts: dict[int, int], articles: int) -> tuple[float, float, float]:
    """(per article, fixed, whole corpus) from the instructions of runs of some article
    counts: the line through the smallest and the largest run.

    >>> extrapolated({100: 3_000, 200: 5_000}, 1_000)
    (20.0, 1000.0, 21000.0)
    """
    small, large = min(counts), max(counts)
    per_article = (counts[large] - counts[small]) / (large - small)
    fixed = counts[small] - small * per_article
    return per_article, fixed, fixed + articles * per_article


def every(jsonl: Path, stride: int, path: Path) -> int:
    """Write every `stride`-th line of `jsonl` to `path`; returns how many."""
    lines = jsonl.read_text(encoding="utf-8").splitlines()[::stride]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return len(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", choices=("bbc", "reuters"), default="bbc")
    parser.add_argument("--limit", type=int, help="only the first N articles")
    parser.add_argument("--strides", type=int, nargs=2, default=(8, 4), metavar=("LARGE", "SMALL"),
                        help="the two runs: every LARGE-th article, then every SMALL-th")
    parser.add_argument("--sides", nargs="+", choices=SIDES, default=list(SIDES))
    parser.add_argument("--code", type=Path, action="append", help="a checkout to run (default: this one)")
    args = parser.parse_args()
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    if len(set(args.strides)) != 2:
        raise SystemExit("--strides: two different strides")
    codes = [code.resolve() for code in args.code or [ROOT]]
    with corpus_folder(args.corpus, args.limit, "newskb-import-instructions-") as (work, jsonl, count, _):
        runs = {stride: work / f"every-{stride}.jsonl" for stride in args.strides}
        sizes = {stride: every(jsonl, stride, path) for stride, path in runs.items()}
        print(f"{'side':<7} {'code':<30} {'articles':>8} {'instructions':>16}")
        totals = {}
        for side in args.sides:
            for code in codes if side != "whoosh" else codes[:1]:
                counts = {}
                for stride, path in runs.items():
                    counts[sizes[stride]] = instructions(side, code, path)
                    print(f"{side:<7} {str(code):<30} {sizes[stride]:>8,} {counts[sizes[stride]]:>16,}", flush=True)
                totals[side, code] = extrapolated(counts, count)
        print(f"\n{count:,} articles, extrapolated:")
        print(f"{'side':<7} {'code':<30} {'M/article':>10} {'fixed G':>8} {'whole G':>8} {'/ Whoosh':>9}")
        whoosh = totals.get(("whoosh", codes[0]))
        for (side, code), (per_article, fixed, whole) in totals.items():
            ratio = f"{whole / whoosh[2]:.2f}" if whoosh else "-"
            print(f"{side:<7} {str(code):<30} {per_article / 1e6:>10.1f} {fixed / 1e9:>8.2f} {whole / 1e9:>8.1f} "
                  f"{ratio:>9}")


if __name__ == "__main__":
    main()
