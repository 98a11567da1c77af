"""CPU and memory of merging an index's segments into one: newskb's merge against Whoosh's.

    python benchmarks/merge_cpu.py --kb KB --turns 3

newskb merges segments a range of terms at a time, as arrays (index/segment_merge.py);
Whoosh's own merge (what every merge was until stop 31) takes a posting at a time.
Each turn copies the knowledge base's index twice and merges each copy into one segment
in a process of its own, one way then the other (the order alternating by turn), and
prints each one's CPU seconds and peak memory (RSS), and their ratio.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WAYS = ("newskb", "whoosh")

# One merge, in a process of its own: prints its CPU seconds and peak RSS in MB.
MERGE = """
import resource, sys, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from index import SearchIndex, directory
index = SearchIndex(Path(sys.argv[2]))
segments = index.segment_count()
start = time.process_time()
if sys.argv[3] == "newskb":
    index.optimize()
else:
    directory.open_writer(index.ix).commit(optimize=True)
cpu = time.process_time() - start
print(segments, index.segment_count(), cpu, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def merge(index: Path, way: str) -> tuple[int, int, float, int]:
    """(segments before, after, CPU seconds, peak MB) of merging the index at `index` one `way`."""
    done = subprocess.run([sys.executable, "-c", MERGE, str(ROOT), str(index), way], capture_output=True, text=True,
                          check=True)
    before, after, cpu, peak = done.stdout.split()
    return int(before), int(after), float(cpu), int(peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kb", type=Path, required=True, help="a knowledge base whose index has several segments")
    parser.add_argument("--turns", type=int, default=3)
    args = parser.parse_args()
    print(f"{'turn':>4} {'merge':<7} {'segments':>9} {'CPU s':>7} {'peak MB':>8}")
    with tempfile.TemporaryDirectory(prefix="newskb-merge-") as work:
        for turn in range(1, args.turns + 1):
            cpu = {}
            for way in WAYS if turn % 2 else reversed(WAYS):
                copy = Path(work) / way
                shutil.copytree(args.kb / "index", copy)
                before, after, cpu[way], peak = merge(copy, way)
                shutil.rmtree(copy)
                print(f"{turn:>4} {way:<7} {f'{before} -> {after}':>9} {cpu[way]:>7.2f} {peak:>8}")
            print(f"turn {turn}: CPU of the merge, newskb/Whoosh: {cpu['newskb'] / cpu['whoosh']:.2f}")


if __name__ == "__main__":
    main()
