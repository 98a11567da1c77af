"""`kb search` agrees with a brute-force reader of kb.db, on real Reuters articles.

The reference shares no code with newskb's index: it reads the stored title and body
from SQLite itself, splits and folds the words by the rules the README documents (a
word is a run of word characters, a dot between two of them joining; lower case;
accents folded), and evaluates each query as a plain Python predicate. Unquoted words
are compared by their Porter stems (the one piece it takes from elsewhere: the README
says words are stemmed); quoted words, prefixes and wildcards by the words as written.
Entity filters read `article_entities`, `entities` and `entity_aliases` with SQL.

The same queries give the same ids after `kb reindex`, and in a knowledge base that
imported the same file with its articles in reverse order.
"""
from __future__ import annotations

import fnmatch
import json
import re
import shutil
import sqlite3
import unicodedata
from functools import lru_cache

import pytest
from whoosh.lang.porter import stem

from backends import BACKENDS, copy_on, index_settings, init_args
from helpers import kb_command, sliced
from kb import KnowledgeBase

WORD = re.compile(r"\w+(?:\.\w+)*")


def fold(word: str) -> str:
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@lru_cache(maxsize=None)
def stem_of(word: str) -> str:
    return stem(fold(word))


def words_of(text: str | None) -> list[str]:
    return [fold(w) for w in WORD.findall(text or "")]


