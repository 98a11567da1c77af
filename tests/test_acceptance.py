"""The foundation's acceptance points, end to end through the real CLI."""
from __future__ import annotations

import json
import sqlite3

import pytest

from backends import backend, copy_on, init_args, remove_index, seeded_path  # noqa: F401 (backend, seeded_path: fixtures, each test on both backends)
from helpers import SEED, SEED_TITLE


def test_search_finds_seed_with_highlighted_terms(invoke, seeded_path):
    result = invoke("search", "IRS AND ICE", kb_path=seeded_path)
    assert result.exit_code == 0
    assert result.stdout.startswith("1 match for IRS AND ICE")
    assert f"1. {SEED_TITLE}" in result.stdout
    assert "[IRS]" in result.stdout and "[ICE]" in result.stdout


@pytest.mark.parametrize("query", ["Bondi", "Mamdani", '"Latest articles"', '"More like this"', "Epstein"])
def test_teasers_and_chrome_are_not_searchable(invoke, seeded_path, query):
    result = invoke("search", query, kb_path=seeded_path)
    assert result.exit_code == 0
    assert result.stdout.startswith("0 matches")


@pytest.mark.parametrize("query", ['"Public Citizen"', '"taxpayer privacy"'])
def test_article_phrases_are_searchable(invoke, seeded_path, query):
    result = invoke("search", query, kb_path=seeded_path)
    assert result.stdout.startswith("1 match")
    assert SEED_TITLE in result.stdout


def test_importing_twice_stores_once(invoke, tmp_path, backend):
    if backend is not None:
        assert invoke("init", *init_args(backend)).exit_code == 0
    first = invoke("import", SEED)
    second = invoke("import", SEED)
    assert first.stdout.startswith("Imported 1 article, 0 duplicates")
    assert second.stdout.startswith("Imported 0 articles, 1 duplicate,")
    stats = json.loads(invoke("stats", "--json").stdout)
    assert stats["articles"] == 1


def test_seed_facets_name_its_actors_and_not_the_teasers(invoke, seeded_path):
    data = json.loads(invoke("search", "IRS", "--json", kb_path=seeded_path).stdout)
    facets = {kind: {v["value"] for v in values} for kind, values in data["facets"].items()}
    assert {"IRS", "ICE", "Public Citizen"} <= facets["org"]
    assert {"Scott Bessent", "Kristi Noem"} <= facets["person"]
    names = set().union(*facets.values())
    assert not names & {"Pam Bondi", "Bondi", "Zohran Mamdani", "Mamdani", "Epstein", "Donald Trump"}
    assert not names & {"More", "Published", "Latest", "Creepy"}


def test_reindex_from_sqlite_gives_the_same_results(invoke, seeded_path):
    queries = ["IRS AND ICE", '"Public Citizen"', "org:ICE", "person:\"Kristi Noem\"", "Treasury OR Bondi"]
    before = [json.loads(invoke("search", q, "--json", kb_path=seeded_path).stdout) for q in queries]
    remove_index(seeded_path)
    result = invoke("reindex", kb_path=seeded_path)
    assert result.exit_code == 0 and result.stdout.strip() == "Indexed 1 article"
    after = [json.loads(invoke("search", q, "--json", kb_path=seeded_path).stdout) for q in queries]
    assert after == before
    assert all(b["total"] == 1 for b in before[:4])


def test_a_large_reindex_writes_in_several_processes_and_gives_the_same_results(
        invoke, reuters_path, tmp_path, monkeypatch, backend):
    import multiprocessing

    import kb.api

    path = copy_on(reuters_path, tmp_path / "reuters", backend)
    queries = ["oil AND prices", '"interest rates"', "cocoa OR coffee", "shar*"]

    def matches(query):  # with their scores (the order of equal scores follows the segments)
        found = invoke("search", query, "--json", "--limit", "1000", kb_path=path).stdout
        return sorted((hit["id"], round(hit["score"], 6)) for hit in json.loads(found)["hits"])
    # Against a reindex in one process: articles indexed again after entity merges leave
    # deleted copies whose lengths Whoosh's statistics keep, even through a merge.
    assert invoke("reindex", kb_path=path).exit_code == 0
    before = [matches(q) for q in queries]
    monkeypatch.setattr(kb.api, "LARGE_REINDEX", 100)
    monkeypatch.setattr(kb.api, "cores", lambda: 2)
    with sqlite3.connect(path / "kb.db") as db:
        stored = db.execute("select count(*) from articles").fetchone()[0]
    assert invoke("reindex", kb_path=path).stdout.strip() == f"Indexed {stored} articles"
    assert [matches(q) for q in queries] == before and all(before)
    if backend is None:  # Whoosh's rebuild writes segments in processes, not forked from the CLI's
        assert multiprocessing.get_start_method() in ("forkserver", "spawn")


def test_missing_index_is_rebuilt_by_the_next_search(invoke, seeded_path):
    remove_index(seeded_path)
    assert invoke("search", "IRS AND ICE", kb_path=seeded_path).stdout.startswith("1 match")


def test_unreadable_query_is_one_line_error(invoke, seeded_path):
    result = invoke("search", "IRS AND (", kb_path=seeded_path)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == "Error: unclosed '(' at position 9\n"


def test_invalid_json_file_is_one_line_error_and_store_is_unchanged(invoke, seeded_path, tmp_path):
    bad = tmp_path / "broken.json"
    bad.write_text('[\n  {"title": "A", "body": "text"},\n  {"title": oops}\n]\n')
    before = invoke("stats", "--json", kb_path=seeded_path).stdout
    result = invoke("import", bad, kb_path=seeded_path)
    assert result.exit_code == 1
    errors = result.stderr.strip().splitlines()
    assert errors == [f"Error: {bad}, line 3: not valid JSON: Expecting value (column 13)"]
    assert "Traceback" not in result.output
    after = json.loads(invoke("stats", "--json", kb_path=seeded_path).stdout)
    assert after["articles"] == json.loads(before)["articles"] == 1
    assert invoke("search", "IRS AND ICE", kb_path=seeded_path).stdout.startswith("1 match")


def test_json_highlight_spans_point_at_the_matched_words(invoke, seeded_path):
    data = json.loads(invoke("search", 'IRS OR ice OR "taxpayer data"', "--json", kb_path=seeded_path).stdout)
    assert data["total"] == 1
    hit = data["hits"][0]
    assert {"id", "score", "title", "url", "published", "source", "snippets", "entities"} <= hit.keys()
    marked = [s["text"][span["start"]:span["end"]] for s in hit["snippets"] for span in s["spans"]]
    assert marked, "expected highlighted words"
    assert {word.lower() for word in marked} <= {"irs", "ice", "taxpayer", "data"}
    for snippet in hit["snippets"]:
        for span in snippet["spans"]:
            before = snippet["text"][span["start"] - 1] if span["start"] else " "
            after = snippet["text"][span["end"]] if span["end"] < len(snippet["text"]) else " "
            assert not before.isalnum() and not after.isalnum()  # whole words, exactly
