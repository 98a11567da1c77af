"""The store is the truth: schema versions, the durable index queue, catch-up after a crash."""
from __future__ import annotations

import json
import shutil
import sqlite3

import pytest
from hypothesis import given, strategies as st
from whoosh.filedb.filestore import FileStorage

from helpers import SEED, sliced
from importers import parse_file
from index.codec import PackedCodec
from index.directory import VERSION_FILE
from index.documents import document_for
from index.schema import ENTITY_FIELDS, INDEX_VERSION, build_schema
from index.whoosh_internals import segment_list
from kb import KnowledgeBase
from kb.errors import StoreError
from kb.migrations import SCHEMA_VERSION
from kb.models import Article, EntityCount
from kb.store import spans_text


def test_schema_version_is_recorded(kb):
    assert kb.store.schema_version() == SCHEMA_VERSION == kb.stats()["schema_version"]
    assert {"articles", "entities", "article_entities", "import_runs", "index_queue", "meta"} <= set(
        kb.store.db.table_names())


def test_a_newer_schema_is_refused_not_damaged(tmp_path):
    KnowledgeBase(tmp_path / "kb").close()
    db_path = tmp_path / "kb" / "kb.db"
    with sqlite3.connect(db_path) as conn:
        conn.execute("update meta set value = '99' where key = 'schema_version'")
    before = db_path.read_bytes()
    with pytest.raises(StoreError, match="made by a newer newskb"):
        KnowledgeBase(tmp_path / "kb")
    assert db_path.read_bytes() == before


def test_an_index_of_version_7_is_rebuilt_by_the_next_search_saying_so_in_one_line(invoke, seeded_path):
    with KnowledgeBase(seeded_path, create=False) as kb:
        articles = [article for batch in kb.store.iter_articles() for article in batch]
    folder = seeded_path / "index"
    shutil.rmtree(folder)
    folder.mkdir()
    ix = FileStorage(str(folder)).create_index(build_schema())
    with ix.writer() as writer:  # version 7's format: Whoosh's own codec
        for article in articles:
            writer.add_document(**document_for(article, ENTITY_FIELDS))
    (folder / VERSION_FILE).write_text("7\n")

    result = invoke("search", "IRS AND ICE", kb_path=seeded_path)
    assert result.stdout.startswith("1 match")
    assert result.stderr == ("Rebuilding the index from SQLite: it is of index version 7, "
                             f"this newskb writes version {INDEX_VERSION}\n")
    with KnowledgeBase(seeded_path, create=False) as kb:
        assert [type(segment.codec()) for segment in segment_list(kb.index.ix)] == [PackedCodec]
    assert invoke("search", "IRS AND ICE", kb_path=seeded_path).stderr == ""


def test_article_rows_carry_provenance_and_hash(kb):
    kb.import_paths([SEED])
    row = next(kb.store.db["articles"].rows)
    assert row["origin"] == str(SEED) and row["record"] == "file" and row["run_id"] == 1
    assert len(row["content_hash"]) == 64 and row["id"] == row["content_hash"][:16]
    assert row["imported_at"].endswith("Z") and row["published"] is None
    run = next(kb.store.db["import_runs"].rows)
    assert (run["imported"], run["duplicates"], run["failed"]) == (1, 0, 0) and run["finished_at"]


def test_articles_stored_but_not_indexed_are_caught_up_by_the_next_search(kb):
    kb.import_paths([SEED])
    late = Article(title="Late arrival", body="The IRS and ICE met again on Friday.", id="late000000000001")
    # What an import leaves behind when killed after the SQLite commit, before the index commit:
    with kb.store.transaction():
        kb.store.insert_article(late, "0" * 64, "crf")
    assert kb.store.queue_length() == 1
    results = kb.search("IRS AND ICE")
    assert results.total == 2 and kb.store.queue_length() == 0
    assert kb.index.ids() == kb.store.all_ids()


