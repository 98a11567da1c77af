"""The benchmark in its reduced form, so it never rots: correctness only, never a time."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import SLICES

ROOT = Path(__file__).resolve().parents[1]


def benchmark(script: str, *args) -> subprocess.CompletedProcess:
    """Run a benchmark script on the corpus slices of tests/data/corpora."""
    return subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *map(str, args)],
                          capture_output=True, text=True, timeout=300, env={**os.environ, "NEWSKB_CORPORA": str(SLICES)})


def test_benchmark_smoke_run_agrees_with_fts5_and_its_knowledge_base_serves_the_query_tools(tmp_path):
    done = benchmark("bench.py", "--smoke", "--limit", 200, "--workdir", tmp_path)
    assert done.returncode == 0, done.stderr
    assert "| boolean queries with the same hit count      | 6 of 6" in done.stdout
    assert "import, entities off" in done.stdout and "query p95" in done.stdout

    stages = benchmark("stages.py", "--kb", tmp_path / "kb", "--runs", 1)
    assert stages.returncode == 0, stages.stderr
    assert {line.split("  ")[0] for line in stages.stdout.splitlines()} >= {
        "matching", "snippets", "facets", "parsing", "articles from SQLite", "whole search"}
    latency = benchmark("latency.py", "--kb", tmp_path / "kb", "--runs", 1, "--passes", 1)
    assert latency.returncode == 0, latency.stderr
    assert "pass 1: 20 queries x 1: median" in latency.stdout and "kb search whole process" in latency.stdout
    in_turns = benchmark("latency.py", "--kb", tmp_path / "kb", "--runs", 2, "--passes", 1,
                         "--against", tmp_path / "kb")
    assert in_turns.returncode == 0, in_turns.stderr
    assert re.search(r"^pass 1: 20 queries x 2 in turns: median [\d.]+ ms \(this\) / [\d.]+ ms \(against\) = [\d.]+$",
                     in_turns.stdout, re.MULTILINE), in_turns.stdout


def test_import_cpu_runs_plain_whoosh_and_both_imports_in_turns_and_prints_their_ratios():
    done = benchmark("import_cpu.py", "--corpus", "bbc", "--limit", 10, "--turns", 2, "--exact-words")
    assert done.returncode == 0, done.stderr
    sides = [line.split()[:2] for line in done.stdout.splitlines() if line.split()[0].isdigit()]
    assert sides == [["1", "whoosh"], ["1", "whoosh="], ["1", "none"], ["1", "crf"],
                     ["2", "crf"], ["2", "none"], ["2", "whoosh="], ["2", "whoosh"]]
    ratios = re.findall(r"turn \d: CPU per article, newskb/plain Whoosh: none [\d.]+ \(target at most 1.0\), "
                        r"crf [\d.]+ \(target at most 2.0\)", done.stdout)
    same_terms = re.findall(r"turn \d: CPU per article, newskb/Whoosh with newskb's terms: none [\d.]+, crf [\d.]+",
                            done.stdout)
    assert len(ratios) == len(same_terms) == 2
    assert re.search(r"least CPU of each side over the turns, newskb/plain Whoosh: none [\d.]+, crf [\d.]+",
                     done.stdout)
    assert re.search(r"median of the turns, newskb/plain Whoosh: none [\d.]+ \([012] of 2 turns at or under 1.0\), "
                     r"crf [\d.]+ \([012] of 2 turns at or under 2.0\)", done.stdout)


@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_import_instructions_counts_two_runs_under_callgrind_and_extrapolates():
    done = benchmark("import_instructions.py", "--corpus", "bbc", "--limit", 4, "--strides", 2, 1, "--sides", "whoosh")
    assert done.returncode == 0, done.stderr
    runs = re.findall(r"^whoosh +\S+ +(\d) +([\d,]+)$", done.stdout, re.MULTILINE)
    assert [articles for articles, _ in runs] == ["2", "4"]
    small, large = (int(count.replace(",", "")) for _, count in runs)
    assert 0 < small < large  # two more articles, more instructions
    assert re.search(r"^whoosh +\S+ +[\d.]+ +[\d.]+ +[\d.]+ +1\.00$", done.stdout, re.MULTILINE)


def test_facet_eval_counts_right_rows_splits_and_overrides():
    sys.path.insert(0, str(ROOT))
    from benchmarks.facet_eval import judge

    judgements = {"Tony Blair": {"ok": True, "entity": "Tony Blair"},
                  "Mr Blair": {"ok": False, "entity": "Tony Blair"},
                  "Birmingham": {"ok": True, "entity": "Birmingham"}}
    counts = judge(["Tony Blair", "Mr Blair", "Sony", "Birmingham"], judgements, ["Tony Blair", "Gordon Brown"],
                   overrides={"Birmingham": {"ok": False, "entity": "Birmingham City"}})
    assert counts == {"right": 1, "judged": 3, "unjudged": ["Sony"], "split": 1, "found": 1, "gold": 2}


def test_backends_smoke_run_finds_as_many_matches_on_whoosh_and_on_the_cluster(tmp_path, opensearch_cluster):
    done = benchmark("backends.py", "--smoke", "--corpus", "reuters", "--url", ",".join(opensearch_cluster.urls),
                     "--workdir", tmp_path)
    assert done.returncode == 0, done.stderr
    assert "| queries with the same hit count | 20 of 20 |" in done.stdout
    assert "| reindex, turn 1 |" in done.stdout and "| query p95 (20 queries x 1) |" in done.stdout
    assert "| first bulk reindex, onto the cluster | |" in done.stdout
    # Run again in the same folder with no reindex turns: the knowledge base imported once.
    again = benchmark("backends.py", "--smoke", "--corpus", "reuters", "--url", ",".join(opensearch_cluster.urls),
                      "--workdir", tmp_path, "--turns", "0")
    assert again.returncode == 0, again.stderr
    imported = re.compile(r"imported once in \d+ s")
    assert imported.findall(again.stdout) == imported.findall(done.stdout) != []
    assert "| reindex, turn" not in again.stdout and "| queries with the same hit count | 20 of 20 |" in again.stdout


def test_import_split_prints_the_importing_process_and_its_workers_cpu():
    done = benchmark("import_split.py", "--corpus", "bbc", "--limit", 10, "--turns", 1, "--ner", "none")
    assert done.returncode == 0, done.stderr
    rows = [line.split() for line in done.stdout.splitlines() if line.split()[0] == "1"]
    assert len(rows) == 1 and float(rows[0][-3]) > 0 and float(rows[0][-1]) > 0


def test_tagging_times_each_checkout_in_turns_and_prints_a_digest_of_what_it_derived():
    root = str(Path(__file__).resolve().parents[1])
    done = benchmark("tagging.py", "--corpus", "bbc", "--limit", 12, "--turns", 2, "--runs", 1, "--code", root,
                     "--code", root)
    assert done.returncode == 0, done.stderr
    rows = [line.split() for line in done.stdout.splitlines() if line.split()[0] in ("1", "2")]
    assert len(rows) == 4 and all(float(row[2]) > 0 for row in rows)
    assert len({row[3] for row in rows}) == 1 and len(rows[0][3]) == 16


def test_story_sql_replays_every_band_table_with_the_same_candidates():
    done = benchmark("story_sql.py", "--corpus", "bbc", "--cache-mb", "2,4", "--layouts", "rowid,without-rowid,covering")
    assert done.returncode == 0, done.stderr
    runs = re.findall(r"turn (\d)  (\S+) +cache +(\d+) MB  [\d.]+ ms an article  ([\d,]+) candidates", done.stdout)
    assert len(runs) == 12
    assert len({found for *_, found in runs}) == 1 and runs[0][3] != "0"


def test_search_process_times_the_search_in_its_own_process_and_answered_by_a_searcher(seeded_path):
    done = benchmark("search_process.py", "--kb", seeded_path, "--query", "IRS", "--turns", 1, "--runs", 1)
    assert done.returncode == 0, done.stderr
    assert re.search(r"turn 1: python -c pass \d+ ms, kb search in its own process \d+ ms, answered by the "
                     r"resident searcher \d+ ms = [\d.]+ times start-up plus query", done.stdout), done.stdout


def test_merge_cpu_merges_copies_both_ways_in_turns(tmp_path):
    kb = [sys.executable, "-m", "kb", "--kb", str(tmp_path / "kb")]
    subprocess.run([*kb, "init", "--ner", "none"], check=True, capture_output=True, cwd=ROOT)
    for part in ("business", "sport"):  # an import leaves a segment: two of them
        subprocess.run([*kb, "import", str(SLICES / "bbc-news" / part)], check=True, capture_output=True, cwd=ROOT)
    done = benchmark("merge_cpu.py", "--kb", tmp_path / "kb", "--turns", 2)
    assert done.returncode == 0, done.stderr
    merges = [line.split()[:5] for line in done.stdout.splitlines() if line.split()[0].isdigit()]
    assert [(turn, way, before, after) for turn, way, before, _, after in merges] == [
        ("1", "newskb", "2", "1"), ("1", "whoosh", "2", "1"), ("2", "whoosh", "2", "1"), ("2", "newskb", "2", "1")]
    assert len(re.findall(r"^turn \d: CPU of the merge, newskb/Whoosh: [\d.]+$", done.stdout, re.MULTILINE)) == 2
