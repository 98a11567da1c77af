"""The SQLite store (via sqlite-utils): the source of truth of a knowledge base.

Reads go straight through the sqlite3 connection; sqlite-utils, which takes about 40 ms to
import, loads with the first write (a search process never pays for it).

Tables: `articles`, `entities`, `article_entities`, `import_runs`, `meta` (schema
version and settings) and `index_queue` (articles whose index entry is not yet
written: the durable marker that lets any later command catch the index up).
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import unicodedata
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator

from kb.entity_table import EntityTable, find_entity, name_key
from kb.errors import NotFoundError, StoreError
from kb.migrations import SCHEMA_VERSION, current_version, has_table, migrate
from kb.models import Article, EntityCount
from kb.vocabulary import WORK

if TYPE_CHECKING:
    import sqlite_utils

MIN_ID_PREFIX = 6  # characters of an article id that may stand for it (kb show 3f2a9c)
NAMES_KEPT = 100_000  # entity names a store keeps between searches (about 15 MB at most)
IDS_PER_STATEMENT = 2000  # ids bound in one `in (...)`, under SQLite's limit (999 variables before 3.32)
# SQLite's page cache of a writing connection, at most (KiB; its default is 2 MB). An
# import's story bands and entity lookups touch pages all over their indexes: with the
# default, pages are read again and again (story assignment per article on Reuters: 0.53 ->
# 0.37 ms with 16 MB or more). Pages are cached as they are read: a small store uses little.
CACHE_KIB = 65_536
ARTICLE_COLUMNS = ("id", "url", "title", "body", "published", "source", "authors", "language",
                   "origin", "record", "run_id", "imported_at", "story_id")


def spans_text(spans: list[tuple[int, int]]) -> str:
    """(start, end) pairs as the JSON text json.dumps writes (a call of it costs more than
    the pairs: an import writes one a mention row).

    >>> spans_text([(0, 2), (3, 9)]), json.dumps([(0, 2), (3, 9)])
    ('[[0, 2], [3, 9]]', '[[0, 2], [3, 9]]')
    """
    return "[" + ", ".join(f"[{start}, {end}]" for start, end in spans) + "]"


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def content_hash(article: Article) -> str:
    """Hash of the normalised title and body: the same article from any file hashes alike."""
    text = unicodedata.normalize("NFC", f"{article.title}\n{article.body}").casefold()
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


class Store:
    """One knowledge base's `kb.db`.

    >>> store = Store(Path("kb.db"))
    >>> store.count_articles()
    0
    """

    def __init__(self, path: Path, *, create: bool = True):
        if not create and not path.exists():
            raise StoreError(f"no knowledge base at {path.parent} (import something first)")
        self._db = self._entities = self._stories = None
        self._names: dict[tuple[str, str], str] = {}  # entity_names' answers, while nothing changes
        self._names_state = None
        self.requeued: set[str] = set()  # articles queued again by entity merges (see Ingest)
        try:
            self.readonly = path.exists() and not _writable(path)
            if self.readonly:  # read-only media: no WAL or lock files can be made, nothing changes
                self.conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
            else:
                self.conn = sqlite3.connect(path)
            self.conn.execute("PRAGMA busy_timeout = 30000")
            if not self.readonly:
                self.conn.execute("PRAGMA journal_mode = WAL")
                self.conn.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
                if current_version(self.conn) != SCHEMA_VERSION:
                    migrate(self.db, path)
            elif self.schema_version() > SCHEMA_VERSION:
                raise StoreError(f"{path} was made by a newer newskb (schema {self.schema_version()}): upgrade newskb")
            elif self.schema_version() != SCHEMA_VERSION:
                raise StoreError(f"{path} needs a schema upgrade but is read-only")
        except sqlite3.DatabaseError as error:
            raise StoreError(f"{path}: not a usable knowledge base ({error})") from None

    @property
    def db(self) -> sqlite_utils.Database:
        """sqlite-utils over the store's connection, for writes (imported on first use)."""
        if self._db is None:
            import sqlite_utils

            self._db = sqlite_utils.Database(self.conn)
        return self._db

    @property
    def entities(self) -> EntityTable:
        if self._entities is None:
            self._entities = EntityTable(self.db)
        return self._entities

    @property
    def stories(self):
        """The story tables (numpy loads with them: only imports and story views need them)."""
        if self._stories is None:
            from kb.stories import DEFAULT_STORY_DAYS
            from kb.story_table import StoryTable

            self._stories = StoryTable(self.db, days=float(self.get_meta("story_days") or DEFAULT_STORY_DAYS))
        return self._stories

    def schema_version(self) -> int:
        return current_version(self.conn)

    def get_meta(self, key: str) -> str | None:
        if not has_table(self.conn, "meta"):
            return None
        row = self.conn.execute("select value from meta where key = ?", [key]).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        self.db["meta"].upsert({"key": key, "value": value}, pk="key")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All writes inside are committed together or not at all."""
        try:
            with self.db.atomic():
                yield
                if self._entities is not None:
                    self._entities.vote_types()  # Sony an org where most articles say so
                    self._entities.link_surnames()  # "Blair" alone to the Tony Blair who dominates
                    self._entities.name_by_usage()  # entities named by their most used full form
                    if self._entities.touched:  # articles whose index documents a merge made stale
                        self.queue(self._entities.touched)
                        self.requeued |= self._entities.touched
                        self._entities.touched = set()
        except BaseException:
            self._entities = None  # what it kept in memory may name rows rolled back
            raise

    # import runs -----------------------------------------------------------------
    def start_run(self, paths: list[str]) -> int:
        table = self.db["import_runs"].insert({"started_at": utc_now(), "paths": json.dumps(paths)})
        return table.last_pk

    def finish_run(self, run_id: int, imported: int, duplicates: int, skipped: int, failed: int) -> None:
        self.db["import_runs"].update(run_id, {
            "finished_at": utc_now(), "imported": imported, "duplicates": duplicates,
            "skipped": skipped, "failed": failed,
        })

    # articles ---------------------------------------------------------------------
    def find_duplicate(self, digest: str, url: str | None) -> str | None:
        """The id of a stored article with this content hash or this URL, if any."""
        row = self.conn.execute("select id from articles where content_hash = ?", [digest]).fetchone()
        if row is None and url:
            row = self.conn.execute("select id from articles where url = ?", [url]).fetchone()
        return row[0] if row else None

    def insert_article(self, article: Article, digest: str, extractor: str) -> None:
        """Store a new article with its entities and queue it for indexing (call in a transaction)."""
        self.db.execute(
            "insert into articles (id, url, title, body, published, source, authors, language, content_hash, "
            "imported_at, origin, record, run_id, extractor) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [article.id, article.url, article.title, article.body, article.published, article.source,
             json.dumps(article.authors), article.language, digest, article.imported_at, article.origin,
             article.record, article.run_id, extractor])
        article.entities = self._insert_entities(article.id, article.entities)
        self.queue([article.id])

    def replace_entities(self, article_id: str, entities: list[EntityCount], extractor: str) -> None:
        """Swap an article's entities for a new extraction and queue it (call in a transaction)."""
        self.db.execute("delete from article_entities where article_id = ?", [article_id])
        self.db.execute("delete from article_works where article_id = ?", [article_id])
        self.db.execute("update articles set extractor = ? where id = ?", [extractor, article_id])
        self._insert_entities(article_id, entities)
        self.queue([article_id])

    def _insert_entities(self, article_id: str, entities: list[EntityCount]) -> list[EntityCount]:
        """Store an article's entities; returns them as the store resolved them: one per
        entity, under its name (names differing only in case, and aliases, are one)."""
        works = {name_key(entity.name) for entity in entities if entity.type == WORK}
        self.conn.executemany("insert or ignore into article_works (article_id, key) values (?, ?)",
                              [(article_id, key) for key in works])
        self.entities.works.update(works)
        named = [entity for entity in entities if entity.type != WORK]
        merges = self.entities.merges
        ids = [self.entities.ensure(entity.type, entity.name, entity.aliases) for entity in named]
        if self.entities.merges != merges:  # a name linked here took in an entity named before it: ids again
            ids = [self.entities.ensure(entity.type, entity.name, entity.aliases) for entity in named]
        self.entities.count_forms(zip(ids, [entity.name for entity in named]))
        rows: dict[int, list] = {}
        for entity, entity_id in zip(named, ids):
            row = rows.setdefault(entity_id, [article_id, entity_id, 0, [], None])
            row[2] += entity.count
            row[3] += entity.spans
            if entity.cued:
                row[4] = entity.type
                self.entities.cued.add(name_key(entity.name))
        self.conn.executemany(
            "insert into article_entities (article_id, entity_id, count, spans, cued_type) values (?, ?, ?, ?, ?)",
            [(a, e, n, spans_text(sorted(spans)), cued) for a, e, n, spans, cued in rows.values()])
        # Names and types as stored: a name may be an alias, a type one a vote or a user changed.
        found = {e: (kind, name) for e, kind, name in self.conn.execute(
            f"select id, type, name from entities where ignored = 0 and id in ({','.join('?' * len(rows))})",
            list(rows)).fetchall()} if rows else {}
        return sorted((EntityCount(*found[e], n, sorted(spans)) for _, e, n, spans, _ in rows.values()
                       if e in found), key=lambda e: (-e.count, e.name, e.type))

    def ids_to_reextract(self, extractor: str, after_rowid: int, limit: int, everything: bool) -> list[tuple]:
        """(rowid, id, body) of articles extracted by another extractor (or all), in rowid order."""
        condition = "" if everything else "and (extractor is null or extractor != :name)"
        return self.conn.execute(
            f"select rowid, id, body from articles where rowid > :after {condition} order by rowid limit :limit",
            {"after": after_rowid, "name": extractor, "limit": limit}).fetchall()

    def entity_names(self, entity_type: str, keys: list[str]) -> list[str]:
        """Canonical names for lower-case entity keys (as the index holds them), in order;
        a key that has become an alias (after a merge) gives its entity's name. Answers
        are kept (up to NAMES_KEPT) until the database changes, by this connection or
        another: every search names its facets' rows, mostly the same ones."""
        state = (self.conn.total_changes, self.conn.execute("PRAGMA data_version").fetchone()[0])
        if state != self._names_state or len(self._names) > NAMES_KEPT:
            self._names.clear()
            self._names_state = state
        if missing := [key for key in keys if (entity_type, key) not in self._names]:
            marks = ",".join("?" * len(missing))
            found = dict(self.conn.execute(
                f"select key, name from entities where type = ? and key in ({marks}) union all "
                f"select a.key, e.name from entity_aliases a join entities e on e.id = a.entity_id "
                f"where a.type = ? and a.key in ({marks})", [entity_type, *missing, entity_type, *missing]).fetchall())
            self._names.update(((entity_type, key), found.get(key, key)) for key in missing)
        return [self._names[entity_type, key] for key in keys]

    def entity_keys(self, entity_type: str, name: str) -> list[str]:
        """Every name (lower case) of the entity `name` stands for: its name and aliases,
        however they came to it (an article indexed under any of them mentions it); just
        the name if no entity has it."""
        entity_id = find_entity(self.conn, entity_type, name)
        if entity_id is None:
            return [name_key(name)]
        return [row[0] for row in self.conn.execute(
            "select key from entities where id = ? union select key from entity_aliases where entity_id = ?",
            [entity_id, entity_id])]

    def entity_ids_by_key(self) -> dict[tuple[str, str], int]:
        """(type, lower-case name) -> entity id, for every name and alias."""
        return {(t, k): i for t, k, i in self.conn.execute(
            "select type, key, id from entities union all select type, key, entity_id from entity_aliases")}

    def entities_by_article(self) -> dict[str, dict[str, set[int]]]:
        """Each article's (not ignored) entity ids, by type."""
        found: dict[str, dict[str, set[int]]] = {}
        for article_id, entity_type, entity_id in self.conn.execute(
                "select ae.article_id, e.type, e.id from article_entities ae join entities e "
                "on e.id = ae.entity_id where e.ignored = 0"):
            found.setdefault(article_id, {}).setdefault(entity_type, set()).add(entity_id)
        return found

    def ids_after(self, ids: list[str], after_rowid: int, up_to_rowid: int) -> list[str]:
        """Those of `ids` stored after row `after_rowid` (up to `up_to_rowid`), oldest first."""
        found = []
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            marks = ",".join("?" * len(chunk))
            found += self.conn.execute(
                f"select rowid, id from articles where rowid > ? and rowid <= ? and id in ({marks})",
                [after_rowid, up_to_rowid, *chunk]).fetchall()
        return [article_id for _, article_id in sorted(found)]

    def story_sources(self, story_id: str | None, but: str | None = None) -> list[str]:
        """The distinct sources of a story's articles (all, or all but article `but`)."""
        rows = self.conn.execute(
            "select distinct coalesce(a.source, 'unknown source') from article_stories s join articles a "
            "on a.id = s.article_id where s.story_id = ? and a.id != ? order by 1", [story_id, but or ""])
        return [r[0] for r in rows]

    def resolve_id(self, article_id: str) -> str:
        """The full id of an article given its id or a unique prefix of at least
        MIN_ID_PREFIX characters; NotFoundError saying why otherwise."""
        if self.conn.execute("select 1 from articles where id = ?", [article_id]).fetchone():
            return article_id
        if len(article_id) < MIN_ID_PREFIX:
            raise NotFoundError(f"no article with id {article_id!r}: an id prefix needs at least "
                                f"{MIN_ID_PREFIX} characters")
        rows = self.conn.execute("select id from articles where id like ? limit 2",
                                 [article_id.replace("%", "").replace("_", "") + "%"]).fetchall()
        if len(rows) > 1:
            raise NotFoundError(f"{article_id!r} starts more than one article id: give more characters")
        if not rows:
            raise NotFoundError(f"no article with id {article_id!r}")
        return rows[0][0]

    def get_articles(self, ids: list[str]) -> dict[str, Article]:
        """The stored articles with these ids (with their entities), by id; any number of
        ids (read IDS_PER_STATEMENT at a time)."""
        found: dict[str, Article] = {}
        for first in range(0, len(ids), IDS_PER_STATEMENT):
            found.update(self._get_articles(ids[first:first + IDS_PER_STATEMENT]))
        return found

    def _get_articles(self, ids: list[str]) -> dict[str, Article]:
        marks = ",".join("?" * len(ids))
        columns = ", ".join(f"a.{c}" for c in ARTICLE_COLUMNS[:-1]) + ", s.story_id"
        rows = self.conn.execute(
            f"select {columns} from articles a left join article_stories s on s.article_id = a.id "
            f"where a.id in ({marks})", ids
        ).fetchall()
        articles = {row[0]: _article_from_row(row) for row in rows}
        for article_id, entity in self._entities_of(ids):
            articles[article_id].entities.append(entity)
        return articles

    def _entities_of(self, ids: list[str]) -> Iterator[tuple[str, EntityCount]]:
        """The (not ignored) entities of these articles, with their aliases."""
        marks = ",".join("?" * len(ids))
        rows = self.conn.execute(
            "select ae.article_id, e.type, e.name, ae.count, coalesce(ae.spans, '[]'), "
            "(select json_group_array(alias) from entity_aliases where entity_id = e.id) "
            "from article_entities ae join entities e on e.id = ae.entity_id "
            f"where ae.article_id in ({marks}) and e.ignored = 0 order by ae.article_id, ae.count desc, e.name", ids
        ).fetchall()
        # Every row's spans and aliases read as one JSON text: a call of json.loads costs
        # more than the few bytes each row has.
        decoded = json.loads("[" + ",".join(f"{spans},{aliases}" for *_, spans, aliases in rows) + "]")
        for (article_id, entity_type, name, count, _, _), spans, aliases in zip(rows, decoded[::2], decoded[1::2]):
            yield article_id, EntityCount(entity_type, name, count, [tuple(s) for s in spans], aliases)

    def iter_articles(self, batch_size: int = 500) -> Iterator[list[Article]]:
        """Every stored article, in batches, in insertion order."""
        last = 0
        while True:
            rows = self.conn.execute(
                "select rowid, id from articles where rowid > ? order by rowid limit ?", [last, batch_size]
            ).fetchall()
            if not rows:
                return
            last = rows[-1][0]
            found = self.get_articles([row[1] for row in rows])
            yield [found[row[1]] for row in rows]

    def all_ids(self) -> set[str]:
        return {row[0] for row in self.conn.execute("select id from articles")}

    def count_articles(self) -> int:
        return self.conn.execute("select count(*) from articles").fetchone()[0]

    # the index queue ------------------------------------------------------------------
    def queued_ids(self, limit: int, after: str = "") -> list[str]:
        """Up to `limit` ids queued for indexing, in id order, after `after`."""
        return [r[0] for r in self.conn.execute(
            "select article_id from index_queue where article_id > ? order by article_id limit ?", [after, limit])]

    def queue_length(self) -> int:
        return self.conn.execute("select count(*) from index_queue").fetchone()[0]

    def queue(self, ids: Iterable[str]) -> None:
        """Mark articles for (re)indexing by the next index sync."""
        self.conn.executemany("insert or ignore into index_queue (article_id) values (?)", [(i,) for i in ids])

    def dequeue(self, ids: Iterable[str]) -> None:
        """Mark articles as indexed (after the index commit that wrote them)."""
        with self.transaction():
            self.conn.executemany("delete from index_queue where article_id = ?", [(i,) for i in ids])

    def clear_queue(self) -> None:
        with self.transaction():
            self.db.execute("delete from index_queue")

    # statistics ------------------------------------------------------------------------
    def stats(self) -> dict:
        """Counts of articles, entities by type, sources, import runs and queued index work."""
        def one(sql: str):
            return self.conn.execute(sql).fetchone()[0]

        return {
            "articles": one("select count(*) from articles"),
            "entities": dict(self.conn.execute(
                "select type, count(*) from entities where ignored = 0 group by type").fetchall()),
            "sources": one("select count(distinct source) from articles"),
            "import_runs": one("select count(*) from import_runs"),
            "first_published": one("select min(published) from articles"),
            "last_published": one("select max(published) from articles"),
            "index_queue": one("select count(*) from index_queue"),
            "schema_version": self.schema_version(),
        }

    def close(self) -> None:
        self.conn.close()


def _article_from_row(row) -> Article:
    values = dict(zip(ARTICLE_COLUMNS, row))
    values["authors"] = json.loads(values["authors"] or "[]")
    return Article(**values)


def _writable(path: Path) -> bool:
    """True if the database file (or, before it exists, its folder) can be written."""
    folder_writable = os.access(path.parent, os.W_OK)
    return folder_writable and (not path.exists() or os.access(path, os.W_OK))
