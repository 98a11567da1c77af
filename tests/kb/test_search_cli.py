"""`kb search`, `show --highlight`, `similar` and `count` on real Reuters articles."""
from __future__ import annotations

import contextlib
import csv
import io
import json
import os
from pathlib import Path

import pytest

from helpers import corpus
from importers import parse_file
from kb import KnowledgeBase
from kb.models import Article


@pytest.fixture
def run(invoke, reuters_path):
    return lambda *args: invoke(*args, kb_path=reuters_path)


def test_json_csv_and_ids_agree_and_round_trip(run):
    data = json.loads(run("search", "oil", "--format", "json", "-n", "5").stdout)
    rows = list(csv.DictReader(io.StringIO(run("search", "oil", "--format", "csv", "-n", "5").stdout)))
    lines = [json.loads(line) for line in run("search", "oil", "--format", "jsonl", "-n", "5").stdout.splitlines()]
    ids = run("search", "oil", "--format", "ids", "-n", "5").stdout.split()
    assert data["total"] > 5 and len(data["hits"]) == 5
    assert [h["id"] for h in data["hits"]] == [r["id"] for r in rows] == [h["id"] for h in lines] == ids
    assert [r["title"] for r in rows] == [h["title"] for h in data["hits"]]
    for article_id in ids:
        shown = run("show", article_id)
        assert shown.exit_code == 0 and f"id: {article_id}" in shown.stdout


def test_paging_sorting_and_total(run):
    first = json.loads(run("search", "oil", "--json", "-n", "3").stdout)
    second = json.loads(run("search", "oil", "--json", "-n", "3", "--page", "2").stdout)
    offset = json.loads(run("search", "oil", "--json", "-n", "3", "--offset", "3").stdout)
    assert first["total"] == second["total"] > 6
    assert [h["rank"] for h in second["hits"]] == [4, 5, 6]
    assert second["hits"] == offset["hits"]
    assert not {h["id"] for h in first["hits"]} & {h["id"] for h in second["hits"]}
    newest = json.loads(run("search", "oil", "--json", "-n", "50", "--sort", "newest").stdout)["hits"]
    dates = [h["published"] for h in newest]
    assert dates == sorted(dates, reverse=True)


def test_friendly_filters_match_the_query_language(run):
    def total(*args):
        return json.loads(run("search", *args, "--json").stdout)["total"]

    assert total("oil", "--since", "1987-03") == total("oil AND published:>=1987-03") > 0
    assert total("oil", "--until", "1987-02-28") == total("oil AND published:<=1987-02-28") > 0
    assert total("oil", "--source", "Reuters") == total("oil")
    assert total("oil", "--lang", "de") == 0


def test_wildcard_past_the_bound_is_refused_clearly(run):
    result = run("search", "*e*")
    assert result.exit_code == 1
    assert result.stderr == "Error: '*e*' matches more than 1024 different words: make it more specific\n"
    assert run("search", "cocoa*").exit_code == 0


def test_zero_hits_suggest_a_correction(run):
    result = run("search", "cocao")
    assert result.stdout.startswith("0 matches for cocao\nDid you mean: cocoa?")
    assert json.loads(run("search", "cocao", "--json").stdout)["suggestions"] == ["cocoa"]


def test_lower_case_operator_gets_a_hint_on_stderr(run):
    result = run("search", "cocoa or coffee")
    assert result.stderr == "Hint: 'or' is searched as a word; did you mean OR? (operators are upper case)\n"


def test_show_highlight_marks_the_query_in_the_whole_text(run):
    article_id = run("search", '"Bahia cocoa"', "--format", "ids", "-n", "1").stdout.strip()
    text = run("show", article_id, "--highlight", '"Bahia cocoa" OR temporao').stdout
    assert "[Bahia] [cocoa] zone" in text and "the [temporao] will be late" in text


def test_similar_finds_articles_on_the_same_subject(run, reuters_path):
    article_id = run("search", "title:OPEC", "--format", "ids", "-n", "1").stdout.strip()
    similar = json.loads(run("similar", article_id, "--format", "json", "-n", "5").stdout)
    assert len(similar) == 5 and article_id not in [h["id"] for h in similar]
    with KnowledgeBase(reuters_path) as kb:
        bodies = [kb.get(hit["id"]).body.lower() for hit in similar]
    assert sum("oil" in body for body in bodies) >= 4