def edits(a: str, b: str) -> int:
    """Levenshtein distance."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]


class Doc:
    """One stored article as the reference reads it."""

    def __init__(self, row: sqlite3.Row, entities: dict[str, set[int]]):
        self.id, self.published, self.language = row["id"], row["published"], row["language"]
        self.words = {"title": words_of(row["title"]), "body": words_of(row["body"]),
                      "source": words_of(row["source"]), "author": words_of(" ".join(authors_of(row)))}
        self.stems = {field: {stem_of(w) for w in words} for field, words in self.words.items()}
        self.entities = entities

    def fields(self, field: str | None) -> list[str]:
        return [field] if field else ["title", "body"]

    def has(self, word: str, field: str | None = None) -> bool:
        """An unquoted word: its stem is a stem of the text (title or body), or for the
        source and author fields, the folded word itself."""
        if field in ("source", "author"):
            return fold(word) in self.words[field]
        return any(stem_of(word) in self.stems[f] for f in self.fields(field))

    def phrase(self, text: str, field: str | None = None) -> bool:
        wanted = words_of(text)
        for f in self.fields(field):
            words = self.words[f]
            if any(words[i:i + len(wanted)] == wanted for i in range(len(words) - len(wanted) + 1)):
                return True
        return False

    def near(self, text: str, distance: int, field: str | None = None) -> bool:
        """Every word of `text` (as often as it is written), first to last at most
        `distance` positions apart, in any order."""
        wanted = words_of(text)
        for f in self.fields(field):
            words = self.words[f]
            for start in range(len(words)):
                window = words[start:start + distance + 1]
                if words[start] in wanted and all(window.count(w) >= wanted.count(w) for w in wanted):
                    return True
        return False

    def prefix(self, start: str, field: str | None = None) -> bool:
        return any(w.startswith(fold(start)) for f in self.fields(field) for w in self.words[f])

    def wildcard(self, pattern: str) -> bool:
        compiled = re.compile(fnmatch.translate(fold(pattern)))
        return any(compiled.match(w) for f in self.fields(None) for w in self.words[f])

    def fuzzy(self, word: str, distance: int = 1) -> bool:
        wanted = stem_of(word)
        return any(edits(wanted, s) <= distance for f in self.fields(None) for s in self.stems[f])

    def mentions(self, entity_type: str, name: str) -> bool:
        return name.lower() in self.entities.get(entity_type, set())

    def published_between(self, start: str, end: str) -> bool:
        return self.published is not None and start <= self.published[:10] <= end


def authors_of(row) -> list[str]:
    return json.loads(row["authors"] or "[]")


def read_docs(db_path) -> list[Doc]:
    """Every stored article, with the names (and aliases) of the entities it mentions,
    lower case, read with SQL from the store (entities a user ignored left out)."""
    with sqlite3.connect(db_path) as db:
        db.row_factory = sqlite3.Row
        names: dict[str, dict[str, set[str]]] = {}
        rows = db.execute(
            "select ae.article_id, e.type, lower(e.name) from article_entities ae join entities e "
            "on e.id = ae.entity_id where e.ignored = 0 union "
            "select ae.article_id, e.type, lower(a.alias) from article_entities ae join entities e "
            "on e.id = ae.entity_id join entity_aliases a on a.entity_id = e.id where e.ignored = 0")
        for article_id, entity_type, name in rows:
            names.setdefault(article_id, {}).setdefault(entity_type, set()).add(" ".join(name.split()))
        return [Doc(row, names.get(row["id"], {})) for row in db.execute("select * from articles")]


QUERIES = [
    # words, booleans, grouping, +/-
    ("cocoa", lambda d: d.has("cocoa")),
    ("COCOA AND Bahia", lambda d: d.has("cocoa") and d.has("Bahia")),
    ("cocoa OR coffee", lambda d: d.has("cocoa") or d.has("coffee")),
    ("coffee NOT Brazil", lambda d: d.has("coffee") and not d.has("Brazil")),
    ("(oil OR crude) AND OPEC", lambda d: (d.has("oil") or d.has("crude")) and d.has("OPEC")),
    ("(wheat OR corn) AND NOT (export OR exports)",
     lambda d: (d.has("wheat") or d.has("corn")) and not (d.has("export") or d.has("exports"))),
    ("shares AND (profit OR loss) AND NOT dividend",
     lambda d: d.has("shares") and (d.has("profit") or d.has("loss")) and not d.has("dividend")),
    ("+bank -Fed", lambda d: d.has("bank") and not d.has("Fed")),
    ("+trade +Japan -semiconductor", lambda d: d.has("trade") and d.has("Japan") and not d.has("semiconductor")),
    ("IRS OR ICE OR US", lambda d: d.has("IRS") or d.has("ICE") or d.has("US")),
    # stemming, and the exact words in quotes
    ("rate", lambda d: d.has("rate")),
    ("rates", lambda d: d.has("rates")),
    ('"rate"', lambda d: d.phrase("rate")),
    ('"rates"', lambda d: d.phrase("rates")),
    ('"rates" NOT "rate"', lambda d: d.phrase("rates") and not d.phrase("rate")),
    ("market", lambda d: d.has("market")),
    ('"market"', lambda d: d.phrase("market")),
    ('"markets" AND NOT "market"', lambda d: d.phrase("markets") and not d.phrase("market")),
    ('"dollar"', lambda d: d.phrase("dollar")),
    ('"bid"', lambda d: d.phrase("bid")),
    ('"debt"', lambda d: d.phrase("debt")),
    ("rising", lambda d: d.has("rising")),
    ("exporting OR exported", lambda d: d.has("exporting") or d.has("exported")),
    # phrases
    ('"West German"', lambda d: d.phrase("West German")),
    ('"trade deficit"', lambda d: d.phrase("trade deficit")),
    ('"Bank of Japan"', lambda d: d.phrase("Bank of Japan")),
    ('"mln dlrs"', lambda d: d.phrase("mln dlrs")),
    ('"interest rates" AND cut', lambda d: d.phrase("interest rates") and d.has("cut")),
    ('"oil prices" OR "crude oil"', lambda d: d.phrase("oil prices") or d.phrase("crude oil")),
    ('"net loss" NOT "net profit"', lambda d: d.phrase("net loss") and not d.phrase("net profit")),
    ('"United States" AND "Japan"', lambda d: d.phrase("United States") and d.phrase("Japan")),
    ('"prices rose"', lambda d: d.phrase("prices rose")),
    ('"rate cut"', lambda d: d.phrase("rate cut")),
    # hyphenated words: the phrase of their parts (the hyphen was read as NOT)
    ("long-term", lambda d: d.phrase("long term")),
    ("year-end OR title:mid-year", lambda d: d.phrase("year end") or d.phrase("mid year", "title")),
    # proximity: within N positions, either order
    ('"oil prices"~3', lambda d: d.near("oil prices", 3)),
    ('"prices oil"~3', lambda d: d.near("prices oil", 3)),
    ('"trade Japan"~5', lambda d: d.near("trade Japan", 5)),
    ('"Japan trade"~5', lambda d: d.near("Japan trade", 5)),
    ('"Baker Treasury"~5', lambda d: d.near("Baker Treasury", 5)),
    ('"dollar yen"~4', lambda d: d.near("dollar yen", 4)),
    ('"said said"~3', lambda d: d.near("said said", 3)),
    ('"oil prices OPEC"~10', lambda d: d.near("oil prices OPEC", 10)),
    # prefixes and wildcards: every word that starts so, as written
    ("generat*", lambda d: d.prefix("generat")),
    ("explorat*", lambda d: d.prefix("explorat")),
    ("nation*", lambda d: d.prefix("nation")),
    ("deport* OR export*", lambda d: d.prefix("deport") or d.prefix("export")),
    ("Brazil*", lambda d: d.prefix("brazil")),
    ("gen?ral", lambda d: d.wildcard("gen?ral")),
    ("c*coa", lambda d: d.wildcard("c*coa")),
    ("title:oil*", lambda d: d.prefix("oil", "title")),
    # fuzzy words: stems one edit away
    ("Bahai~", lambda d: d.fuzzy("Bahai")),
    ("coffe~ AND price", lambda d: d.fuzzy("coffe") and d.has("price")),
    # fields
    ("title:cocoa", lambda d: d.has("cocoa", "title")),
    ("title:oil AND body:OPEC", lambda d: d.has("oil", "title") and d.has("OPEC", "body")),
    ('title:"money market"', lambda d: d.phrase("money market", "title")),
    ("body:sugar NOT title:sugar", lambda d: d.has("sugar", "body") and not d.has("sugar", "title")),
    ("source:reuters AND tin", lambda d: d.has("reuters", "source") and d.has("tin")),
    ("author:smith OR oil", lambda d: d.has("smith", "author") or d.has("oil")),
    # entities, with their aliases
    ("org:OPEC", lambda d: d.mentions("org", "OPEC")),
    ("org:opec AND oil", lambda d: d.mentions("org", "OPEC") and d.has("oil")),
    ("place:Japan", lambda d: d.mentions("place", "Japan")),
    ("place:JAPAN NOT place:\"United States\"",
     lambda d: d.mentions("place", "Japan") and not d.mentions("place", "United States")),
    ('person:"James Baker" OR person:Baker', lambda d: d.mentions("person", "James Baker")
     or d.mentions("person", "Baker")),
    ("org:\"Federal Reserve\" AND \"discount rate\"",
     lambda d: d.mentions("org", "Federal Reserve") and d.phrase("discount rate")),
    # dates and languages
    ("published:1987-02-26", lambda d: d.published_between("1987-02-26", "1987-02-26")),
    ("published:1987-03", lambda d: d.published_between("1987-03-01", "1987-03-31")),
    ("published:[1987-02-26 TO 1987-03-01]", lambda d: d.published_between("1987-02-26", "1987-03-01")),
    ("oil AND published:>=1987-03", lambda d: d.has("oil") and d.published_between("1987-03-01", "9999")),
    ("grain AND published:<1987-03", lambda d: d.has("grain") and d.published_between("0000", "1987-02-28")),
    ("(gold OR silver) AND published:[1987-02-26 TO 1987-02-27]",
     lambda d: (d.has("gold") or d.has("silver")) and d.published_between("1987-02-26", "1987-02-27")),
    ("lang:en AND sugar", lambda d: (d.language or "").lower().startswith("en") and d.has("sugar")),
]


def ids_found(kb: KnowledgeBase, query: str) -> set[str]:
    return {hit.id for hit in kb.iter_hits(query, batch=1000, fragments=0)}


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request):
    """Every query on Whoosh and on OpenSearch."""
    return request.param


@pytest.fixture(scope="module")
def reuters(reuters_path, backend, request, tmp_path_factory):
    """The Reuters fixture, on the backend's index (for OpenSearch a copy moved to a new index)."""
    path = reuters_path
    if backend != "whoosh":
        path = copy_on(reuters_path, tmp_path_factory.mktemp("reuters-on") / "kb", index_settings(request, backend))
    with KnowledgeBase(path) as kb:
        yield kb, read_docs(path / "kb.db")


