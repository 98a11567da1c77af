"""Beyond search, on real Reuters articles: timelines, entity networks, saved searches."""
from __future__ import annotations

import csv
import io
import itertools
import json
import re
import shutil
import xml.etree.ElementTree as ElementTree
from collections import Counter

import pytest

from helpers import DATA, SEED, kb_command
from kb import KnowledgeBase


@pytest.fixture
def run(invoke, reuters_path):
    return lambda *args: invoke(*args, kb_path=reuters_path)


def sql_counts(kb, query, bucket_sql):
    ids = [hit.id for hit in kb.iter_hits(query, fragments=0)]
    marks = ",".join("?" * len(ids))
    return dict(kb.store.db.execute(
        f"select {bucket_sql}, count(*) from articles where id in ({marks}) group by 1", ids).fetchall())


def test_timeline_counts_equal_a_direct_sql_count(run, reuters_path):
    data = json.loads(run("timeline", "oil", "wheat OR grain", "--by", "month", "--format", "json").stdout)
    with KnowledgeBase(reuters_path) as kb:
        for query in ("oil", "wheat OR grain"):
            expected = sql_counts(kb, query, "substr(published, 1, 7)")
            got = dict(zip(data["periods"], data["series"][query]))
            assert {k: v for k, v in got.items() if v} == expected
        weeks = json.loads(run("timeline", "oil", "--by", "week", "--format", "json").stdout)
        expected = sql_counts(kb, "oil", "strftime('%Y', published) || '-W' || "
                                         "printf('%02d', (strftime('%j', date(published, '-3 days', "
                                         "'weekday 4')) - 1) / 7 + 1)")
    assert {k: v for k, v in zip(weeks["periods"], weeks["series"]["oil"]) if v} == expected
    assert data["periods"] == sorted(data["periods"]) and len(set(data["periods"])) == len(data["periods"])


def test_timeline_as_chart_csv_and_plot(run, tmp_path):
    chart = run("timeline", "oil", "wheat", "--by", "month").stdout.splitlines()
    assert chart[0].startswith("1987-02") and "oil" in chart[0] and "█" in chart[0] and "wheat" in chart[1]
    rows = list(csv.DictReader(io.StringIO(run("timeline", "oil", "--by", "week", "--format", "csv").stdout)))
    assert list(rows[0]) == ["period", "oil"] and all(int(r["oil"]) >= 0 for r in rows)
    plot = tmp_path / "oil.png"
    result = run("timeline", "oil", "--by-entity", "place", "--top", "3", "--plot", plot)
    assert result.exit_code == 0 and plot.read_bytes().startswith(b"\x89PNG")
    assert run("timeline", "oil", "--plot", tmp_path / "oil.gif").stderr.startswith("Error: cannot plot to")


def test_network_pairs_equal_a_brute_force_count(run, reuters_path):
    data = json.loads(run("network", "oil", "--type", "org,place", "--min-count", "2", "-n", "1000",
                          "--format", "json").stdout)
    with KnowledgeBase(reuters_path) as kb:
        matching = {hit.id for hit in kb.iter_hits("oil", fragments=0)}
        rows = kb.store.db.execute(
            "select ae.article_id, e.id from article_entities ae join entities e on e.id = ae.entity_id "
            "where e.type in ('org', 'place') and e.ignored = 0").fetchall()
    by_article: dict[str, set] = {}
    for article_id, entity_id in rows:
        if article_id in matching:
            by_article.setdefault(article_id, set()).add(entity_id)
    expected = Counter(pair for ids in by_article.values() for pair in itertools.combinations(sorted(ids), 2))
    expected = {pair: n for pair, n in expected.items() if n >= 2}
    got = {tuple(sorted((p["source"]["id"], p["target"]["id"]))): p["articles"] for p in data["pairs"]}
    assert got == expected and len(got) > 10
    weights = [p["articles"] for p in data["pairs"]]
    assert weights == sorted(weights, reverse=True)


