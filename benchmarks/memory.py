"""Peak memory of `kb import` on a large JSON Lines file, whole process tree included.

    python benchmarks/memory.py --mb 200            # builds a 200 MB file from the BBC set
    python benchmarks/memory.py --file big.jsonl
    python benchmarks/memory.py --mb 30 --jobs 1    # one worker process

Samples the memory of the import process and of its workers (forked from it) every
0.5 s from /proc, as PSS (shared pages counted once, split among the processes sharing
them), and prints the peak of the sum, with the file size and the time taken.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from itertools import cycle
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpora import real_articles  # noqa: E402

SAMPLE_SECONDS = 0.5


def build(path: Path, megabytes: int) -> int:
    """A file of about `megabytes` MB: BBC articles, each copy made distinct."""
    articles, written, count = list(real_articles("bbc")), 0, 0
    with path.open("w", encoding="utf-8") as out:
        for article in cycle(articles):
            line = json.dumps({"title": f"{article.title} ({count})", "body": f"{article.body}\n\nCopy {count}."})
            out.write(line + "\n")
            written, count = written + len(line) + 1, count + 1
            if written >= megabytes * 1_000_000:
                return count
    return count


def proportional_set_size(pid_folder: Path) -> int:
    """A process's PSS in bytes: its private memory plus its share of pages it shares
    (the workers, forked from the import, share its libraries and models)."""
    for line in (pid_folder / "smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) * 1024
    return 0


def tree_pss_mb(root: int) -> dict[str, float]:
    """Memory (PSS, MB) of `root` and of every process below it, by "pid command".
    Only the tree's processes have their memory read: smaps_rollup is costly to read."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, stack = {}, [root]
    while stack:
        pid = stack.pop()
        try:
            found[f"{pid} {'kb import' if pid == root else 'worker'}"] = proportional_set_size(Path("/proc") / str(pid)) / 1e6
        except OSError:  # it ended meanwhile
            pass
        stack += children.get(pid, [])
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--file", type=Path)
    parser.add_argument("--ner", default="crf")
    parser.add_argument("--jobs", type=int, help="kb import --jobs N")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="newskb-memory-"))
    source = args.file or work / "big.jsonl"
    count = None if args.file else build(source, args.mb)
    subprocess.run([sys.executable, "-m", "kb", "--kb", str(work / "kb"), "init", "--ner", args.ner], check=True,
                   capture_output=True)
    start = time.monotonic()
    jobs = ["--jobs", str(args.jobs)] if args.jobs else []
    process = subprocess.Popen([sys.executable, "-m", "kb", "--kb", str(work / "kb"), "import", str(source), *jobs],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak, at_peak = 0.0, {}
    while process.poll() is None:
        tree = tree_pss_mb(process.pid)
        if sum(tree.values()) > peak:
            peak, at_peak = sum(tree.values()), tree
        time.sleep(SAMPLE_SECONDS)
    out, err = process.communicate()
    elapsed = time.monotonic() - start
    print(f"file: {source.stat().st_size / 1e6:.0f} MB, {count or '?'} records; extractor {args.ner}")
    print(f"import: {elapsed:.0f} s; {out.strip() or err.strip()}")
    print(f"peak memory (PSS) of the import's process tree: {peak:.0f} MB")
    for process_name, megabytes in sorted(at_peak.items()):
        print(f"  {process_name}: {megabytes:.0f} MB")
    return process.returncode


if __name__ == "__main__":
    sys.exit(main())
