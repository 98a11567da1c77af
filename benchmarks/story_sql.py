"""Story assignment's SQL alone, replayed: what an import's band table costs an article.

    python benchmarks/story_sql.py --corpus reuters
    python benchmarks/story_sql.py --corpus reuters --cache-mb 2,16,64 --layouts rowid,without-rowid,covering

For each article of the corpus, in order, as kb.story_table does: one query for the
articles sharing one of its LSH band keys, the insert of its story row and of its band
rows, a commit every 100 articles; in a new SQLite file (WAL) per layout of the band
table and page cache size. Prints the CPU per article of each, twice, in turns, and the
candidates the queries found (the same in every run, or the layouts differ in answers).
"""
from __future__ import annotations

import argparse
import hashlib
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpora import real_articles  # noqa: E402
from kb.shingles import signatures  # noqa: E402
from kb.stories import StoryRules  # noqa: E402
from kb.story_table import signed  # noqa: E402

BAND_TABLES = {
    "rowid": ["create table story_bands (band integer, article_id text)",
              "create index story_bands_band on story_bands (band)"],
    "without-rowid": ["create table story_bands (band integer, article_id text, primary key (band, article_id)) "
                      "without rowid"],
    "covering": ["create table story_bands (band integer, article_id text)",
                 "create index story_bands_band on story_bands (band, article_id)"],
}
COMMIT_EVERY = 100


def band_keys(bodies: list[str]) -> list[list[int]]:
    rules = StoryRules()
    return [[signed(key) for key in rules.band_keys(sig)] if not sig.empty else []
            for first in range(0, len(bodies), 64) for sig in signatures(bodies[first:first + 64])]


def replay(path: Path, layout: str, cache_mb: int, ids: list[str], keys: list[list[int]]) -> tuple[float, int]:
    """(CPU seconds an article, candidates found in all) of the replay in a new file at `path`."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute(f"PRAGMA cache_size = -{cache_mb * 1024}")
    for statement in BAND_TABLES[layout]:
        db.execute(statement)
    db.execute("create table article_stories (article_id text primary key, story_id text, signature blob)")
    start, found = time.process_time(), 0
    db.execute("begin")
    for number, (article_id, article_keys) in enumerate(zip(ids, keys), 1):
        if article_keys:
            found += len(db.execute("select s.article_id, s.story_id, s.signature from article_stories s where s.article_id in "
                       f"(select distinct article_id from story_bands where band in ({','.join('?' * len(article_keys))}))"
                       " order by s.rowid", article_keys).fetchall())
        db.execute("insert into article_stories values (?, ?, ?)", [article_id, article_id, bytes(520)])
        db.executemany("insert into story_bands (band, article_id) values (?, ?)",
                       [(key, article_id) for key in article_keys])
        if number % COMMIT_EVERY == 0:
            db.execute("commit")
            db.execute("begin")
    db.execute("commit")
    db.close()
    return (time.process_time() - start) / len(ids), found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", choices=("bbc", "reuters"), default="reuters")
    parser.add_argument("--cache-mb", default="2,64", help="page cache sizes to try, in MB (SQLite's default: 2)")
    parser.add_argument("--layouts", default="rowid", help=f"band tables to try: {', '.join(BAND_TABLES)}")
    args = parser.parse_args()
    articles = list(real_articles(args.corpus))
    keys = band_keys([article.body for article in articles])
    ids = [hashlib.sha1(b"%d" % number).hexdigest()[:16] for number in range(len(articles))]  # as stored: hashes
    print(f"{args.corpus}: {len(ids):,} articles, {sum(map(len, keys)):,} band rows")
    runs = [(layout, int(mb)) for layout in args.layouts.split(",") for mb in args.cache_mb.split(",")]
    with tempfile.TemporaryDirectory(prefix="newskb-story-sql-") as folder:
        for turn in (1, 2):
            for layout, mb in runs if turn == 1 else reversed(runs):
                path = Path(folder) / f"{layout}-{mb}-{turn}.db"
                seconds, found = replay(path, layout, mb, ids, keys)
                print(f"turn {turn}  {layout:<14} cache {mb:>4} MB  {seconds * 1000:.3f} ms an article  "
                      f"{found:,} candidates", flush=True)
                for suffix in ("", "-wal", "-shm"):
                    if os.path.exists(f"{path}{suffix}"):
                        os.remove(f"{path}{suffix}")


if __name__ == "__main__":
    main()