def test_network_for_network_tools(run):
    graph = ElementTree.fromstring(run("network", "--type", "person,org", "--format", "graphml").stdout)
    namespace = "{http://graphml.graphdrawing.org/xmlns}"
    nodes = graph.findall(f".//{namespace}node")
    edges = graph.findall(f".//{namespace}edge")
    assert nodes and edges and all(e.get("source").startswith("n") for e in edges)
    rows = list(csv.DictReader(io.StringIO(run("network", "--format", "csv").stdout)))
    assert list(rows[0]) == ["source", "source_type", "target", "target_type", "weight"]


def test_a_watch_reports_new_matches_once(invoke, reuters_path, tmp_path):
    kb_path = tmp_path / "kb"
    shutil.copytree(reuters_path, kb_path)
    assert invoke("watch", "add", "rates", "bank AND rates", kb_path=kb_path).exit_code == 0
    first = invoke("watch", "run", kb_path=kb_path)
    assert first.exit_code == 1 and first.stdout == "rates: 0 new articles\n"  # nothing since it was added
    feed = tmp_path / "new.jsonl"
    feed.write_text("\n".join(json.dumps({"title": t, "body": b}) for t, b in [
        ("Bank lifts rates", "The central bank raised its rates by a quarter point."),
        ("Bank keeps rates", "Another bank kept rates where they were."),
        ("Harvest news", "The wheat harvest was early this year.")]) + "\n")
    invoke("import", feed, kb_path=kb_path)
    second = invoke("watch", "run", "--format", "json", kb_path=kb_path)
    assert second.exit_code == 0
    assert sorted(a["title"] for a in json.loads(second.stdout)["rates"]) == ["Bank keeps rates", "Bank lifts rates"]
    third = invoke("watch", "run", "rates", kb_path=kb_path)
    assert third.exit_code == 1 and third.stdout == "rates: 0 new articles\n"
    listed = json.loads(invoke("watch", "list", "--format", "json", kb_path=kb_path).stdout)
    assert [w["name"] for w in listed] == ["rates"] and listed[0]["last_run_at"]
    assert invoke("watch", "add", "bad", "rates AND (", kb_path=kb_path).stderr.startswith("Error: unclosed '('")
    assert invoke("watch", "add", "rates", "x", kb_path=kb_path).stderr == (
        "Error: a watch named 'rates' exists already\n")


def test_entity_profile_shows_companions_by_month(run):
    text = run("entity", "Japan", "--type", "place", "--json").stdout
    months = json.loads(text)["co_occurring_by_month"]
    assert months and all(len(m["with"]) <= 3 for m in months)
    assert [m["month"] for m in months] == sorted((m["month"] for m in months), reverse=True)


@pytest.fixture(scope="module")
def mixed_path(tmp_path_factory):
    """Real articles from 1987 to 2018, some undated, some without a source: Reuters rows,
    feeds, HTML pages and the scraped seed."""
    path = tmp_path_factory.mktemp("mixed") / "kb"
    with KnowledgeBase(path) as kb:
        kb.import_paths([DATA / "delimited" / "reuters-4-rows.csv", DATA / "feeds" / "techcrunch-2-items.xml",
                         DATA / "feeds" / "heise.atom", DATA / "html", SEED])
    return path


def test_counts_by_source_add_up_to_the_matches_with_an_unknown_row(invoke, mixed_path):
    rows = json.loads(invoke("count", "*", "--by", "source", "--format", "json", kb_path=mixed_path).stdout)
    with KnowledgeBase(mixed_path) as kb:
        expected = dict(kb.store.db.execute(
            "select coalesce(source, '(unknown)'), count(*) from articles group by 1").fetchall())
        total = kb.store.count_articles()
    assert {row["key"]: row["count"] for row in rows} == expected and expected["(unknown)"] > 0
    assert sum(row["count"] for row in rows) == total
    assert rows[-1]["key"] == "(unknown)"  # after the sources, most articles first
    assert invoke("count", "*", "--by", "source", kb_path=mixed_path).stdout.splitlines()[-1].startswith("(unknown) ")