@pytest.fixture(scope="module")
def reversed_and_reindexed(reuters_path, backend, request, tmp_path_factory):
    """The Reuters fixture imported with its articles in reverse order; and a copy of the
    fixture after `kb reindex` (on OpenSearch: `kb reindex --index opensearch`, a move)."""
    source = sliced("reuters-21578", "reut2-000.sgm")
    text = source.read_bytes().decode("latin-1")
    head, *records = re.split(r"(?=<REUTERS )", text)
    folder = tmp_path_factory.mktemp("reversed")
    (folder / "reversed.sgm").write_bytes((head + "".join(reversed(records))).encode("latin-1"))
    with KnowledgeBase(folder / "kb", index=index_settings(request, backend)) as kb:
        kb.import_paths([folder / "reversed.sgm"])
    reindexed = folder / "reindexed"
    shutil.copytree(reuters_path, reindexed)
    moved = index_settings(request, backend)
    done = kb_command(reindexed, "reindex", *init_args(moved))
    assert done.returncode == 0, done.stderr
    return folder / "kb", reindexed


@pytest.mark.parametrize("query, predicate", QUERIES, ids=[q for q, _ in QUERIES])
def test_index_agrees_with_brute_force(reuters, query, predicate):
    kb, docs = reuters
    expected = {doc.id for doc in docs if predicate(doc)}
    assert ids_found(kb, query) == expected
    assert kb.search(query, facets=0).total == len(expected)


