"""The entities of a knowledge base in SQLite: names, aliases, corrections, summaries.

An entity is (type, canonical name); `entity_aliases` maps other names to it, so
"DHS" and "Department of Homeland Security" are one facet row once linked. Merges,
renames, retypes and stop-entities change these tables and queue the articles concerned
for re-indexing, so facets and filters follow without a re-import; they hold for later
extractions too (merged and renamed names are aliases, a retyped name is recorded in
`entity_retypes`, an ignored entity keeps its flag).
"""
from __future__ import annotations

import json
from difflib import SequenceMatcher
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable

from kb.errors import KBError, NotFoundError
from kb.vocabulary import ENTITY_TYPES

WORK_HIDDEN = 2  # `ignored` of an entity hidden as a work of art by a vote (1: by a user)
ARTICLES = "(select count(*) from article_entities ae where ae.entity_id = e.id)"  # of entity `e`, in SQL
NAMED_AT_ONCE = 500  # entities named by usage in one statement (SQLite takes 999 parameters before 3.32)
# The entities of a name (key ?) that may be weighed against each other: `e` in SQL, the
# type first for the (type, key) index; NAMESAKES_AMONG, of the names its "{}" marks.
NAMESAKES_AMONG = "e.type in ('person', 'org', 'place') and e.key in ({}) and e.ignored = 0"
NAMESAKES = NAMESAKES_AMONG.format("?")

if TYPE_CHECKING:
    import sqlite_utils


def spelt_alike(a: str, b: str) -> bool:
    """Two long names one or two letters apart ("Organiaation"/"Organization of ...";
    "Yuganskneftegas"/"Yuganskneftegaz", one letter of 15 other).

    >>> spelt_alike("Organiaation of Petroleum Exporting Countries",
    ...             "Organization of Petroleum Exporting Countries"), spelt_alike("Yuganskneftegas", "Yuganskneftegaz")
    (True, True)
    """
    a, b = a.lower(), b.lower()
    return min(len(a), len(b)) >= 12 and (SequenceMatcher(None, a, b).ratio() >= 0.95
                                          or len(a) == len(b) and sum(x != y for x, y in zip(a, b)) == 1)


@lru_cache(maxsize=8192)  # an import asks for the same names again and again
def name_key(name: str) -> str:
    """Entity names match case-insensitively, a comma as a space, spacing collapsed (the
    index holds them so: commas separate the names of its entity fields).

    >>> name_key("Goldman, Sachs  and Co")
    'goldman sachs and co'
    """
    return " ".join(name.replace(",", " ").split()).lower()


def outweighs(rival: tuple, key: str) -> bool:
    """Whether `rival` (id, type, named_by_user, articles, cued) is an organisation of two or
    more articles named by one word, over which a person of that name gives way."""
    _, kind, _, articles, _ = rival
    return kind == "org" and articles >= 2 and " " not in key


def gives_way(kind: str, key: str) -> bool:
    """Whether an entity of this type yields to an organisation of its name that
    outweighs it: a person does, and a place that no gazetteer knows (Sony, tagged a
    place in 23 BBC articles and an organisation in 28)."""
    from kb.entities.features import GAZ_LOC  # the tagger's data, loaded by an import anyway

    return kind == "person" or kind == "place" and key not in GAZ_LOC


def dominant(found: list[tuple[int, int]], at_least: int = 2) -> int | None:
    """The id of the first of `found` ((id, articles), most articles first) if it is in
    `at_least` articles and three times as many as the next.

    >>> dominant([(7, 6), (8, 2)]), dominant([(7, 6), (8, 3)]), dominant([(7, 1)])
    (7, None, None)
    """
    if found and found[0][1] >= at_least and (len(found) == 1 or found[0][1] >= 3 * found[1][1]):
        return found[0][0]
    return None


