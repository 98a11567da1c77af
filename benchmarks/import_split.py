"""Where an import's CPU goes: the importing process apart from its helper processes.

    python benchmarks/import_split.py --corpus reuters --ner crf --turns 2
    python benchmarks/import_split.py --corpus reuters --ner crf --code ../old --code .

Imports the corpus (its first `--limit` articles) into a new knowledge base, in this
process, with each `--code` checkout in turn (a process of its own each, the checkouts
alternating turn by turn), and prints the importing process's CPU seconds (storing,
entity votes, stories) and its workers' (tagging, signatures, segments).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpora import corpus_folder  # noqa: E402

ONE_IMPORT = """
import resource, sys
from kb import KnowledgeBase
folder, jsonl = sys.argv[1:3]
def cpu(who):
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime
own, workers = cpu(resource.RUSAGE_SELF), cpu(resource.RUSAGE_CHILDREN)
with KnowledgeBase(folder) as kb:
    kb.import_paths([jsonl])
print(cpu(resource.RUSAGE_SELF) - own, cpu(resource.RUSAGE_CHILDREN) - workers)
"""


def split_cpu(code: Path, work: Path, jsonl: Path, ner: str) -> tuple[float, float]:
    """(importing process, workers) CPU seconds of one import with `code`'s checkout."""
    folder = work / "kb"
    env = {**os.environ, "PYTHONPATH": str(code)}
    subprocess.run([sys.executable, "-m", "kb", "--kb", str(folder), "init", "--ner", ner], cwd=code, env=env,
                   check=True, capture_output=True)
    done = subprocess.run([sys.executable, "-c", ONE_IMPORT, str(folder), str(jsonl)], cwd=code, env=env,
                          check=True, capture_output=True, text=True)
    subprocess.run(["rm", "-rf", str(folder)], check=True)
    own, workers = map(float, done.stdout.split()[-2:])
    return own, workers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", choices=("bbc", "reuters"), default="reuters")
    parser.add_argument("--limit", type=int, help="only the first N articles")
    parser.add_argument("--ner", default="crf", help="the extractor of the knowledge base (crf, none)")
    parser.add_argument("--code", type=Path, action="append", help="a checkout to run (default: this one)")
    parser.add_argument("--turns", type=int, default=2)
    args = parser.parse_args()
    codes = [code.resolve() for code in args.code or [Path(__file__).resolve().parents[1]]]
    with corpus_folder(args.corpus, args.limit, "newskb-import-split-") as (work, jsonl, count, _):
        print(f"{'turn':>4} {'code':<30} {'importing CPU s':>15} {'workers CPU s':>13} {'ms/article':>10}")
        for turn in range(1, args.turns + 1):
            for code in codes if turn % 2 else reversed(codes):
                own, workers = split_cpu(code, work, jsonl, args.ner)
                print(f"{turn:>4} {str(code)[-30:]:<30} {own:>15.1f} {workers:>13.1f} "
                      f"{(own + workers) / count * 1000:>10.2f}", flush=True)


if __name__ == "__main__":
    main()