def test_the_same_ids_after_reindex_and_in_reverse_import_order(reuters, reversed_and_reindexed):
    """The same ids, but for articles stored with another date: of an article sent twice
    with different dates, the first copy is kept (with its date; the second is a
    duplicate), and which is first depends on the order."""
    kb, docs = reuters
    dates = {d.id: d.published for d in docs}
    differing = {}
    for path in reversed_and_reindexed:
        with KnowledgeBase(path) as other:
            other_docs = read_docs(path / "kb.db")
            assert {d.id for d in other_docs} == set(dates)
            redated = {d.id for d in other_docs if d.published != dates[d.id]}
            assert len(redated) <= 20  # 12 in reut2-000.sgm
            for query, predicate in QUERIES:
                found, expected = ids_found(other, query), {d.id for d in other_docs if predicate(d)}
                if found != expected or found - redated != ids_found(kb, query) - redated:
                    differing[(path.name, query)] = (len(found), len(expected))
    assert differing == {}


def test_the_reference_set_is_not_trivial(reuters):
    kb, docs = reuters
    sizes = {query: sum(1 for doc in docs if predicate(doc)) for query, predicate in QUERIES}
    assert len(QUERIES) >= 60 and len(docs) > 900
    assert sum(1 for n in sizes.values() if 0 < n < len(docs)) >= 55
    # the cases the independent reader found: exact words and their inflections differ
    assert sizes['"rate"'] < sizes["rate"] and sizes['"rates" NOT "rate"'] > 0
    assert sizes['"markets" AND NOT "market"'] > 0 and sizes["generat*"] > 0
    assert sizes['"oil prices"~3'] == sizes['"prices oil"~3'] > 0
