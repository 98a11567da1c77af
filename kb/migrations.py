"""Schema versions of `kb.db` and the steps between them.

Each step takes a database at version N-1 to version N. A database of a newer
version than this code knows is refused; an older one is backed up, then migrated.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from kb.errors import StoreError

if TYPE_CHECKING:
    import sqlite_utils


def create_v1(db: sqlite_utils.Database) -> None:
    db["meta"].create({"key": str, "value": str}, pk="key")
    db["import_runs"].create({
        "id": int, "started_at": str, "finished_at": str, "paths": str,
        "imported": int, "duplicates": int, "skipped": int, "failed": int,
    }, pk="id")
    db["articles"].create({
        "id": str, "url": str, "title": str, "body": str, "published": str, "source": str,
        "authors": str, "language": str, "content_hash": str, "imported_at": str,
        "origin": str, "record": str, "run_id": int, "extractor": str,
    }, pk="id", not_null={"title", "body", "content_hash"}, foreign_keys=[("run_id", "import_runs", "id")])
    db["articles"].create_index(["content_hash"], unique=True)
    db["articles"].create_index(["url"])
    db["articles"].create_index(["published"])
    db["entities"].create({"id": int, "type": str, "name": str, "key": str}, pk="id")
    db["entities"].create_index(["type", "key"], unique=True)
    db["article_entities"].create({"article_id": str, "entity_id": int, "count": int, "spans": str},
                                  pk=("article_id", "entity_id"),
                                  foreign_keys=[("article_id", "articles", "id"), ("entity_id", "entities", "id")])
    db["article_entities"].create_index(["entity_id"])
    db["index_queue"].create({"article_id": str}, pk="article_id")


def add_aliases_and_stop_entities(db: sqlite_utils.Database) -> None:
    """v2: other names of an entity (DHS -> Department of Homeland Security), and ignored entities."""
    db["entities"].add_column("ignored", int, not_null_default=0)
    db["entity_aliases"].create({"type": str, "key": str, "alias": str, "entity_id": int},
                                pk=("type", "key"), foreign_keys=[("entity_id", "entities", "id")])
    db["entity_aliases"].create_index(["entity_id"])


def add_stories(db: sqlite_utils.Database) -> None:
    """v3: near-duplicate stories: each article's MinHash signature and story, and LSH band
    keys; the articles already stored are grouped in the order they were imported."""
    from kb.shingles import signature
    from kb.story_table import StoryTable

    db["article_stories"].create({"article_id": str, "story_id": str, "signature": bytes}, pk="article_id",
                                 foreign_keys=[("article_id", "articles", "id")])
    db["article_stories"].create_index(["story_id"])
    db["story_bands"].create({"band": int, "article_id": str})
    db["story_bands"].create_index(["band"])
    stories = StoryTable(db)
    for article_id, body in db.execute("select id, body from articles order by rowid").fetchall():
        stories.assign(article_id, signature(body))


def add_watches(db: sqlite_utils.Database) -> None:
    """v4: saved searches, each with the newest article it has seen (a rowid watermark)."""
    db["watches"].create({"name": str, "query": str, "created_at": str, "last_run_at": str, "last_rowid": int},
                         pk="name")


def keys_without_commas(db: sqlite_utils.Database) -> None:
    """v5: entity keys read a comma as a space, as the index does ("goldman sachs and co");
    an entity whose key now equals another's is merged into it."""
    from kb.entity_table import EntityTable, name_key

    table = EntityTable(db)
    for entity_id, entity_type, key in db.execute("select id, type, key from entities where key like '%,%'").fetchall():
        other = db.execute("select id from entities where type = ? and key = ?", [entity_type, name_key(key)]).fetchone()
        if other:
            table.merge(entity_id, other[0])
        else:
            db.execute("update entities set key = ? where id = ?", [name_key(key), entity_id])
    for entity_type, key, alias, entity_id in db.execute(
            "select type, key, alias, entity_id from entity_aliases where key like '%,%'").fetchall():
        db.execute("delete from entity_aliases where type = ? and key = ?", [entity_type, key])
        db.execute("insert or ignore into entity_aliases (type, key, alias, entity_id) values (?, ?, ?, ?)",
                   [entity_type, name_key(key), alias, entity_id])
    db.execute("delete from entity_aliases where exists (select 1 from entities e where e.id = entity_id "
               "and e.type = entity_aliases.type and e.key = entity_aliases.key)")


