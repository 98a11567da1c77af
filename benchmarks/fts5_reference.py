"""The reference: the same articles in SQLite FTS5 through sqlite-utils (`enable_fts`, `search`)."""
from __future__ import annotations

import json
from pathlib import Path

import sqlite_utils

TOKENIZER = "porter unicode61 remove_diacritics 2"  # stemming like newskb's index


def load(jsonl: Path, db_path: Path) -> sqlite_utils.Database:
    """Insert every record and build the full-text index."""
    db = sqlite_utils.Database(db_path)
    with jsonl.open(encoding="utf-8") as lines:
        db["articles"].insert_all((json.loads(line) for line in lines), batch_size=1000)
    db["articles"].enable_fts(["title", "body"], tokenize=TOKENIZER)
    return db


def search(db: sqlite_utils.Database, match: str, where: str = "", limit: int = 10) -> tuple[int, list, dict]:
    """What a reader asks of a search: the total, the top `limit` rows with a highlighted
    snippet, and the top entities of each type over all matches (from newskb's entity
    tables, attached as `kb`)."""
    db.execute("create temp table if not exists hits (rowid integer primary key, id text)")
    db.execute("delete from hits")
    db.execute(f"insert into hits select articles.rowid, articles.id from articles_fts join articles "
               f"on articles.rowid = articles_fts.rowid where articles_fts match :q {where}", {"q": match})
    total = db.execute("select count(*) from hits").fetchone()[0]
    rows = db.execute(
        "select articles.rowid, articles.title, snippet(articles_fts, 1, '[', ']', '…', 24) "
        "from articles_fts join articles on articles.rowid = articles_fts.rowid "
        f"where articles_fts match :q and articles.rowid in (select rowid from hits) order by rank limit {limit}",
        {"q": match}).fetchall()
    facets = {}
    for kind, name, count in db.execute(
            "select e.type, e.name, count(*) from hits join kb.article_entities ae on ae.article_id = hits.id "
            "join kb.entities e on e.id = ae.entity_id group by e.id order by 3 desc"):
        if len(facets.setdefault(kind, [])) < 10:
            facets[kind].append((name, count))
    return total, rows, facets