def test_count_by_day_equals_a_direct_sql_count(run, reuters_path):
    counted = dict(json.loads(run("count", "oil OR gas", "--by", "day", "--format", "json").stdout)
                   and [(r["key"], r["count"]) for r in json.loads(
                       run("count", "oil OR gas", "--by", "day", "--format", "json").stdout)])
    with KnowledgeBase(reuters_path) as kb:
        ids = [hit.id for hit in kb.iter_hits("oil OR gas", fragments=0)]
        marks = ",".join("?" * len(ids))
        rows = kb.store.db.execute(
            f"select substr(published, 1, 10), count(*) from articles where id in ({marks}) group by 1", ids)
        expected = dict(rows.fetchall())
    assert {k: v for k, v in counted.items() if v} == expected
    days = list(counted)
    assert days == sorted(days) and len(days) == len(set(days))  # every day, in order, gaps as zero


def test_count_as_a_bar_chart_and_csv(run):
    chart = run("count", "cocoa", "--by", "source").stdout
    assert chart.startswith("Reuters █") and chart.rstrip().endswith(
        str(json.loads(run("search", "cocoa", "--json").stdout)["total"]))
    rows = list(csv.reader(io.StringIO(run("count", "cocoa", "--by", "month", "--format", "csv").stdout)))
    assert rows[0] == ["month", "count"] and rows[1][0] == "1987-02"


def test_collapse_folds_copies_of_one_story(invoke, tmp_path):
    body = ("The central bank cut its discount rate by half a point on Tuesday, the first cut in two years. "
            "Officials said inflation had slowed for a third month and that growth was weaker than expected. "
            "Markets had expected a smaller cut, and the currency fell against the dollar after the decision.")
    feed = tmp_path / "copies.jsonl"
    feed.write_text("\n".join(json.dumps({"title": t, "body": b, "source": s}) for t, b, s in [
        ("Bank cuts rate", body, "Wire A"),
        ("Rate cut by bank", body + "\n\nShare this article on social media.", "Wire B"),
        ("Discount rate halved", body.rsplit(". ", 1)[0] + ".", "Wire C"),
        ("Bank keeps rates", "The other central bank kept its discount rate unchanged on Tuesday.", "Wire D"),
    ]) + "\n")
    invoke("import", feed)
    folded = json.loads(invoke("search", "discount", "--collapse", "--json").stdout)
    assert folded["total"] == 4 and len(folded["hits"]) == 2
    story = next(hit for hit in folded["hits"] if hit["more"])
    assert story["more"] == 2 and len(story["more_sources"]) == 2
    assert "+2 copies (" in invoke("search", "discount", "--collapse").stdout


def test_fuzzy_wildcard_and_phrase_matches_are_found_and_highlighted(invoke, seeded_path):
    def marked(query):
        data = json.loads(invoke("search", query, "--json", "--fragments", "5", kb_path=seeded_path).stdout)
        assert data["total"] == 1, query
        return {s["text"][span["start"]:span["end"]] for s in data["hits"][0]["snippets"] for span in s["spans"]}

    assert "Bessent" in marked("Bessant~")
    assert "deportation" in marked("deport*")
    assert {"shared", "taxpayer"} <= marked('"shared the taxpayer"')
    assert "sharing" in marked("sharing")  # stemmed: also marks shared/share forms
    assert json.loads(invoke("search", '"sharing the taxpayer"', "--json", kb_path=seeded_path).stdout)["total"] == 0


def test_facet_choice_and_limit(run):
    data = json.loads(run("search", "oil", "--json", "--facet", "org", "--facet-limit", "3").stdout)
    assert list(data["facets"]) == ["org"] and len(data["facets"]["org"]) == 3
    counts = [v["count"] for v in data["facets"]["org"]]
    assert counts == sorted(counts, reverse=True) and counts[0] > 1
    result = run("search", "oil", "--facet", "colour")
    assert result.exit_code == 1 and result.stderr == "Error: no facet colour (facets: person, org, place)\n"


