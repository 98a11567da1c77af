"""Who appears with whom: entity pairs counted over the articles they share."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite_utils


def entity_pairs(db: sqlite_utils.Database, article_ids: list[str] | None, types: tuple[str, ...],
                 min_count: int, limit: int) -> list[dict]:
    """Pairs of (not ignored) entities of `types` in the same articles (all, or `article_ids`),
    most shared articles first: {"source": {...}, "target": {...}, "articles": n}."""
    scope = ""
    if article_ids is not None:
        db.execute("create temp table if not exists scope (id text primary key)")
        db.execute("delete from scope")
        db.conn.executemany("insert or ignore into scope (id) values (?)", [(i,) for i in article_ids])
        scope = "and a.article_id in (select id from scope)"
    marks = ",".join("?" * len(types))
    rows = db.execute(
        "select e1.id, e1.type, e1.name, e2.id, e2.type, e2.name, count(*) from article_entities a "
        "join article_entities b on b.article_id = a.article_id and b.entity_id > a.entity_id "
        "join entities e1 on e1.id = a.entity_id join entities e2 on e2.id = b.entity_id "
        f"where e1.type in ({marks}) and e2.type in ({marks}) and e1.ignored = 0 and e2.ignored = 0 {scope} "
        "group by a.entity_id, b.entity_id having count(*) >= ? order by 7 desc, e1.name, e2.name limit ?",
        [*types, *types, min_count, limit]).fetchall()
    return [{"source": {"id": i1, "type": t1, "name": n1}, "target": {"id": i2, "type": t2, "name": n2},
             "articles": count} for i1, t1, n1, i2, t2, n2, count in rows]


def as_graph(pairs: list[dict]) -> dict:
    """Nodes (with how many of the pairs' articles they appear in) and weighted edges."""
    nodes: dict[int, dict] = {}
    for pair in pairs:
        for end in (pair["source"], pair["target"]):
            nodes.setdefault(end["id"], {**end, "degree": 0})["degree"] += 1
    edges = [{"source": p["source"]["id"], "target": p["target"]["id"], "weight": p["articles"]} for p in pairs]
    return {"nodes": list(nodes.values()), "edges": edges}