def yields_to_words(kind: str, key: str, said: int) -> bool:
    """Whether an entity of this type, which only the tagger's guesses speak for, yields
    to what the words of `said` articles say of its name ("handset giant Nokia": an
    organisation): a person whose name starts with no first name does (Yahoo, Hewlett
    Packard; not Tony Blair, whose "spokesman" speaks of his office), an organisation
    named by a first name and more does (Keanu Reeves: "Reeves said he"), a place that no
    gazetteer knows does, and a small one where two articles or more speak (Nokia, a
    Finnish town too); a country or big city never does ("foreign companies, China's
    ministry": China)."""
    from kb.entities.features import GAZ_FIRST, GAZ_LOC, GAZ_MAJOR

    if kind == "person":
        return key.split(" ", 1)[0] not in GAZ_FIRST
    if kind == "org":
        return " " in key and key.split(" ", 1)[0] in GAZ_FIRST
    return kind == "place" and key not in GAZ_MAJOR and (key not in GAZ_LOC or said >= 2)


def find_entity(db, entity_type: str, name: str) -> int | None:
    """The id of the entity this name (or alias) stands for, if any; `db` a SQLite
    connection or a sqlite-utils Database (a search needs no sqlite-utils, which takes
    longer to import than a search takes)."""
    key = name_key(name)
    return db.execute("select coalesce((select entity_id from entity_aliases where type = ? and key = ?), "
                      "(select id from entities where type = ? and key = ?))",  # one statement, not two
                      [entity_type, key, entity_type, key]).fetchone()[0]