@pytest.mark.parametrize("entity_type", ["person", "org", "place"])
def test_counts_by_entity_have_a_none_row_for_articles_naming_none_of_the_type(invoke, mixed_path, entity_type):
    rows = json.loads(invoke("count", "*", "--by", entity_type, "--format", "json", kb_path=mixed_path).stdout)
    with KnowledgeBase(mixed_path) as kb:
        named = dict(kb.store.db.execute(
            "select e.name, count(distinct ae.article_id) from article_entities ae join entities e "
            "on e.id = ae.entity_id where e.type = ? and e.ignored = 0 group by e.id", [entity_type]).fetchall())
        none = kb.store.db.execute(
            "select count(*) from articles a where not exists (select 1 from article_entities ae join entities e "
            "on e.id = ae.entity_id where ae.article_id = a.id and e.type = ? and e.ignored = 0)",
            [entity_type]).fetchone()[0]
    assert none > 0 and rows[-1] == {"key": "(none)", "count": none}
    assert {row["key"]: row["count"] for row in rows[:-1]} == named


def months_between(first: str, last: str) -> list[str]:
    year, month = map(int, first.split("-"))
    months = [first]
    while months[-1] != last:
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        months.append(f"{year}-{month:02d}")
    return months


def gap_sizes(lines: list[str], by: str) -> list[int]:
    gaps = [line for line in lines if line.startswith("…")]
    assert all(re.fullmatch(rf"… \d+ empty {by}s? …", line) for line in gaps), gaps
    return [int(line.split()[1]) for line in gaps]


def test_count_charts_leave_out_empty_periods_which_csv_and_json_keep(invoke, mixed_path):
    rows = json.loads(invoke("count", "*", "--by", "month", "--format", "json", kb_path=mixed_path).stdout)
    dated = [row for row in rows if row["key"] != "undated"]
    assert [row["key"] for row in dated] == months_between(dated[0]["key"], dated[-1]["key"])
    table = list(csv.reader(io.StringIO(invoke("count", "*", "--by", "month", "--format", "csv",
                                               kb_path=mixed_path).stdout)))
    assert table[1:] == [[row["key"], str(row["count"])] for row in rows]
    lines = invoke("count", "*", "--by", "month", kb_path=mixed_path).stdout.splitlines()
    shown = [line.split()[0] for line in lines if not line.startswith("…")]
    assert shown == [row["key"] for row in rows if row["count"]]
    empty = [row for row in dated if not row["count"]]
    assert len(empty) > 100 and sum(gap_sizes(lines, "month")) == len(empty)
    assert len(lines) < 20


def test_timeline_charts_leave_out_periods_empty_in_every_series(invoke, mixed_path):
    queries = ("Facebook", "oil OR Java")
    data = json.loads(invoke("timeline", *queries, "--format", "json", kb_path=mixed_path).stdout)
    assert data["periods"] == months_between(data["periods"][0], data["periods"][-1])
    busy = [period for i, period in enumerate(data["periods"]) if any(data["series"][q][i] for q in queries)]
    lines = invoke("timeline", *queries, kb_path=mixed_path).stdout.splitlines()
    assert [line.split()[0] for line in lines if line[:1].isdigit()] == busy
    assert sum(gap_sizes(lines, "month")) == len(data["periods"]) - len(busy) > 100


def test_a_timeline_by_source_refuses_several_queries_as_a_usage_error(mixed_path):
    done = kb_command(mixed_path, "timeline", "Facebook", "Google", "--by-source")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines()[-1] == "Error: a timeline by source takes one query, not 2"
    assert "Traceback" not in done.stderr
    assert kb_command(mixed_path, "timeline", "Facebook", "--by-source").returncode == 0

