"""The index's write path alone, this checkout's against another's, in turns.

    python benchmarks/write_path.py ../before --corpus reuters --limit 3000 --turns 4

Each turn, one process per side (the other checkout's first) adds the articles of the
corpus to one new segment, as an import's helper process does (index.SegmentBuilder:
no SQLite, no entities, no story groups), writes the segment out and commits it. Prints
the CPU seconds of adding the documents (analysis, the posting pool) and of writing the
segment (sorting the pool, the codec), and the index's size; then each side's fastest
turn, and this checkout's over the other's.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def build_segment(jsonl: Path, path: Path) -> dict:
    """CPU seconds of adding the records of `jsonl` to a segment and of writing it, and
    the index's MB (with the code the process imports: the checkout on PYTHONPATH)."""
    from index import SearchIndex, SegmentBuilder
    from kb.models import Article

    with jsonl.open(encoding="utf-8") as lines:
        articles = [Article(id=f"a{number}", title=record["title"], body=record["body"],
                            published=record.get("published"), source=record.get("source"),
                            language=record.get("language"))
                    for number, record in enumerate(map(json.loads, lines))]
    index = SearchIndex(path)
    index.recreate()
    writer, builder = index.writer(), SegmentBuilder(path)
    start = time.process_time()
    for article in articles:
        builder.add(article)
    added = time.process_time()
    segment = builder.finish()
    finished = time.process_time()
    writer.commit(merge=False, segments=[segment])
    index.close()
    size = sum(f.stat().st_size for f in path.iterdir() if f.is_file())
    return {"add": added - start, "write": finished - added, "mb": size / 1e6}


def measure(code: Path, jsonl: Path, work: Path) -> dict:
    """build_segment() in a process of its own, with the code at `code`."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    done = subprocess.run([sys.executable, __file__, "--child", str(jsonl), str(work / "index")], env=env,
                          cwd=work, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"the segment build with {code} failed: {done.stderr}")
    subprocess.run(["rm", "-rf", str(work / "index")], check=True)
    return json.loads(done.stdout)


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        print(json.dumps(build_segment(Path(sys.argv[2]), Path(sys.argv[3]))))
        return
    sys.path.insert(0, str(ROOT))
    from benchmarks.corpora import corpus_folder

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("other", type=Path, help="the other checkout (the code before a change)")
    parser.add_argument("--corpus", choices=("bbc", "reuters"), default="reuters")
    parser.add_argument("--limit", type=int, default=3000, help="the first N articles")
    parser.add_argument("--turns", type=int, default=4)
    args = parser.parse_args()
    with corpus_folder(args.corpus, args.limit, "newskb-write-path-") as (work, jsonl, count, _):
        print(f"{'turn':>4} {'code':<6} {'add CPU s':>9} {'write CPU s':>11} {'total':>7} {'index MB':>9}")
        totals: dict[str, list[float]] = {"other": [], "this": []}
        for turn in range(1, args.turns + 1):
            for name, code in (("other", args.other.resolve()), ("this", ROOT)):
                figures = measure(code, jsonl, work)
                total = figures["add"] + figures["write"]
                totals[name].append(total)
                print(f"{turn:>4} {name:<6} {figures['add']:>9.2f} {figures['write']:>11.2f} {total:>7.2f} "
                      f"{figures['mb']:>9.2f}")
        fastest = {name: min(values) for name, values in totals.items()}
        print(f"fastest turn: other {fastest['other']:.2f} s, this {fastest['this']:.2f} s, "
              f"this/other {fastest['this'] / fastest['other']:.2f}")


if __name__ == "__main__":
    main()