class EntityTable:
    """Entity rows of one database (call the writing methods inside a transaction)."""

    def __init__(self, db: sqlite_utils.Database):
        self.db = db
        self._ids: dict[tuple[str, str], int] = {}  # (type, key) -> id, as `ensure` last found it
        self._keys_of: dict[int, set[tuple[str, str]]] = {}  # id -> the keys _ids gives it (some perhaps no longer)
        # Articles that mentioned both entities of a merge: their index documents hold
        # two names of one entity now, and must be indexed again.
        self.touched: set[str] = set()
        self.named: set[int] = set()  # entities whose forms were counted: to be named by usage
        self.surnames: set[str] = set()  # of persons new since the last link_surnames
        self.works: set[str] = set()  # keys of the works of art read since the last vote_types
        self.cued: set[str] = set()  # keys of the names typed by their words since then
        self.merges = 0  # entities merged into others by this table
        self._retyped: dict[tuple[str, str], str] | None = None  # (type, key) -> the type a user gave it

    # resolving and creating ---------------------------------------------------------------
    def find(self, entity_type: str, name: str) -> int | None:
        """The id of the entity this name (or alias) stands for, if any."""
        return find_entity(self.db, entity_type, name)

    def type_of(self, entity_type: str, name: str) -> str:
        """The type an extracted (type, name) is stored under: `entity_type`, unless a user
        retyped the entity of that name (after `retype(<the org Tony Blair>, "person")`,
        `type_of("org", "Tony Blair")` is "person")."""
        if self._retyped is None:
            self._retyped = {(t, k): new for t, k, new in self.db.execute(
                "select type, key, new_type from entity_retypes").fetchall()}
        return self._retyped.get((entity_type, name_key(name)), entity_type) if self._retyped else entity_type

    def ensure(self, entity_type: str, name: str, aliases: list[str] = ()) -> int:
        """The id of (type, name), created on first sight; `aliases` are linked to it. The
        type is the one a user gave the name, if they retyped it."""
        entity_type = self.type_of(entity_type, name)
        cache_key = (entity_type, name_key(name))
        entity_id = self._ids.get(cache_key) or self.find(entity_type, name)
        if entity_id is None:
            surname = cache_key[1].rsplit(" ", 1)[1] if entity_type == "person" and " " in cache_key[1] else None
            entity_id = self.db.execute("insert into entities (type, name, key, surname) values (?, ?, ?, ?)",
                                        [entity_type, name, cache_key[1], surname]).lastrowid
            if entity_type == "person":
                self.surnames.add(surname or cache_key[1])
        for alias in aliases:
            entity_id = self.link(entity_type, alias, entity_id)
        self._remember_id(cache_key, entity_id)
        return entity_id

    def _remember_id(self, cache_key: tuple[str, str], entity_id: int) -> None:
        self._ids[cache_key] = entity_id
        self._keys_of.setdefault(entity_id, set()).add(cache_key)

    def _forget_ids(self) -> None:
        """Empty `ensure`'s cache: a name may stand for another entity now."""
        self._ids.clear()
        self._keys_of.clear()

    def link(self, entity_type: str, alias: str, entity_id: int) -> int:
        """Make `alias` a name of `entity_id`; an entity known only by that name merges into
        it. Returns the entity's id (another's, when it merged into one spelt alike)."""
        existing = self.find(entity_type, alias)
        if existing == entity_id:
            return entity_id
        if existing is not None:
            if self.db.execute("select 1 from entity_aliases where type = ? and key = ?",
                               [entity_type, name_key(alias)]).fetchone():
                if spelt_alike(self.name_of(existing), self.name_of(entity_id)):
                    self.merge(entity_id, existing)  # one name misspelt: "Organiaation of ..."
                    return existing
                return entity_id  # otherwise already the alias of another entity: the first link wins
            self.merge(existing, entity_id)
        self.db.execute("insert or replace into entity_aliases (type, key, alias, entity_id) values (?, ?, ?, ?)",
                        [entity_type, name_key(alias), alias, entity_id])
        return entity_id

    def name_of(self, entity_id: int) -> str:
        return self.db.execute("select name from entities where id = ?", [entity_id]).fetchone()[0]

    # naming by usage ----------------------------------------------------------------------------
    def count_forms(self, forms: Iterable[tuple[int, str]]) -> None:
        """One more article names each entity by the full form given with it: (entity id, form)."""
        forms = list(forms)
        self.db.conn.executemany("insert into entity_forms (entity_id, form, articles) values (?, ?, 1) on "
                                 "conflict (entity_id, form) do update set articles = articles + 1", forms)
        self.named.update(entity_id for entity_id, _ in forms)

    def name_by_usage(self) -> None:
        """Give each entity counted since the last call its most used full form as its
        name: a name of several words seen in two articles or more before a single word,
        a word before its clipped start ("Yuganskneftegas" before "Yugansk"), then the
        one in most articles (ties: the longer, then the first in alphabetical order); a
        name a user chose stays. The name it had stays one of its names."""
        named = sorted(self.named)
        for start in range(0, len(named), NAMED_AT_ONCE):
            ids = named[start:start + NAMED_AT_ONCE]
            # Each entity's best form: a full name seen in two articles or more first ("Blair" is a surname).
            for entity_id, entity_type, name, best in self.db.execute(
                    "select id, type, name, (select form from entity_forms f where entity_id = e.id order by "
                    "(instr(form, ' ') > 0 and articles > 1) desc, exists (select 1 from entity_forms longer where "
                    "longer.entity_id = f.entity_id and length(longer.form) > length(f.form) and "
                    "substr(longer.form, 1, length(f.form)) = f.form), articles desc, length(form) desc, form limit 1) "
                    f"from entities e where named_by_user = 0 and id in ({','.join('?' * len(ids))}) order by id",
                    ids).fetchall():
                if best is not None and best != name:
                    self._rename(entity_id, entity_type, name, best)  # changes no other entity's row
        self.named = set()

    def vote_types(self) -> None:
        """A name tagged as one type in a few articles and as another in most (Sony a
        person in some, an organisation in most) is of the type most articles give it:
        an entity with three times the articles (and at least 3) of another of the same
        name and other type takes it in, and that name, tagged as the other type, stands
        for it from then on. A one-word "person" that articles in two or more take for
        an organisation is that organisation, however many took it for a person: no
        first name, no title, only the tagger's guess spoke for the person; so is such a
        "place" that no gazetteer knows. Stronger than any count of guesses is what the
        words around a name say (`cued`, kb.entities.counting.context_cues): no entity
        they typed gives way to guesses, and guesses give way to them where
        `yields_to_words`. Looked at for the entities counted since the last call, and the
        names typed by their words since then (an alias of another entity, perhaps)."""
        named = self.among("select key from entities where id in ({})", sorted(self.named))
        keys = set(self.works) | named | self.cued
        # Names of two entities or more: a vote only takes entities away, so no other name becomes one.
        shared = self.among(f"select e.key from entities e where {NAMESAKES_AMONG} "
                            "group by e.key having count(*) > 1", sorted(named - self.cued))
        for key in sorted(shared | self.cued):
            if key not in self.cued and self.db.execute(f"select count(*) from entities e where {NAMESAKES}",
                                                        [key]).fetchone()[0] < 2:
                continue  # one entity of the name, and no words typed it: nothing to weigh (most names)
            self.follow_the_words(key)
            self.first_name_decides(key)
            rivals = self.rivals(key)
            heavy = next((rival for rival in rivals if outweighs(rival, key)), None)
            if heavy is not None:
                for loser, kind, by_user, _, cued in rivals:
                    if loser != heavy[0] and not by_user and not cued and gives_way(kind, key):
                        self.touched.update(self.articles_of(loser))  # indexed under the other type
                        self.merge(loser, heavy[0])
                rivals = self.rivals(key)
            if len(rivals) < 2:
                continue
            (winner, _, _, most, _), *others = rivals
            for loser, _, by_user, articles, cued in others:
                if most >= 3 and most >= 3 * articles and not by_user and not cued:
                    self.touched.update(self.articles_of(loser))
                    self.merge(loser, winner)
        self.link_clipped_names(keys)
        self.drop_works(keys)
        self.cued = set()

    def link_clipped_names(self, keys: Iterable[str]) -> None:
        """A one-word organisation that begins the name of another ("Yugansk", 11 BBC
        articles, for Yuganskneftegas; "Baikal" for Baikal Finance Group) joins it, when
        that one is in two articles or more, in as many as the short name and three times
        as many as any other it begins; five letters at least ("Man" stays). Not Sony,
        in more articles than Sony Ericsson, nor an everyday word (kb/entities/data/lower.txt):
        "the Cabinet" is another body than the Cabinet Office."""
        from kb.entities.features import LEXICON

        words = sorted(k for k in keys if " " not in k and len(k) >= 5 and k not in LEXICON)
        # The names of an organisation (a merge takes one away, never adds one).
        for key in sorted(self.among("select key from entities where type = 'org' and key in ({})", words)):
            short = self.db.execute(f"select e.id, {ARTICLES} from entities e where e.type = 'org' and e.key = ? "
                                    "and e.ignored = 0 and e.named_by_user = 0", [key]).fetchone()
            if short is None:
                continue
            full = dominant(self.longer_orgs(key), at_least=max(2, short[1]))
            if full is not None:
                self.touched.update(self.articles_of(short[0]))
                self.merge(short[0], full)

    def longer_orgs(self, key: str) -> list[tuple[int, int]]:
        """(id, articles) of the two organisations in most articles whose names begin with
        `key`, after the second joins the first if their names are spelt alike (the
        Yuganskneftegas and Yuganskneftegaz of BBC's articles)."""
        found = self.db.execute(f"select e.id, {ARTICLES} n from entities e where e.type = 'org' and e.key > ? "
                                "and e.key < ? and e.ignored = 0 order by n desc, e.id limit 2",
                                [key, key + "\U0010ffff"]).fetchall()
        if len(found) == 2 and spelt_alike(self.name_of(found[0][0]), self.name_of(found[1][0])):
            self.touched.update(self.articles_of(found[1][0]))
            self.merge(found[1][0], found[0][0])
            return self.longer_orgs(key)
        return found

    def drop_works(self, keys: Iterable[str]) -> None:
        """A name whose words show it a work of art or an award ("the movie The Aviator",
        "Vera Drake" in quotes: kb.entities.counting.titles_of_works) in two articles or
        more, and in at least half as many as an entity of it was guessed in, is no
        person, organisation or place in any of them: the entity is hidden (ignored =
        WORK_HIDDEN) until a user shows it again. So is an organisation that none shows
        an organisation, and three articles, or a quarter as many as guessed it, show a
        work (the tagger's guess for an unknown name: The Aviator in 29 BBC articles, a
        film by the words of 6). Gazetteer places stay."""
        from kb.entities.features import GAZ_LOC

        counted = self.among("select key, count(*) from article_works where key in ({}) group by key "
                             "having count(*) > 1", sorted(keys), pairs=True)
        for key, works in sorted(counted.items()):
            for entity_id, kind, by_user, articles, cued in self.rivals(key):
                outweighed = 2 * works >= articles or (kind == "org" and not cued
                                                       and (works >= 3 or 4 * works >= articles))
                if outweighed and not by_user and not (kind == "place" and key in GAZ_LOC):
                    self.db.execute("update entities set ignored = ? where id = ?", [WORK_HIDDEN, entity_id])
                    self.touched.update(self.articles_of(entity_id))
        self.works = set()

    def follow_the_words(self, key: str) -> None:
        """Where the words of some articles give this name one type (and of none another),
        each entity of the name that only guesses typed otherwise, and that yields to
        them, takes that type (merged into its entity, if there is one). The words are
        read on every row, also where a vote already merged them into another type, or
        where the name is another name of the entity ("Hewlett Packard" of HP)."""
        # A union, not an `or`, and a cross join (the aliases first, by their key's index):
        # else SQLite reads every entity of the three types, at each call (4 ms a call at
        # 6,000 Reuters articles).
        said = self.db.execute(
            "select cued_type, count(*) from article_entities where cued_type is not null and entity_id in "
            "(select id from entities where type in ('person', 'org', 'place') and key = ? union "
            "select e.id from entity_aliases a cross join entities e on e.id = a.entity_id "
            "where a.key = ? and e.type in ('person', 'org', 'place')) group by cued_type", [key, key]).fetchall()
        if len(said) != 1:
            return
        (kind, articles), = said
        for loser, loser_kind, by_user, _, cued in self.rivals(key):
            if loser_kind != kind and not by_user and not cued and yields_to_words(loser_kind, key, articles):
                target = self.retype_target(loser, kind)
                self.touched.update(self.articles_of(loser))  # indexed under the other type
                if target == loser:
                    self.retype(loser, kind, by_user=False)
                else:
                    self.merge(loser, target)  # the name, tagged as the other type, stands for it

    def first_name_decides(self, key: str) -> None:
        """A name of several words that starts with a first name, guessed a person in some
        articles and an organisation in at most twice as many, none of whose words speak
        of an organisation, is a person (Howard Hughes: 6 and 10 BBC articles; not Morgan
        Stanley, a person in one article of fifty)."""
        from kb.entities.features import GAZ_FIRST

        if " " not in key or key.split(" ", 1)[0] not in GAZ_FIRST:
            return
        found = {kind: (entity_id, by_user, articles, cued) for entity_id, kind, by_user, articles, cued
                 in self.rivals(key)}
        person, org = found.get("person"), found.get("org")
        if person and org and not org[1] and not org[3] and 2 * person[2] >= org[2]:
            self.touched.update(self.articles_of(org[0]))
            self.merge(org[0], person[0])

    def among(self, sql: str, values: list, pairs: bool = False) -> set | dict:
        """The first column of the rows `sql` finds for `values`, NAMED_AT_ONCE at a time
        (its "{}" stands for their marks); as a dict of the first two, with `pairs`.

        >>> import sqlite3
        >>> table = EntityTable(sqlite3.connect(":memory:"))
        >>> table.among("select value from (select 'a' value union select 'b') where value in ({})", ["b", "c"])
        {'b'}
        """
        rows = [row for start in range(0, len(values), NAMED_AT_ONCE)
                for row in self.db.execute(sql.format(",".join("?" * len(values[start:start + NAMED_AT_ONCE]))),
                                           values[start:start + NAMED_AT_ONCE]).fetchall()]
        return dict(rows) if pairs else {row[0] for row in rows}

    def rivals(self, key: str) -> list[tuple[int, str, int, int, int]]:
        """(id, type, named_by_user, articles, cued) of each entity of this name, most
        articles first; `cued`: in how many its type is what the words say."""
        return self.db.execute(
            f"select e.id, e.type, e.named_by_user, {ARTICLES}, "
            "(select count(*) from article_entities ae where ae.entity_id = e.id and ae.cued_type = e.type) "
            f"from entities e where {NAMESAKES} order by 4 desc, e.id", [key]).fetchall()

    def link_surnames(self) -> None:
        """A person known by one word ("Blair", after "Mr Blair" in an article that names
        no Tony Blair) joins the full name ending with it that dominates the knowledge
        base: in at least 2 articles and 3 times as many as any other; with none dominant
        it stays apart. Looked at for the surnames of persons new since the last call."""
        for surname in sorted(self.surnames):
            alone = self.db.execute("select id from entities where type = 'person' and key = ? and named_by_user = 0",
                                    [surname]).fetchone()
            if alone is None:
                continue
            full = dominant(self.db.execute(
                f"select e.id, {ARTICLES} n from entities e where e.type = 'person' and e.surname = ? "
                "and e.ignored = 0 order by n desc, e.id limit 2", [surname]).fetchall())
            if full is not None:
                self.merge(alone[0], full)
        self.surnames = set()

    def _rename(self, entity_id: int, entity_type: str, old: str, new: str) -> None:
        self.db.execute("delete from entity_aliases where type = ? and key = ?", [entity_type, name_key(new)])
        self.db.execute("update entities set name = ?, key = ? where id = ?", [new, name_key(new), entity_id])
        if name_key(old) != name_key(new):
            self.db.execute("insert or replace into entity_aliases (type, key, alias, entity_id) values (?, ?, ?, ?)",
                            [entity_type, name_key(old), old, entity_id])
        self._ids.pop((entity_type, name_key(new)), None)  # the one name that may have named another

    # corrections -------------------------------------------------------------------------------
    def merge(self, source: int, target: int, by_user: bool = False) -> list[str]:
        """Fold entity `source` into `target` (mentions, aliases, its name); returns the
        articles touched. The target keeps its name when a user merged (else it is named
        by usage again)."""
        self.merges += 1
        articles = self.articles_of(source)
        for article_id, count, spans, cued_type in self.db.execute(
                "select article_id, count, spans, cued_type from article_entities where entity_id = ?",
                [source]).fetchall():
            row = self.db.execute("select count, spans from article_entities where article_id = ? and entity_id = ?",
                                  [article_id, target]).fetchone()
            if row:
                self.touched.add(article_id)
                merged = sorted(json.loads(row[1]) + json.loads(spans))
                self.db.execute("update article_entities set count = ?, spans = ?, cued_type = coalesce(cued_type, ?) "
                                "where article_id = ? and entity_id = ?",
                                [row[0] + count, json.dumps(merged), cued_type, article_id, target])
                self.db.execute("delete from article_entities where article_id = ? and entity_id = ?",
                                [article_id, source])
            else:
                self.db.execute("update article_entities set entity_id = ? where article_id = ? and entity_id = ?",
                                [target, article_id, source])
        entity_type, name = self.db.execute("select type, name from entities where id = ?", [source]).fetchone()
        for form, naming in self.db.execute("select form, articles from entity_forms where entity_id = ?",
                                            [source]).fetchall():
            self.db.execute("insert into entity_forms (entity_id, form, articles) values (?, ?, ?) on conflict "
                            "(entity_id, form) do update set articles = articles + excluded.articles",
                            [target, form, naming])
        self.db.execute("delete from entity_forms where entity_id = ?", [source])
        self.named.discard(source)
        if by_user:
            self.db.execute("update entities set named_by_user = 1 where id = ?", [target])
        else:
            self.named.add(target)
        self.db.execute("update entity_aliases set entity_id = ? where entity_id = ?", [target, source])
        self.db.execute("delete from entities where id = ?", [source])
        self.db.execute("insert or replace into entity_aliases (type, key, alias, entity_id) values (?, ?, ?, ?)",
                        [entity_type, name_key(name), name, target])
        for key in self._keys_of.pop(source, ()):  # every name of the source names the target now
            if self._ids.get(key) == source:  # (a later id may be the source's again: SQLite reuses the last)
                self._remember_id(key, target)
        return articles

    def rename(self, entity_id: int, new_name: str) -> list[str]:
        """Give the entity a new canonical name (the old one stays an alias); it keeps it,
        however other forms are used later."""
        entity_type, old = self.db.execute("select type, name from entities where id = ?", [entity_id]).fetchone()
        self._rename(entity_id, entity_type, old, new_name)
        self.db.execute("update entities set named_by_user = 1 where id = ?", [entity_id])
        return self.articles_of(entity_id)

    def retype_target(self, entity_id: int, new_type: str) -> int:
        """The entity that `retype(entity_id, new_type)` leaves: itself, or the entity of
        the new type its name names already."""
        found = self.find(new_type, self.name_of(entity_id))
        return entity_id if found is None else found

    def retype(self, entity_id: int, new_type: str, by_user: bool = True) -> list[str]:
        """Make the entity one of type `new_type` (an extractor's mistake: "Tony Blair" as an
        org), with its other names; an entity of that type that has its name already takes
        it in (a merge). A user's retype records each of its names, so that extracting them
        again (`kb reextract`, a new import) gives the new type. Returns the articles touched."""
        old_type, name = self.db.execute("select type, name from entities where id = ?", [entity_id]).fetchone()
        if old_type == new_type:
            raise KBError(f"{name!r} is of type {new_type} already")
        keys = [name_key(name)] + [row[0] for row in self.db.execute(
            "select key from entity_aliases where entity_id = ?", [entity_id])]
        if by_user:
            self._record_retype(old_type, keys, new_type)
        target = self.retype_target(entity_id, new_type)
        # Its other names go with it, but for those the new type gives another entity already.
        self.db.execute("update or ignore entity_aliases set type = ? where entity_id = ?", [new_type, entity_id])
        self.db.execute("delete from entity_aliases where entity_id = ? and type = ?", [entity_id, old_type])
        self._forget_ids()
        if target == entity_id:
            self.db.execute("update entities set type = ? where id = ?", [new_type, entity_id])
            return self.articles_of(entity_id)
        articles = self.merge(entity_id, target, by_user=by_user)
        # The merge kept the old name as an alias of the old type: it is one of the new type now.
        self.db.execute("delete from entity_aliases where entity_id = ? and type != ?", [target, new_type])
        self.db.execute("insert or ignore into entity_aliases (type, key, alias, entity_id) select ?, ?, ?, ? "
                        "where not exists (select 1 from entities where id = ? and key = ?)",
                        [new_type, name_key(name), name, target, target, name_key(name)])
        return articles

    def _record_retype(self, old_type: str, keys: list[str], new_type: str) -> None:
        """(old_type, key) -> new_type for each key; a record that led to `old_type` now
        leads to `new_type`, and none leads from a type to itself (a retype undone)."""
        for key in keys:
            self.db.execute("update entity_retypes set new_type = ? where key = ? and new_type = ?",
                            [new_type, key, old_type])
            self.db.execute("insert or replace into entity_retypes (type, key, new_type) values (?, ?, ?)",
                            [old_type, key, new_type])
            self.db.execute("delete from entity_retypes where key = ? and type = new_type", [key])
        self._retyped = None

    def set_ignored(self, entity_id: int, ignored: bool = True) -> list[str]:
        """Hide (or show again) an entity everywhere: a stop-entity. One a user shows
        again stays shown: no vote hides it (as a work) again."""
        self.db.execute("update entities set ignored = ?, named_by_user = named_by_user or ? where id = ?",
                        [int(ignored), int(not ignored), entity_id])
        return self.articles_of(entity_id)

    def articles_of(self, entity_id: int) -> list[str]:
        return [r[0] for r in self.db.execute("select article_id from article_entities where entity_id = ?",
                                              [entity_id])]

    # reading ------------------------------------------------------------------------------------
    def resolve(self, name: str, entity_type: str | None = None) -> int:
        """The one entity a user means by `name` (and type); a clear error otherwise."""
        types = [entity_type] if entity_type else list(ENTITY_TYPES)
        found = {t: i for t in types if (i := self.find(t, name)) is not None}
        if not found:
            raise NotFoundError(f"no entity named {name!r}" + (f" of type {entity_type}" if entity_type else ""))
        if len(found) > 1:
            raise KBError(f"{name!r} names entities of several types ({', '.join(found)}): say which with --type")
        return next(iter(found.values()))

    def describe(self, entity_id: int) -> dict:
        """Type, name, aliases, article and mention counts, first and last publication date;
        `ignored` by a user, or `work`: hidden as a work of art (drop_works)."""
        entity_type, name, ignored = self.db.execute(
            "select type, name, ignored from entities where id = ?", [entity_id]).fetchone()
        articles, mentions, first, last = self.db.execute(
            "select count(*), sum(ae.count), min(a.published), max(a.published) from article_entities ae "
            "join articles a on a.id = ae.article_id where ae.entity_id = ?", [entity_id]).fetchone()
        aliases = [r[0] for r in self.db.execute(
            "select distinct alias from entity_aliases where entity_id = ? order by alias", [entity_id])]
        return {"id": entity_id, "type": entity_type, "name": name, "aliases": aliases, "ignored": bool(ignored),
                "work": ignored == WORK_HIDDEN, "articles": articles, "mentions": mentions or 0, "first_seen": first, "last_seen": last}

    def top(self, entity_type: str | None = None, limit: int = 20) -> list[dict]:
        """The entities in most articles (stop-entities left out)."""
        where = "where e.ignored = 0" + (" and e.type = ?" if entity_type else "")
        rows = self.db.execute(
            "select e.type, e.name, count(*), sum(ae.count) from article_entities ae join entities e "
            f"on e.id = ae.entity_id {where} group by e.id order by 3 desc, 4 desc, e.name limit ?",
            [*([entity_type] if entity_type else []), limit])
        return [{"type": t, "name": n, "articles": a, "mentions": m} for t, n, a, m in rows]

    def co_occurring(self, entity_id: int, limit: int = 10) -> list[dict]:
        """The entities sharing most articles with this one."""
        rows = self.db.execute(
            "select e.type, e.name, count(*) from article_entities mine join article_entities other "
            "on other.article_id = mine.article_id and other.entity_id != mine.entity_id "
            "join entities e on e.id = other.entity_id where mine.entity_id = ? and e.ignored = 0 "
            "group by e.id order by 3 desc, e.name limit ?", [entity_id, limit])
        return [{"type": t, "name": n, "articles": c} for t, n, c in rows]

    def co_occurring_by_month(self, entity_id: int, months: int = 12, per_month: int = 3) -> list[dict]:
        """For its latest `months` months with articles: the entities it appeared with most."""
        rows = self.db.execute(
            "select substr(a.published, 1, 7) month, e.name, count(*) n from article_entities mine "
            "join articles a on a.id = mine.article_id join article_entities other "
            "on other.article_id = mine.article_id and other.entity_id != mine.entity_id "
            "join entities e on e.id = other.entity_id where mine.entity_id = ? and e.ignored = 0 "
            "and a.published is not null group by month, e.id order by month desc, n desc, e.name", [entity_id])
        by_month: dict[str, list[dict]] = {}
        for month, name, count in rows:
            if month not in by_month and len(by_month) == months:
                break
            if len(by_month.setdefault(month, [])) < per_month:
                by_month[month].append({"name": name, "articles": count})
        return [{"month": month, "with": names} for month, names in by_month.items()]

    def latest_articles(self, entity_id: int, limit: int = 5) -> list[dict]:
        rows = self.db.execute(
            "select a.id, a.title, a.published from article_entities ae join articles a on a.id = ae.article_id "
            "where ae.entity_id = ? order by a.published desc nulls last, a.rowid desc limit ?", [entity_id, limit])
        return [{"id": i, "title": t, "published": p} for i, t, p in rows]
