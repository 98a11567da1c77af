"""Stories in a knowledge base: near-copies of real BBC articles join their original's story."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

from helpers import sliced
from importers import parse_file
from kb import KnowledgeBase
from kb.models import Article

EDITS = {
    "new headline": lambda a: (f"UPDATED: {a.title} - latest", a.body),
    "boilerplate": lambda a: (a.title, f"Share this article\n\n{a.body}\n\nFollow us on Twitter.\n\n"
                                       "Copyright 2005 BBC. All rights reserved."),
    "end cut": lambda a: (a.title, ". ".join(a.body.split(". ")[:-2]) + "."),  # its last two sentences
}


@pytest.fixture(scope="module")
def kb_with_copies(tmp_path_factory):
    """40 business articles, then an edited copy of each of the first 10 under every edit kind."""
    folder = sliced("bbc-news", "business")
    originals = [record for path in sorted(folder.glob("*.txt"))[:40] for record in parse_file(path)
                 if isinstance(record, Article)]
    copies = [{"title": title, "body": body, "source": f"Copy/{kind}", "of": n}
              for n, original in enumerate(originals[:10]) for kind, edit in EDITS.items()
              for title, body in [edit(original)]]
    path = tmp_path_factory.mktemp("stories") / "kb"
    source = path.with_name("copies.jsonl")
    source.write_text("\n".join(json.dumps({k: v for k, v in c.items() if k != "of"}) for c in copies))
    with KnowledgeBase(path) as kb:
        kb.import_paths([folder / p.name for p in sorted(folder.glob("*.txt"))[:40]])
        kb.import_paths([source])
        yield kb, originals, copies


def story_of(kb, title):
    """The story of the stored original with this title."""
    return next(a.story_id for batch in kb.store.iter_articles() for a in batch
                if a.title == title and a.source is None)


def test_every_edited_copy_joins_its_originals_story(kb_with_copies):
    kb, originals, copies = kb_with_copies
    stored = [article for batch in kb.store.iter_articles() for article in batch]
    for copy in copies:
        original = next(a for a in stored if a.source is None and a.title == originals[copy["of"]].title)
        copy_article = next(a for a in stored if a.source == copy["source"] and a.body == copy["body"])
        assert copy_article.story_id == original.story_id == original.id, copy["source"]


def test_unrelated_articles_on_the_same_topic_stay_apart(kb_with_copies):
    kb, originals, _ = kb_with_copies
    stories = {a.story_id for batch in kb.store.iter_articles() for a in batch if a.source is None}
    assert len(stories) == len({o.title for o in originals})  # each original its own story


def test_story_lists_copies_and_what_differs(kb_with_copies, invoke):
    kb, originals, _ = kb_with_copies
    story_id = story_of(kb, originals[0].title)
    found = kb.story(story_id)
    assert len(found["articles"]) == 1 + len(EDITS)
    changes = {a["source"]: " | ".join(a["differences"]) for a in found["articles"][1:]}
    assert "Follow us on Twitter" in changes["Copy/boilerplate"]
    assert "UPDATED" in changes["Copy/new headline"]
    text = invoke("story", story_id, kb_path=kb.path).stdout
    assert text.startswith(f"story {story_id}: 4 articles") and "Copy/end cut" in text
    listed = json.loads(invoke("stories", "--format", "json", kb_path=kb.path).stdout)
    assert len(listed) == 10 and all(s["articles"] == 4 for s in listed)


def test_a_story_keeps_gathering_copies_past_its_banded_members(tmp_path, monkeypatch):
    """Only a story's first BANDED_MEMBERS articles keep LSH bands; later copies still join."""
    from kb import story_table

    monkeypatch.setattr(story_table, "BANDED_MEMBERS", 3)
    original = next(record for record in parse_file(sorted(sliced("bbc-news", "business").glob("*.txt"))[0])
                    if isinstance(record, Article))
    with KnowledgeBase(tmp_path / "kb", extractor="none") as kb:
        first = kb.add(Article(title=original.title, body=original.body))
        ids = [kb.add(Article(title=f"{original.title} ({n})", body=f"{original.body}\n\nUpdate {n}."))
               for n in range(8)]
        assert {kb.store.stories.story_of(article_id) for article_id in ids} == {first}
        assert len(kb.store.stories.members(first)) == 9
        banded = kb.store.db.execute("select count(distinct article_id) from story_bands").fetchone()[0]
        assert banded == 3


