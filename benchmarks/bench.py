"""newskb against SQLite FTS5 on the same articles, side by side in one run.

    python benchmarks/bench.py                      # BBC (2,225 articles)
    python benchmarks/bench.py --corpus reuters     # Reuters-21578 (19,043 with a body)
    python benchmarks/bench.py --scale 100000       # a scaled-up corpus
    python benchmarks/bench.py --smoke              # 300 articles: checks hit counts only

Prints one table: import throughput (with and without entity extraction; the best of
--import-turns turns, each also timing plain Whoosh's indexing) and peak memory (PSS of
the process tree), query latency (median, p95) with snippets and facets, plain Whoosh in
one process on the same articles (whoosh_reference.py: Whoosh's own schema, writer and
codec; its own parser and searcher on that index for the top 10 alone, no entity
filter) as the machine's yardstick, `kb search` as a whole process, sizes on disk, and
incremental growth: 100 more articles in 10 imports, timed against the same into an
empty knowledge base, and query latency after them, measured in turns with a copy taken
before them. In --smoke mode (20 more articles) it exits non-zero if the hit counts of
the plain boolean queries differ from FTS5's.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import closing
from pathlib import Path
from typing import NamedTuple

from whoosh.index import open_dir

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import fts5_reference, whoosh_reference  # noqa: E402
from benchmarks.corpora import write_jsonl  # noqa: E402
from benchmarks.memory import SAMPLE_SECONDS, tree_pss_mb  # noqa: E402
from benchmarks.queries import QUERY_SETS  # noqa: E402
from kb import Article, KnowledgeBase  # noqa: E402
from kb.store import content_hash  # noqa: E402

KB_COMMAND = [sys.executable, "-m", "kb"]
INCREMENT = 100  # articles added to the full knowledge base, in imports of 10


def run_kb(*args: str) -> tuple[float, int]:
    """Run the kb command; returns (wall seconds, peak memory in MB of its process tree:
    PSS sampled from /proc every SAMPLE_SECONDS; the kernel's maximum RSS of a child would
    start from this process's own size)."""
    start = time.perf_counter()
    process = subprocess.Popen([*KB_COMMAND, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               env={**os.environ, "KB_RESIDENT": "0"})  # a search's own process, none left behind
    peak = 0.0
    while True:
        peak = max(peak, sum(tree_pss_mb(process.pid).values()))
        try:
            process.wait(timeout=SAMPLE_SECONDS)  # returns as soon as it ends: the time stays exact
            break
        except subprocess.TimeoutExpired:
            continue
    elapsed = time.perf_counter() - start
    if process.returncode != 0:
        raise SystemExit(f"kb {' '.join(args)} failed: {process.stderr.read().decode()}")
    return elapsed, round(peak)


def copy_knowledge_base(source: Path, target: Path) -> None:
    """A consistent copy of a knowledge base that connections hold open (the FTS5 reference
    attaches its kb.db): the index's files, and the database through SQLite's backup."""
    shutil.copytree(source / "index", target / "index")
    with closing(sqlite3.connect(source / "kb.db")) as original, closing(sqlite3.connect(target / "kb.db")) as copy:
        original.backup(copy)


def folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 1e6


def latency(fn, queries, runs: int) -> list[float]:
    """Milliseconds per call, every query `runs` times after one warm-up call each."""
    return alternating_latency([fn], queries, runs)[0]


def alternating_latency(fns: list, queries, runs: int) -> list[list[float]]:
    """`latency` of each function, their runs taken in turn, so that a machine whose speed
    drifts during the measurement slows each alike."""
    for fn in fns:
        for query in queries:
            fn(query)
    samples = [[] for _ in fns]
    for _ in range(runs):
        for fn, taken in zip(fns, samples):
            taken += timed_run(fn, queries)
    return samples


def timed_run(fn, queries) -> list[float]:
    """Milliseconds of one call of `fn` for each query, in turn."""
    taken = []
    for query in queries:
        start = time.perf_counter()
        fn(query)
        taken.append((time.perf_counter() - start) * 1000)
    return taken


def searching(knowledge_base: KnowledgeBase):
    """A query of the set searched as the benchmark does: 10 hits with snippets, facets."""
    return lambda q: knowledge_base.search(q.text, since=q.since, until=q.until, entities=q.entities,
                                           limit=10, facets=10)


def p95(samples: list[float]) -> float:
    return sorted(samples)[int(0.95 * (len(samples) - 1))]


def load_fts(jsonl: Path, db_path: Path, kb_db: Path):
    """FTS5 reference with newskb's ids (for the entity join), timed."""
    start = time.perf_counter()
    db = fts5_reference.load(jsonl, db_path)
    seconds = time.perf_counter() - start
    db["articles"].add_column("id", str)
    rows = db.execute("select rowid, title, body from articles").fetchall()
    db.conn.executemany("update articles set id = ? where rowid = ?",
                        [(content_hash(Article(title=t, body=b))[:16], r) for r, t, b in rows])
    db.conn.commit()
    db["articles"].create_index(["id"])
    db.execute(f"attach database '{kb_db}' as kb")
    return db, seconds


class ImportTurn(NamedTuple):
    entities_s: float  # newskb's import with entities: seconds, peak MB
    entities_mb: int
    bare_s: float  # and with `--ner none`
    bare_mb: int
    whoosh_s: float  # plain Whoosh's indexing


def import_turn(jsonl: Path, work: Path, last: bool) -> ImportTurn:
    """One turn of the import measures, back to back (the machine's speed drifts within a
    run: ratios are taken within a turn): seconds and peak MB of newskb's import with
    entities and without, and seconds of plain Whoosh's indexing. The last turn's folders
    are kept for the rest of the run."""
    names = ("kb", "kb-no-entities", "whoosh-index") if last else ("turn-kb", "turn-bare", "turn-whoosh")
    kb_path, bare_path, whoosh_path = (work / name for name in names)
    import_s, import_mb = run_kb("--kb", str(kb_path), "import", str(jsonl))
    run_kb("--kb", str(bare_path), "init", "--ner", "none")
    bare_s, bare_mb = run_kb("--kb", str(bare_path), "import", str(jsonl))
    whoosh_s, _ = whoosh_reference.index_seconds(jsonl, whoosh_path)
    if not last:
        for path in (kb_path, bare_path, whoosh_path):
            shutil.rmtree(path)
    return ImportTurn(import_s, import_mb, bare_s, bare_mb, whoosh_s)


def write_increments(jsonl: Path, folder: Path, count: int, size: int) -> list[Path]:
    """`count` articles not in `jsonl` (its first ones, each marked as an update), as files of `size`."""
    folder.mkdir()
    with jsonl.open(encoding="utf-8") as lines:
        records = [json.loads(line) for line, _ in zip(lines, range(count))]
    paths = []
    for start in range(0, count, size):
        path = folder / f"increment-{start // size:03d}.jsonl"
        path.write_text("".join(json.dumps({**record, "title": f"Update {start + n}: {record['title']}",
                                            "body": f"{record['body']}\n\nUpdate {start + n}."}) + "\n"
                                for n, record in enumerate(records[start:start + size])), encoding="utf-8")
        paths.append(path)
    return paths


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", choices=sorted(QUERY_SETS), default="bbc")
    parser.add_argument("--scale", type=int, help="Build a corpus of this many articles from the real ones.")
    parser.add_argument("--limit", type=int, help="Use only the first N real articles.")
    parser.add_argument("--runs", type=int, default=5, help="Repetitions of the query set.")
    parser.add_argument("--import-turns", type=int, default=2,
                        help="Turns of the import measures (the best of each is shown).")
    parser.add_argument("--smoke", action="store_true", help="300 articles, 1 run; fail if counts differ.")
    parser.add_argument("--workdir", type=Path, help="Keep the built knowledge bases here.")
    args = parser.parse_args()
    if args.smoke:
        args.limit, args.runs, args.import_turns = args.limit or 300, 1, 1
    work = args.workdir or Path(tempfile.mkdtemp(prefix="newskb-bench-"))
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    queries = QUERY_SETS[args.corpus]

    jsonl = work / "corpus.jsonl"
    count, text_bytes = write_jsonl(args.corpus, jsonl, args.scale, args.limit)
    mb = text_bytes / 1e6

    kb_path = work / "kb"
    turns = [import_turn(jsonl, work, last=turn == args.import_turns - 1) for turn in range(args.import_turns)]
    import_s, bare_s, whoosh_s = (min(turn.entities_s for turn in turns), min(turn.bare_s for turn in turns),
                                  min(turn.whoosh_s for turn in turns))  # the fastest
    import_mb, bare_mb = max(turn.entities_mb for turn in turns), max(turn.bare_mb for turn in turns)
    fts, fts_s = load_fts(jsonl, work / "fts.db", kb_path / "kb.db")

    kb = KnowledgeBase(kb_path, create=False)
    totals = {q.text: kb.search(q.text, since=q.since, until=q.until, entities=q.entities).total for q in queries}
    fts_totals = {q.text: fts5_reference.search(fts, q.match, q.fts_where())[0] for q in queries}
    disagree = [q.text for q in queries if q.kind == "boolean" and totals[q.text] != fts_totals[q.text]]

    plain_whoosh = open_dir(str(work / "whoosh-index")).searcher()  # the last import turn's
    kb_ms, fts_ms, whoosh_ms = alternating_latency([
        searching(kb), lambda q: fts5_reference.search(fts, q.match, q.fts_where()),
        lambda q: whoosh_reference.search(plain_whoosh, q)], queries, args.runs)
    process_ms, startup_ms = [], []  # in turns with Python's own start-up, the machine's yardstick
    for _ in range(args.runs * 2):
        process_ms.append(run_kb("--kb", str(kb_path), "search", queries[0].text)[0] * 1000)
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        startup_ms.append((time.perf_counter() - start) * 1000)

    # Incremental: new articles into the full knowledge base, in imports of 10 (small
    # imports leave small segments), against the same into an empty one.
    # Query latency after them is measured in turns with a copy taken before them.
    increment = 20 if args.smoke else INCREMENT
    batches = write_increments(jsonl, work / "increments", increment, 10)
    copy_knowledge_base(kb_path, work / "kb-before-increments")
    into_full_s = sum(run_kb("--kb", str(kb_path), "import", str(batch))[0] for batch in batches)
    into_empty_s = sum(run_kb("--kb", str(work / "kb-small"), "import", str(batch))[0] for batch in batches)
    with KnowledgeBase(work / "kb-before-increments", create=False) as before:
        after_ms, before_ms = alternating_latency([searching(kb), searching(before)], queries, args.runs)

    rows = [
        ("articles", f"{count:,}", "", ""),
        ("import + entities + index", f"{count / import_s:,.0f} art/s, {mb / import_s:.2f} MB/s",
         f"{count / fts_s:,.0f} art/s (no entities)", f"{fts_s / import_s:.3f}"),
        ("import, entities off", f"{count / bare_s:,.0f} art/s, {mb / bare_s:.2f} MB/s",
         f"{count / fts_s:,.0f} art/s", f"{fts_s / bare_s:.3f}"),
        ("peak memory of import (PSS, whole tree)", f"{import_mb} MB (entities off: {bare_mb} MB)", "", ""),
        ("import rate / plain Whoosh's, per turn", "with entities " + ", ".join(
            f"{turn.whoosh_s / turn.entities_s:.2f}" for turn in turns) + "; off " + ", ".join(
            f"{turn.whoosh_s / turn.bare_s:.2f}" for turn in turns), "", ""),
        (f"query median ({len(queries)} queries x {args.runs})", f"{statistics.median(kb_ms):.2f} ms",
         f"{statistics.median(fts_ms):.2f} ms", f"{statistics.median(fts_ms) / statistics.median(kb_ms):.3f}"),
        ("query p95", f"{p95(kb_ms):.2f} ms", f"{p95(fts_ms):.2f} ms", f"{p95(fts_ms) / p95(kb_ms):.3f}"),
        ("reference: plain Whoosh, one process", f"indexing {count / whoosh_s:,.0f} art/s; top 10 only (no "
         f"entity filter): {statistics.median(whoosh_ms):.2f} ms median, {p95(whoosh_ms):.2f} ms p95", "", ""),
        ("`kb search` whole process, median", f"{statistics.median(process_ms):.0f} ms (Python's start-up "
         f"alone, in turns: {statistics.median(startup_ms):.0f} ms)", "", ""),
        (f"{increment} more articles in {increment // 10} imports", f"{into_full_s:.1f} s (into an empty "
         f"knowledge base: {into_empty_s:.1f} s, ratio {into_full_s / into_empty_s:.2f})", "", ""),
        ("query median, p95 after those imports", f"{statistics.median(after_ms):.2f} ms, {p95(after_ms):.2f} ms "
         f"(before them, in turns: {statistics.median(before_ms):.2f} ms, {p95(before_ms):.2f} ms; "
         f"ratio {statistics.median(after_ms) / statistics.median(before_ms):.2f})", "", ""),
        ("size on disk (raw text {:.1f} MB)".format(mb),
         f"index {folder_mb(kb_path / 'index'):.1f} MB + kb.db {(kb_path / 'kb.db').stat().st_size / 1e6:.1f} MB",
         f"{(work / 'fts.db').stat().st_size / 1e6:.1f} MB", ""),
        ("boolean queries with the same hit count", f"{sum(q.kind == 'boolean' for q in queries) - len(disagree)}"
         f" of {sum(q.kind == 'boolean' for q in queries)}", "", ""),
    ]
    print(f"corpus: {args.corpus}{f' scaled to {args.scale:,}' if args.scale else ''}; work folder {work}")
    print(f"| {'measure':<44} | {'newskb':<44} | {'SQLite FTS5':<26} | FTS5/newskb time |")
    print(f"|{'-' * 46}|{'-' * 46}|{'-' * 28}|------------------|")
    for name, ours, theirs, ratio in rows:
        print(f"| {name:<44} | {ours:<44} | {theirs:<26} | {ratio:<16} |")
    for text in disagree:
        print(f"count differs for {text!r}: newskb {totals[text]}, FTS5 {fts_totals[text]}", file=sys.stderr)
    kb.close()
    plain_whoosh.close()
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if args.smoke and disagree else 0


if __name__ == "__main__":
    sys.exit(main())
