"""What an import's workers derive from articles (kb.workers.analyse_all: entities, story
signature, language), CPU per article, checkouts in turns; and whether they derive the same.

    python benchmarks/tagging.py --corpus bbc --code ../old --code . --turns 3
    python benchmarks/tagging.py --corpus reuters --limit 6000 --code ../old --code .

Each turn runs every `--code` checkout in a process of its own (the order reversed every
other turn), which loads the CRF extractor (and freezes it out of the garbage collector,
as an import does before it forks its workers), then analyses the corpus (its first
`--limit` articles) `--runs` times, its word table emptied before each, and prints the least CPU
time per article of its runs and a digest of what it derived: checkouts that print the
same digest derived the same entities, signatures and languages for every article.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpora import corpus_folder  # noqa: E402

ONE_CHECKOUT = """
import gc, hashlib, json, pickle, sys, time
from kb.entities import features, get_extractor
from kb.workers import analyse_all
texts = [(row["title"], row["body"], row.get("language")) for row in map(json.loads, open(sys.argv[1]))]
extractor = get_extractor("crf")
extractor.extract_all(["Loaded in London."])
gc.freeze()  # as the import does before it forks its workers
seconds = []
for _ in range(int(sys.argv[2])):
    extractor.model.table._forget_words()
    features.word_info.cache_clear()
    start = time.process_time()
    derived = analyse_all(extractor, texts, lambda: False)
    seconds.append(time.process_time() - start)
print(min(seconds) * 1000 / len(texts), hashlib.sha256(pickle.dumps(derived)).hexdigest()[:16])
"""


def analyse(code: Path, jsonl: Path, runs: int) -> tuple[float, str]:
    """(least CPU ms per article, digest of the results) of `code` analysing `jsonl`."""
    done = subprocess.run([sys.executable, "-c", ONE_CHECKOUT, str(jsonl), str(runs)], capture_output=True,
                          text=True, check=True, env={**os.environ, "PYTHONPATH": str(code)})
    milliseconds, digest = done.stdout.split()
    return float(milliseconds), digest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", choices=("bbc", "reuters"), default="bbc")
    parser.add_argument("--limit", type=int, help="only the first N articles")
    parser.add_argument("--code", type=Path, action="append", help="a checkout to run (default: this one)")
    parser.add_argument("--turns", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3, help="analyses a turn and checkout (the least is printed)")
    args = parser.parse_args()
    codes = [code.resolve() for code in args.code or [Path(__file__).resolve().parents[1]]]
    with corpus_folder(args.corpus, args.limit, "newskb-tagging-") as (_, jsonl, _, _):
        print(f"{'turn':>4} {'code':<40} {'CPU ms/article':>14}  digest")
        for turn in range(1, args.turns + 1):
            for code in codes if turn % 2 else codes[::-1]:
                milliseconds, digest = analyse(code, jsonl, args.runs)
                print(f"{turn:>4} {str(code):<40} {milliseconds:>14.2f}  {digest}", flush=True)


if __name__ == "__main__":
    main()
