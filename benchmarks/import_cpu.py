"""Import CPU per article: newskb's `kb import` against plain Whoosh's indexing, in turns (#17).

    python benchmarks/import_cpu.py --corpus bbc --turns 3
    python benchmarks/import_cpu.py --corpus reuters --turns 2 --limit 6000
    python benchmarks/import_cpu.py --corpus bbc --exact-words   # also Whoosh with newskb's terms

#17's targets: without entities, at most plain Whoosh's CPU per article; with entities,
at most twice. Each turn runs, on the same JSON Lines file and from a neutral folder,
plain Whoosh (whoosh_reference.py, a process of its own), `kb import` into a knowledge
base made by `kb init --ner none`, and `kb import` with entities (`--ner crf`); every
other turn runs them in the reverse order, so that the machine's drift weighs on each
alike. CPU seconds are those of each side's whole process tree, Python's start-up
included on both sides (steadier than wall seconds on a shared machine). Prints every
turn and side, then each turn's ratios of newskb's CPU per article to plain Whoosh's,
the ratios of each side's least CPU over the turns, and the median of the turns' ratios
with how many turns meet each target (one slow turn of a shared machine can fail one).
`--exact-words` adds a side, `whoosh=`: Whoosh's writer and codec with newskb's terms
(whoosh_reference.py --exact-words), and the ratios to it: what newskb's import costs
beyond Whoosh's writing the same postings.
"""
from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpora import corpus_folder  # noqa: E402
from benchmarks.versus import ROOT, children_cpu_seconds, folder_mb, timed_import  # noqa: E402

SIDES = ("whoosh", "none", "crf")  # plain Whoosh, then newskb's import by its extractor
EXACT_WORDS_SIDE = "whoosh="  # Whoosh writing newskb's terms
TARGETS = {"none": 1.0, "crf": 2.0}  # newskb's CPU per article / plain Whoosh's, at most


def plain_whoosh_import(jsonl: Path, folder: Path, work: Path, *options: str) -> tuple[float, float, float]:
    """(seconds, CPU seconds, index MB) of whoosh_reference.py indexing `jsonl` in a process of its own."""
    start, cpu_start = time.perf_counter(), children_cpu_seconds()
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "whoosh_reference.py"), str(jsonl), str(folder),
                    *options], cwd=work, check=True, capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return time.perf_counter() - start, children_cpu_seconds() - cpu_start, folder_mb(folder)


def run_side(side: str, jsonl: Path, work: Path) -> tuple[float, float, float]:
    """(seconds, CPU seconds, index MB) of one side's import, its folder removed after."""
    folder = work / side
    if side == "whoosh":
        figures = plain_whoosh_import(jsonl, folder, work)
    elif side == EXACT_WORDS_SIDE:
        figures = plain_whoosh_import(jsonl, folder, work, "--exact-words")
    else:
        seconds, cpu_seconds, index_mb, _ = timed_import(ROOT, folder, jsonl, side, work)
        figures = seconds, cpu_seconds, index_mb
    shutil.rmtree(folder)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", choices=("bbc", "reuters"), default="bbc")
    parser.add_argument("--turns", type=int, default=3)
    parser.add_argument("--limit", type=int, help="only the first N articles")
    parser.add_argument("--exact-words", action="store_true", help="also Whoosh with newskb's terms")
    args = parser.parse_args()
    sides = ("whoosh", EXACT_WORDS_SIDE, "none", "crf") if args.exact_words else SIDES
    bases = ("whoosh", EXACT_WORDS_SIDE) if args.exact_words else ("whoosh",)
    with corpus_folder(args.corpus, args.limit, "newskb-import-cpu-") as (work, jsonl, count, _):
        print(f"{'turn':>4} {'side':<7} {'seconds':>8} {'CPU s':>7} {'CPU ms/art':>10} {'index MB':>9}")
        ratios, least = [], {}
        for turn in range(1, args.turns + 1):
            cpu = {}
            for side in sides if turn % 2 else reversed(sides):
                seconds, cpu[side], index_mb = run_side(side, jsonl, work)
                least[side] = min(least.get(side, cpu[side]), cpu[side])
                print(f"{turn:>4} {side:<7} {seconds:>8.1f} {cpu[side]:>7.1f} {cpu[side] / count * 1000:>10.2f} "
                      f"{index_mb:>9.1f}", flush=True)
            ratios.append({(side, base): cpu[side] / cpu[base] for side in TARGETS for base in bases})
        for turn, ratio in enumerate(ratios, 1):
            print(f"turn {turn}: CPU per article, newskb/plain Whoosh: " + ", ".join(
                f"{side} {ratio[side, 'whoosh']:.2f} (target at most {target})" for side, target in TARGETS.items()))
            if args.exact_words:
                print(f"turn {turn}: CPU per article, newskb/Whoosh with newskb's terms: " + ", ".join(
                    f"{side} {ratio[side, EXACT_WORDS_SIDE]:.2f}" for side in TARGETS))
        # Another process on the machine only ever adds CPU time (a shared core, a shared
        # cache): each side's least is the nearest to its own cost.
        print("least CPU of each side over the turns, newskb/plain Whoosh: " + ", ".join(
            f"{side} {least[side] / least['whoosh']:.2f}" for side in TARGETS))
        by_turn = {side: [ratio[side, "whoosh"] for ratio in ratios] for side in TARGETS}
        print("median of the turns, newskb/plain Whoosh: " + ", ".join(
            f"{side} {statistics.median(values):.2f} ({sum(v <= TARGETS[side] for v in values)} of {len(values)} "
            f"turns at or under {TARGETS[side]})" for side, values in by_turn.items()))


if __name__ == "__main__":
    main()