def test_articles_an_imports_entity_votes_change_are_written_as_stored_at_its_commit(kb, monkeypatch):
    """Votes on entity types and names change articles handed to the import's indexer
    earlier (22 of the Reuters slice): it writes their entity fields at the commit as
    they are stored by then, so that each article is analysed for the index once, the
    first search has nothing to catch up, the index's entities agree with the store's,
    and the import leaves one segment, with no deleted copies and nothing to merge."""
    from index import merging
    from kb import ingest, workers

    changed, indexed_here, merges = [], [], []
    merged_segment = merging.merged_segment
    monkeypatch.setattr(merging, "merged_segment",
                        lambda ix, segments: merges.append(len(segments)) or merged_segment(ix, segments))
    finish_segment, write_queued = workers.Worker.finish_segment, ingest.write_queued
    monkeypatch.setattr(workers.Worker, "finish_segment",
                        lambda worker, articles: changed.append(articles) or finish_segment(worker, articles))
    monkeypatch.setattr(ingest, "write_queued", lambda *args, **options: indexed_here.append(
        list(write_queued(*args, **options))) or list(indexed_here[-1]))
    summary = kb.import_paths([sliced("reuters-21578")])
    assert summary.imported > 900 and len(changed[-1]) > 0 and indexed_here == [[], []] and merges == []
    assert kb.store.queue_length() == 0
    report = kb.check()
    assert report["ok"] and report["entities_differ"] == [] and kb.index.ids() == kb.store.all_ids()
    [segment] = segment_list(kb.index.ix)
    assert segment.doc_count_all() == summary.imported and not segment.has_deletions()


