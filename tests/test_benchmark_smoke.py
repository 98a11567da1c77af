"""The benchmark in its reduced form, so it never rots: correctness only, never a time."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from helpers import corpus

ROOT = Path(__file__).resolve().parents[1]


def test_benchmark_smoke_run_agrees_with_fts5():
    corpus("bbc-news")
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--smoke", "--limit", "200"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "| boolean queries with the same hit count      | 6 of 6" in done.stdout
    assert "import, entities off" in done.stdout and "query p95" in done.stdout