FED_TEMPLATE = ("The Federal Reserve entered the U.S. Government securities market to arrange {amount} billion "
                "dlrs of customer repurchase agreements, a Fed spokesman said. Dealers said Federal funds were "
                "trading at {rate} pct when the Fed began its temporary and indirect supply of reserves to the "
                "banking system. The Fed said the agreements would mature on {day} March.")


def fed_report(day: int, amount: str, rate: str) -> dict:
    return {"title": "FED ADDS RESERVES VIA CUSTOMER REPURCHASES", "source": "Reuters",
            "body": FED_TEMPLATE.format(amount=amount, rate=rate, day=day + 1),
            "published": f"1987-03-{day:02d}T15:00:00Z"}


def test_daily_template_reports_are_stories_of_their_own(tmp_path):
    """Reuters' "FED ADDS RESERVES VIA CUSTOMER REPURCHASES" was one 12-article story over
    six weeks of different daily reports. A near-copy joins a story begun at most three
    days before or after it, and only with the same figures; a republished copy joins."""
    reports = [fed_report(day, amount, rate) for day, amount, rate in
               ((2, "1.5", "6-1/4"), (3, "2.0", "6-3/8"), (9, "1.5", "6-1/4"), (20, "3.5", "6-1/8"))]
    copy = {**reports[0], "source": "Wire copy", "title": "Fed adds reserves",
            "published": "1987-03-02T18:00:00Z"}
    path = tmp_path / "fed.jsonl"
    path.write_text("\n".join(json.dumps(record) for record in [*reports, copy]))
    with KnowledgeBase(tmp_path / "kb") as kb:
        kb.import_paths([path])
        stories = {story["story_id"]: story["articles"] for story in kb.stories(limit=10)}
        assert sorted(stories.values()) == [2]  # the first report and its copy; the others alone
        assert kb.search("FED", collapse=True).total == 5
        assert len(kb.search("FED", collapse=True, limit=10).hits) == 4


def test_the_span_of_a_story_is_set_at_init(tmp_path):
    """`kb init --story-days 10`: the report of the ninth joins the story of the second."""
    first, later = fed_report(2, "1.5", "6-1/4"), fed_report(9, "1.5", "6-1/4")
    path = tmp_path / "fed.jsonl"
    copy = {**later, "title": "Fed adds reserves", "body": first["body"]}  # the same report, a week on
    path.write_text(json.dumps(first) + "\n" + json.dumps(copy) + "\n")
    done = subprocess.run([sys.executable, "-m", "kb", "--kb", str(tmp_path / "kb"), "init", "--story-days", "10"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    with KnowledgeBase(tmp_path / "kb") as kb:
        kb.import_paths([path])
        assert [story["articles"] for story in kb.stories()] == [2]
    refused = subprocess.run([sys.executable, "-m", "kb", "--kb", str(tmp_path / "kb2"), "init", "--story-days", "0"],
                             capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and not (tmp_path / "kb2").exists()


def test_a_writing_store_keeps_more_pages_than_sqlites_default(tmp_path):
    """The story bands' index is read all over by every article an import assigns:
    a writing connection caches up to CACHE_KIB of pages, not SQLite's 2 MB."""
    from kb.store import CACHE_KIB

    with KnowledgeBase(tmp_path / "kb") as kb:
        assert kb.store.conn.execute("PRAGMA cache_size").fetchone()[0] == -CACHE_KIB
        assert CACHE_KIB >= 16 * 1024  # where story assignment stopped getting faster (benchmarks/README)