def test_articles_the_votes_change_in_an_earlier_import_are_indexed_again(kb, tmp_path, monkeypatch):
    """An import's votes also change articles of earlier imports, in the index's
    committed segments: its commit indexes them again, deleting their first copies."""
    from kb import ingest

    records = [{"title": article.title, "body": article.body}
               for article in parse_file(sliced("reuters-21578", "reut2-000.sgm")) if isinstance(article, Article)]
    halves = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    for half, part in zip(halves, (records[:len(records) // 2], records[len(records) // 2:])):
        half.write_text("".join(json.dumps(record) + "\n" for record in part))
    assert kb.import_paths([halves[0]]).imported > 400
    indexed_here, write_queued = [], ingest.write_queued
    monkeypatch.setattr(ingest, "write_queued", lambda *args, **options: indexed_here.append(
        list(write_queued(*args, **options))) or list(indexed_here[-1]))
    assert kb.import_paths([halves[1]]).imported > 400
    assert len(indexed_here[-1]) > 0 and kb.store.queue_length() == 0
    report = kb.check()
    assert report["ok"] and report["entities_differ"] == [] and report["indexed_twice"] == []


def test_same_url_counts_as_duplicate(kb):
    first = Article(title="A", body="First text.", url="https://example.org/x")
    second = Article(title="A (updated)", body="Changed text.", url="https://example.org/x")
    assert kb.add(first) is not None
    assert kb.add(second) is None
    assert kb.stats()["articles"] == 1


def test_a_long_import_commits_the_index_as_it_goes(kb, tmp_path, monkeypatch):
    """Once COMMIT_EVERY articles are stored, the index commits and the queue empties of them."""
    from kb import ingest

    monkeypatch.setattr(ingest, "COMMIT_EVERY", 3)
    monkeypatch.setattr(ingest, "STORE_BATCH", 4)
    monkeypatch.setattr(ingest, "BATCHES_AHEAD", 0)  # each batch is stored before the next is read
    path = tmp_path / "ten.jsonl"
    path.write_text("".join(f'{{"title": "Story {n}", "body": "Body number {n} of the long import."}}\n'
                            for n in range(10)))
    before = kb.index.ix.latest_generation()
    assert kb.import_paths([path]).imported == 10
    assert kb.index.ix.latest_generation() - before == 3  # after batches of 4 and 4, and at the end
    assert kb.store.queued_ids(100) == [] and kb.search("import").total == 10 and kb.check()["ok"]


def test_progress_sees_imported_and_duplicates_grow_as_batches_are_stored(kb, tmp_path):
    """The counts handed to `on_progress` are stored counts, and they grow from the first
    (small) batch on, not only once a batch of STORE_BATCH is stored."""
    from kb import ingest

    folder = tmp_path / "in"
    for copy in ("a", "b"):  # b holds a copy of each article of a
        (folder / copy).mkdir(parents=True)
        for number in range(150):
            (folder / copy / f"{number:03}.txt").write_text(
                f"Council budget vote number {number}\n\nThe council voted on budget item {number} today.\n")
    seen = []
    summary = kb.import_paths([folder], jobs=1, on_progress=lambda s: seen.append((s.imported, s.duplicates)))
    assert (summary.imported, summary.duplicates) == (150, 150)
    imported = sorted({count for count, _ in seen})
    duplicates = sorted({count for _, count in seen})
    assert imported[:2] == [0, ingest.FIRST_BATCH] and len(imported) > 3
    assert 0 < duplicates[1] < 150
    assert kb.store.count_articles() == 150


def test_an_entity_that_a_later_name_of_the_same_article_takes_in_keeps_its_mentions_there(kb):
    """"Homeland Security" is stored first; then "Department of Homeland Security", which
    has it as another name, takes it in: the article's mentions of both are the one
    entity's, no row is left for the entity merged away, and each form is counted once."""
    article = Article(title="DHS", body="Homeland Security said the Department of Homeland Security would.",
                      id="dhs0000000000001", entities=[
                          EntityCount("org", "Homeland Security", 1, [(0, 17)]),
                          EntityCount("org", "Department of Homeland Security", 1, [(27, 58)],
                                      aliases=["Homeland Security"])])
    with kb.store.transaction():
        kb.store.insert_article(article, "1" * 64, "crf")
    db = sqlite3.connect(kb.path / "kb.db")
    mentions = db.execute("select e.name, ae.count, ae.spans from article_entities ae "
                          "left join entities e on e.id = ae.entity_id").fetchall()
    assert mentions == [("Department of Homeland Security", 2, "[[0, 17], [27, 58]]")]
    forms = db.execute("select e.name, f.form, f.articles from entity_forms f join entities e on e.id = f.entity_id "
                       "order by f.form").fetchall()
    assert forms == [("Department of Homeland Security", "Department of Homeland Security", 1),
                     ("Department of Homeland Security", "Homeland Security", 1)]
    assert [(e.name, e.count) for e in article.entities] == [("Department of Homeland Security", 2)]


def test_a_name_resolved_before_its_entity_merged_away_names_the_one_that_took_it_in(kb):
    """The store remembers which entity each name it met stands for; after a merge, the
    merged entity's names stand for the one that took it in, and the next new entity,
    to which SQLite gives the id just freed, is not taken for it."""
    table = kb.store.entities
    with kb.store.transaction():
        taker = table.ensure("org", "Department of Homeland Security")
        merged = table.ensure("org", "Homeland Security")
        assert table.link("org", "Homeland Security", taker) == taker  # takes it in
        newcomer = table.ensure("org", "Acme")
        assert newcomer == merged  # SQLite reused the id (else this test tests nothing)
        assert table.ensure("org", "Homeland Security") == taker
        assert table.ensure("org", "Acme") == newcomer


def test_an_entity_rolled_back_is_not_remembered(kb):
    """A transaction that fails leaves no entity behind, in the database or in memory."""
    with pytest.raises(RuntimeError), kb.store.transaction():
        kb.store.entities.ensure("org", "Acme")
        raise RuntimeError("a failure midway")
    with kb.store.transaction():
        acme = kb.store.entities.ensure("org", "Acme")
    db = sqlite3.connect(kb.path / "kb.db")
    assert db.execute("select name from entities where id = ?", [acme]).fetchall() == [("Acme",)]


@given(st.lists(st.tuples(st.integers(0, 10**9), st.integers(0, 10**9)), max_size=6))
def test_mention_spans_are_stored_as_json_writes_them(spans):
    assert spans_text(spans) == json.dumps(spans)


def test_the_store_reads_any_number_of_articles_by_id(kb, monkeypatch):
    """get_articles binds at most IDS_PER_STATEMENT ids a statement (SQLite limits the
    variables of one): an import's commit may ask for thousands."""
    from kb import store

    ids = [kb.add(Article(f"Story {n}", f"The IRS and ICE met on day {n}.")) for n in range(5)]
    monkeypatch.setattr(store, "IDS_PER_STATEMENT", 2)
    found = kb.store.get_articles([*ids, "no-such-article"])
    assert sorted(found) == sorted(ids) and {found[i].title for i in ids} == {f"Story {n}" for n in range(5)}
    assert all(found[i].entities for i in ids)
