"""Saved searches and alerts: what matches a saved query among the articles imported
since that query last ran. The state (a watermark on the article table) is in SQLite."""
from __future__ import annotations

from kb.errors import KBError, NotFoundError
from kb.store import utc_now


class Watches:
    """The saved searches of a knowledge base (`kb.watches`).

    >>> from kb import Article, KnowledgeBase
    >>> kb = KnowledgeBase("my-kb")
    >>> _ = kb.watches.add("irs-ice", "IRS AND ICE")
    >>> _ = kb.add(Article("IRS shares data", "The IRS shared data with ICE."))
    >>> [article.title for article in kb.watches.run()["irs-ice"]]
    ['IRS shares data']
    """

    def __init__(self, kb):
        self.kb, self.db = kb, kb.store.db

    def add(self, name: str, query: str) -> dict:
        """Save `query` as `name`; it reports articles imported from now on."""
        self.kb.index.validate(query)  # refuse a query that cannot be read, now
        if self.db.execute("select 1 from watches where name = ?", [name]).fetchone():
            raise KBError(f"a watch named {name!r} exists already")
        with self.kb.store.transaction():
            self.db.execute("insert into watches (name, query, created_at, last_rowid) values (?, ?, ?, ?)",
                            [name, query, utc_now(), self._newest_rowid()])
        return self.get(name)

    def remove(self, name: str) -> None:
        self.get(name)
        with self.kb.store.transaction():
            self.db.execute("delete from watches where name = ?", [name])

    def get(self, name: str) -> dict:
        row = self.db.execute("select name, query, created_at, last_run_at from watches where name = ?",
                              [name]).fetchone()
        if row is None:
            raise NotFoundError(f"no watch named {name!r}")
        return dict(zip(("name", "query", "created_at", "last_run_at"), row))

    def list(self) -> list[dict]:
        return [self.get(name) for (name,) in self.db.execute("select name from watches order by name")]

    def run(self, name: str | None = None) -> dict[str, list]:
        """Articles imported since each watch (or the one named) last ran that match it,
        oldest first; the watch then moves on past them."""
        self.kb.sync_index()
        watches = [self.get(name)] if name else self.list()
        newest, found = self._newest_rowid(), {}
        for watch in watches:
            last = self.db.execute("select last_rowid from watches where name = ?", [watch["name"]]).fetchone()[0]
            ids = self.kb.index.matching_ids(watch["query"]) if newest > last else []
            fresh = self.kb.store.ids_after(ids, last, newest)
            found[watch["name"]] = [self.kb.get(article_id) for article_id in fresh]
            with self.kb.store.transaction():
                self.db.execute("update watches set last_rowid = ?, last_run_at = ? where name = ?",
                                [newest, utc_now(), watch["name"]])
        return found

    def _newest_rowid(self) -> int:
        return self.db.execute("select coalesce(max(rowid), 0) from articles").fetchone()[0]
