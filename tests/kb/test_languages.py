"""Languages as a reader filters by them: stored as BCP 47 tags in one case form, a
language finding each of its variants, a variant itself only; older knowledge bases migrated."""
from __future__ import annotations

import json
import shutil
import sqlite3

import pytest

from helpers import corpus
from kb import KnowledgeBase

pytestmark = pytest.mark.corpora  # real pages of readability-news-pages

# Real pages: the language each declares (<html lang="...">), and the tag stored for it.
PAGES = [
    (("newspaper-fulltext-fixtures", "html", "wnet.org1.html"), "en-US", "en-US"),
    (("readability-news-pages", "pages", "ars-1", "source.html"), "en-us", "en-US"),
    (("newspaper-fulltext-fixtures", "html", "glamour.com1.html"), "en-us", "en-US"),
    (("readability-news-pages", "pages", "telegraph", "source.html"), "en-GB", "en-GB"),
    (("article-extraction-benchmark", "html",
      "8b194530308204139d9c8f7d495a26b117c78756ac1802cfc3c0a8bfdf2c0d50.html"), "en-gb", "en-GB"),
    (("newspaper-fulltext-fixtures", "html", "theglobeandmail.com1.html"), "en-ca", "en-CA"),
    (("newspaper-fulltext-fixtures", "html", "foxbusiness.com1.html"), "en", "en"),
    (("readability-news-pages", "pages", "folha", "source.html"), "pt-BR", "pt-BR"),
]


@pytest.fixture(scope="module")
def pages_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("languages") / "kb"
    with KnowledgeBase(path) as kb:
        kb.import_paths([corpus(*parts) for parts, _, _ in PAGES])
    return path


def stored_languages(path) -> dict[str, str]:
    with sqlite3.connect(path / "kb.db") as db:
        return dict(db.execute("select origin, language from articles").fetchall())


def test_languages_are_stored_in_one_case_form(pages_path):
    for parts, declared, _ in PAGES:  # as the pages declare them
        assert f'lang="{declared}"' in corpus(*parts).read_text(errors="replace")[:5000].replace("'", '"'), parts
    assert stored_languages(pages_path) == {str(corpus(*parts)): stored for parts, _, stored in PAGES}


@pytest.mark.parametrize("code", ["en", "EN", "en-US", "en-us", "en-gb", "En-Ca", "pt", "pt-BR"])
def test_a_language_finds_each_of_its_variants_and_a_variant_itself(invoke, pages_path, code):
    wanted = code.lower()
    expected = sum(1 for _, _, stored in PAGES
                   if stored.lower() == wanted or "-" not in wanted and stored.lower().startswith(f"{wanted}-"))

    def total(*args):
        return json.loads(invoke("search", *args, "--json", kb_path=pages_path).stdout)["total"]

    assert total("*", "--lang", code) == total(f"lang:{code}") == total(f"* AND lang:{code}") == expected
    if code in ("en", "en-US"):
        assert 1 < expected < len(PAGES)


def test_an_older_knowledge_base_has_its_languages_migrated(invoke, pages_path, tmp_path):
    path = tmp_path / "old"
    path.mkdir()
    with sqlite3.connect(pages_path / "kb.db") as db, sqlite3.connect(path / "kb.db") as old:
        db.backup(old)
    shutil.copytree(pages_path / "index", path / "index")
    with sqlite3.connect(path / "kb.db") as old:  # the languages as the pages declare them, at schema 7
        for parts, declared, _ in PAGES:
            old.execute("update articles set language = ? where origin = ?", [declared, str(corpus(*parts))])
        old.execute("drop index idx_entity_aliases_key")  # what versions 9, 10 and 11 added
        old.execute("drop table entity_retypes")
        old.execute("drop table article_works")
        old.execute("alter table article_entities drop column cued_type")
        old.execute("update meta set value = '7' where key = 'schema_version'")
    assert invoke("search", "*", "--lang", "en-GB", "--format", "ids", kb_path=path).exit_code == 0
    assert stored_languages(path) == {str(corpus(*parts)): stored for parts, _, stored in PAGES}
    with sqlite3.connect(path / "kb.db.v7.bak") as backup:
        assert {row[0] for row in backup.execute("select language from articles")} == {d for _, d, _ in PAGES}