def add_entity_forms(db: sqlite_utils.Database) -> None:
    """v6: how many articles name an entity by each of its full forms (the name it is
    shown under is the most used one), and whether a user chose its name."""
    db["entity_forms"].create({"entity_id": int, "form": str, "articles": int}, pk=("entity_id", "form"),
                              foreign_keys=[("entity_id", "entities", "id")])
    db["entities"].add_column("named_by_user", int, not_null_default=0)
    db.execute("insert into entity_forms (entity_id, form, articles) select e.id, e.name, count(ae.article_id) "
               "from entities e left join article_entities ae on ae.entity_id = e.id group by e.id")


def add_surnames(db: sqlite_utils.Database) -> None:
    """v7: the last word of a person's full name, to find the full names a surname alone
    ("Blair") may stand for."""
    db["entities"].add_column("surname", str)
    db.execute("update entities set surname = substr(key, length(rtrim(key, replace(key, ' ', ''))) + 1) "
               "where type = 'person' and key like '% %'")
    db["entities"].create_index(["type", "surname"])


def language_tags(db: sqlite_utils.Database) -> None:
    """v8: languages as BCP 47 tags in one case form (en-us, en-US and EN_us are en-US)."""
    from kb.vocabulary import language_tag

    for (language,) in db.execute("select distinct language from articles where language is not null").fetchall():
        if language_tag(language) != language:
            db.execute("update articles set language = ? where language = ?", [language_tag(language), language])


def add_entity_retypes(db: sqlite_utils.Database) -> None:
    """v9: the types users gave entities (`kb entities retype`), by the type and name an
    extractor gives, so that extracting them again keeps the correction."""
    db["entity_retypes"].create({"type": str, "key": str, "new_type": str}, pk=("type", "key"))


def add_cued_types(db: sqlite_utils.Database) -> None:
    """v10: the type an article's own words gave an entity, where they did ("handset
    giant Nokia": an organisation), and the names its words show to be works ("the film
    The Aviator"); both outweigh the tagger's guesses elsewhere."""
    db["article_entities"].add_column("cued_type", str)
    db["article_works"].create({"article_id": str, "key": str}, pk=("article_id", "key"),
                               foreign_keys=[("article_id", "articles", "id")])
    db["article_works"].create_index(["key"])


def index_alias_keys(db: sqlite_utils.Database) -> None:
    """v11: aliases by name alone, whatever their type: the votes of each batch ask which
    entities a name stands for as an alias of any type (EntityTable.follow_the_words), and
    without this index each asking reads every alias."""
    db["entity_aliases"].create_index(["key"])


MIGRATIONS = [create_v1, add_aliases_and_stop_entities, add_stories, add_watches, keys_without_commas,
              add_entity_forms, add_surnames, language_tags, add_entity_retypes, add_cued_types, index_alias_keys]
SCHEMA_VERSION = len(MIGRATIONS)


def has_table(conn: sqlite3.Connection, name: str) -> bool:
    return conn.execute("select 1 from sqlite_master where type = 'table' and name = ?", [name]).fetchone() is not None


def current_version(conn: sqlite3.Connection) -> int:
    if not has_table(conn, "meta"):
        return 0
    row = conn.execute("select value from meta where key = 'schema_version'").fetchone()
    return int(row[0]) if row else 0


def migrate(db: sqlite_utils.Database, path: Path) -> None:
    """Bring `db` to SCHEMA_VERSION, backing up an existing older database first."""
    version = current_version(db.conn)
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path} was made by a newer newskb (schema {version}, this one knows {SCHEMA_VERSION}): upgrade newskb"
        )
    if version == SCHEMA_VERSION:
        return
    if version > 0:
        backup = sqlite3.connect(path.with_name(f"{path.name}.v{version}.bak"))
        with backup:
            db.conn.backup(backup)
        backup.close()
    for step in MIGRATIONS[version:]:
        with db.atomic():
            step(db)
            version += 1
            db["meta"].upsert({"key": "schema_version", "value": str(version)}, pk="key")