@pytest.mark.parametrize("options", [[], ["--since", "2020"], ["--collapse"], ["--sort", "newest"]])
def test_an_empty_knowledge_base_answers_zero_matches(invoke, options):
    assert invoke("init", "--ner", "none").exit_code == 0
    result = invoke("search", "the published:>=2020", "--json", *options)
    assert result.exit_code == 0 and json.loads(result.stdout)["total"] == 0


def test_a_watch_list_of_a_thousand_names_or_ed_together_is_answered(invoke, seeded_path):
    """Researchers paste watch lists: 1,000 names as phrases, OR-ed (the 4,096-character
    limit refused about 300)."""
    names = [f'"Name{number} Surname{number}"' for number in range(998)] + ['"Kristi Noem"', '"Scott Bessent"']
    query = " OR ".join(names)
    assert len(query) > 20_000
    found = json.loads(invoke("search", query, "--json", kb_path=seeded_path).stdout)
    assert found["total"] == 1 and found["hits"][0]["snippets"]
    too_long = invoke("search", "x" * 100_001, kb_path=seeded_path)
    assert too_long.exit_code == 1 and "limit is 100000" in too_long.stderr


def write_jsonl(path, rows) -> str:
    path.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    return str(path)


@pytest.mark.parametrize("sort", ["newest", "oldest"])
def test_undated_matches_come_last_in_both_date_orders(invoke, tmp_path, sort):
    days = ["2021-06-01", None, "2019-03-04", "2023-11-30", None, "2020-01-15"]
    rows = [{"title": f"Facebook story {n}", "body": f"Facebook said something on day {n} of the inquiry.",
             **({"published": day} if day else {})} for n, day in enumerate(days)]
    invoke("import", write_jsonl(tmp_path / "mixed.jsonl", rows))
    hits = json.loads(invoke("search", "Facebook", "--sort", sort, "--json").stdout)["hits"]
    dated = sorted((day for day in days if day), reverse=sort == "newest")
    assert [(h["published"] or "")[:10] or None for h in hits] == dated + [None] * days.count(None)
    text = invoke("search", "Facebook", "--sort", sort).stdout
    assert text.splitlines()[0] == f"{len(days)} matches for Facebook ({days.count(None)} undated, listed last)"
    assert "undated" not in invoke("search", "Facebook").stdout.splitlines()[0]  # ranked by relevance


@pytest.fixture(scope="module")
def coffee_path(tmp_path_factory):
    """The coffee articles of a Reuters file: reports of rainfall in Brazil's coffee areas
    among them, whose snippets (title matches) hold paragraph breaks."""
    articles = [record for record in parse_file(corpus("reuters-21578", "reut2-003.sgm"))
                if isinstance(record, Article) and "COFFEE" in record.title]
    path = tmp_path_factory.mktemp("coffee") / "kb"
    source = write_jsonl(path.with_name("coffee.jsonl"), [
        {"title": a.title, "body": a.body, "published": a.published, "source": a.source} for a in articles])
    with KnowledgeBase(path) as kb:
        kb.import_paths([source])
    return path


@pytest.mark.corpora  # reut2-003's coffee reports: snippets across paragraph breaks
def test_snippets_are_one_line_in_text_and_kept_as_they_are_in_json(invoke, coffee_path):
    def run(*args):
        return invoke(*args, kb_path=coffee_path)

    data = json.loads(run("search", "title:coffee", "--json", "--fragments", "3", "-n", "50").stdout)
    snippets = [s for hit in data["hits"] for s in hit["snippets"]]
    assert any("\n\n" in s["text"] for s in snippets) and any(s["spans"] for s in snippets)
    for snippet in snippets:
        assert all(snippet["text"][span["start"]:span["end"]].lower().startswith("coffee")
                   for span in snippet["spans"])
    expected = []
    for snippet in snippets:  # marked, then folded to one line, independently of kb.render
        text, spans = snippet["text"], sorted(snippet["spans"], key=lambda span: span["start"])
        for span in reversed(spans):
            text = f"{text[:span['start']]}[{text[span['start']:span['end']]}]{text[span['end']:]}"
        expected.append("     …" + " ".join(text.split()) + "…")
    lines = run("search", "title:coffee", "--fragments", "3", "-n", "50").stdout.splitlines()
    assert [line for line in lines if line.startswith("     …")] == expected
    assert all(line == "" or line.startswith(("     ", " ")) or line[0].isdigit() or ":" in line for line in lines)


