"""Every stored article has a language (the source's, else detected on import) and,
when it has a URL, a source."""
from __future__ import annotations

import json

from helpers import DATA
from importers import parse_file
from importers.language import detect_language
from kb.models import Article


def articles(records) -> list[Article]:
    return [r for r in records if isinstance(r, Article)]


def stored_languages(kb, path, **options) -> set:
    kb.import_paths([path], **options)
    return {article.language for batch in kb.store.iter_articles() for article in batch}


def test_portuguese_feed_without_a_language_is_detected_as_pt(kb):
    path = DATA / "feeds" / "uol-noticias-latin1.rss"
    assert {a.language for a in articles(parse_file(path))} == {None}  # the feed says none
    assert stored_languages(kb, path) == {"pt"}


def test_bbc_stories_are_detected_as_en(kb):
    path = DATA / "delimited" / "bbc-2-rows.tsv"
    assert stored_languages(kb, path, mapping={"title": "heading", "body": "story"}) == {"en"}


def test_a_language_the_source_gives_is_kept(kb, tmp_path):
    path = tmp_path / "a.json"
    path.write_text(json.dumps({"title": "T", "body": "The council approved the budget on Monday.", "lang": "pt-BR"}))
    assert [a.language for a in parse_file(path)] == ["pt-BR"]
    assert stored_languages(kb, path) == {"pt-BR"}


def test_articles_added_through_the_api_get_a_language_too(kb):
    kb.add(Article(title="Orçamento", body="O governo federal anunciou hoje novas medidas para a economia."))
    assert {article.language for batch in kb.store.iter_articles() for article in batch} == {"pt"}


def test_short_text_gets_no_language():
    assert detect_language("OK") is None
    assert detect_language("Die Regierung hat heute neue Maßnahmen angekündigt.") == "de"


def test_source_falls_back_to_the_registered_domain(tmp_path):
    path = tmp_path / "a.jsonl"
    rows = [{"title": "A", "body": "Body one of the story.", "url": "https://news.bbc.co.uk/x/1"},
            {"title": "B", "body": "Body two of the story.", "url": "https://www.example.org/2", "source": "Wire"},
            {"title": "C", "body": "Body three of the story."}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    assert [a.source for a in parse_file(path)] == ["bbc.co.uk", "Wire", None]


def test_feed_articles_keep_the_feed_name():
    assert {a.source for a in articles(parse_file(DATA / "feeds" / "huffpost-canada.xml"))} != {None}


def test_import_source_and_lang_fill_in_what_articles_do_not_give(invoke, tmp_path):
    """--source beats the URL's domain (a guess), never a source the article names; --lang
    is taken as given (the German body is not detected as de)."""
    path = tmp_path / "a.jsonl"
    rows = [{"title": "A", "body": "Die Regierung hat heute neue Maßnahmen angekündigt.",
             "url": "https://www.example.org/a"},
            {"title": "B", "body": "The council approved the budget on Monday.", "source": "Wire", "language": "pt"}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    result = invoke("import", path, "--source", " City Desk ", "--lang", "EN")
    assert result.exit_code == 0, result.stderr
    hits = json.loads(invoke("search", "title:A OR title:B", "--json").stdout)["hits"]
    assert {hit["title"]: hit["source"] for hit in hits} == {"A": "City Desk", "B": "Wire"}
    assert json.loads(invoke("search", "*", "--lang", "en", "--json").stdout)["total"] == 1
    assert json.loads(invoke("search", "*", "--lang", "pt", "--json").stdout)["total"] == 1
    assert json.loads(invoke("search", "*", "--source", "City Desk", "--json").stdout)["total"] == 1


def test_import_refuses_a_language_that_is_no_code(invoke, tmp_path):
    result = invoke("import", DATA / "feeds" / "heise.atom", "--lang", "English")
    assert result.exit_code == 2 and "use a language code such as en, pt or pt-BR" in result.stderr
    assert not (tmp_path / "cli-kb").exists()