@pytest.mark.parametrize("paging", [["--page", "999"], ["--offset", "5000"]])
def test_a_page_past_the_end_says_so_on_stderr(run, paging):
    total = json.loads(run("search", "oil", "--json").stdout)["total"]
    result = run("search", "oil", *paging)
    assert result.exit_code == 0 and result.stdout.startswith(f"{total} matches for oil")
    expected = (f"page 999 is past the end ({total} matches: {-(-total // 10)} pages of 10)" if paging[0] == "--page"
                else f"offset 5000 is past the end ({total} matches)")
    assert result.stderr == f"Note: {expected}\n"
    assert run("search", "oil", "--page", str(-(-total // 10))).stderr == ""  # the last page is no news


@pytest.mark.parametrize("command", [["search", "oil"], ["count", "oil"], ["timeline", "oil"]])
def test_since_after_until_says_so(run, command):
    result = run(*command, "--since", "1987-03", "--until", "1987-02-28")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == "Error: since 1987-03 is after until 1987-02-28: no date lies between them\n"
    assert run(*command, "--since", "1987-03", "--until", "1987-03").exit_code == 0  # one month: a range


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="reads /proc")
def open_files(folder: Path) -> set[tuple[str, str]]:
    """(descriptor, file) of this process's open files inside `folder`."""
    found = set()
    for fd in Path("/proc/self/fd").iterdir():
        with contextlib.suppress(OSError):
            if (target := os.readlink(fd)).startswith(str(folder)):
                found.add((fd.name, target))
    return found


def test_a_command_closes_the_knowledge_base_files_it_opened(run, reuters_path):
    """Only the files the commands open count: another test of this process may hold the
    same knowledge base open meanwhile (a module's fixture)."""
    before = open_files(reuters_path)
    assert run("search", "oil", "-n", "3").exit_code == 0
    assert run("show", run("search", "oil", "--format", "ids", "-n", "1").stdout.strip()).exit_code == 0
    assert not open_files(reuters_path) - before


# What a search does not need: sqlite-utils (for writes; an entity is looked up on the
# store's own connection: sqlite-utils alone takes longer to import than a search of
# Reuters, 6 ms), the other commands' modules (see kb.cli.base.COMMANDS) and the API's
# (see kb.api), and what Whoosh imports but a search never calls (urllib.request, with
# http.client, email and ssl, and whoosh.lang.morph_en: see index.whoosh_internals).
NOT_FOR_SEARCH = ("sqlite_utils", "kb.cli.analysis", "kb.cli.entities", "kb.cli.importing", "kb.cli.maintenance",
                  "kb.interrupts", "kb.network", "kb.reading", "kb.timeline", "kb.watches",
                  "urllib.request", "http", "email", "ssl", "whoosh.lang.morph_en")


def test_a_search_with_an_entity_filter_loads_nothing_it_does_not_need(seeded_path):
    """`kb search --entity` as a process: none of NOT_FOR_SEARCH, nor their submodules."""
    import subprocess
    import sys

    code = ("import sys; from kb.cli import main; "
            f"sys.argv = ['kb', '--kb', {str(seeded_path)!r}, 'search', 'IRS', '--entity', 'org:ICE', '--json']\n"
            "try:\n    main()\nexcept SystemExit as end:\n    assert not end.code, end.code\n"
            f"print(sorted(m for m in sys.modules for n in {NOT_FOR_SEARCH!r} if m == n or m.startswith(n + '.')), "
            "file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert json.loads(done.stdout)["total"] >= 1
    assert done.stderr.strip().splitlines()[-1] == "[]"
