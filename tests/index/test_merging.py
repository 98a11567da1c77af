"""Segments written beside the locked writer, and the merge policy of commits (index.merging)."""
from __future__ import annotations

from dataclasses import replace

import pytest

from helpers import sliced
from index import SearchIndex, SegmentBuilder, directory, merging, segment_merge, segments
from index.codec import PackedCodec
from index.documents import document_for
from index.schema import ENTITY_FIELDS
from index.whoosh_internals import segment_list
from kb.models import Article, EntityCount


def articles(prefix: str, count: int) -> list[Article]:
    return [Article(id=f"{prefix}{n}", title=f"{prefix} story {n}", body=f"Body {n} about the harbour of {prefix}.",
                    entities=[EntityCount("place", prefix.title(), 1)]) for n in range(count)]


def built_segment(index: SearchIndex, batch: list[Article]):
    builder = SegmentBuilder(index.path)
    for article in batch:
        builder.add(article)
    return builder.finish()


@pytest.fixture
def index(tmp_path):
    search_index = SearchIndex(tmp_path / "index")
    search_index.recreate()
    yield search_index
    search_index.close()


def test_segments_built_outside_the_writer_join_the_index_at_its_commit(index):
    writer = index.writer()
    first, second = built_segment(index, articles("oslo", 4)), built_segment(index, articles("lima", 3))
    writer.add(articles("main", 1)[0])
    writer.commit(merge=False, segments=[first, second])
    assert index.segment_count() == 3
    page = index.search("harbour", facet_fields=("place",))
    assert page.total == 8 and dict(page.facets["place"]) == {"oslo": 4, "lima": 3, "main": 1}
    assert index.ids() == {f"oslo{n}" for n in range(4)} | {f"lima{n}" for n in range(3)} | {"main0"}


def test_a_builder_with_nothing_added_finishes_no_segment_and_a_cancelled_ones_files_go_at_the_next_commit(index):
    assert SegmentBuilder(index.path).finish() is None
    builder = SegmentBuilder(index.path)
    builder.add(articles("oslo", 1)[0])
    builder.cancel()

    def unlisted_segment_files():
        listed = {segment.segment_id() for segment in segment_list(index.ix)}
        return {path for path in index.path.glob("MAIN_*.*") if path.name.split(".")[0] not in listed}

    assert unlisted_segment_files()  # Whoosh leaves them to the next commit
    index.writer().commit()
    assert not unlisted_segment_files()
    assert index.search("oslo").total == 0


def test_a_writers_own_articles_go_into_a_packed_segment_that_a_cancel_drops_and_a_replace_keeps_once(index):
    """A writer of one process adds articles through a SegmentBuilder: a cancel leaves
    none, and replacing one leaves one copy."""
    writer = index.writer()
    for article in articles("oslo", 3):
        writer.add(article)
    writer.cancel()
    assert index.ids() == set()
    with index.writer() as writer:
        for article in articles("oslo", 3):
            writer.add(article)
    with index.writer() as writer:
        writer.replace(Article(id="oslo1", title="oslo story 1", body="Rewritten: the harbour of Bergen.",
                               entities=[EntityCount("place", "Bergen", 1)]))
    page = index.search("harbour", facet_fields=("place",))
    assert page.total == 3 and dict(page.facets["place"]) == {"oslo": 2, "bergen": 1}
    assert index.id_counts() == {"oslo0": 1, "oslo1": 1, "oslo2": 1} and index.search("Bergen").total == 1


def test_small_segments_merge_as_soon_as_there_are_two_and_deletions_stay_deleted(index):
    index.writer().commit(segments=[built_segment(index, articles("first", 2))])
    with index.writer() as writer:
        writer.delete("first0")
    assert index.segment_count() == 1
    index.writer().commit(segments=[built_segment(index, articles("second", 2))])
    assert index.segment_count() == 1
    assert index.search("harbour").total == 3 and index.ids() == {"first1", "second0", "second1"}


def test_small_imports_leave_at_most_one_segment_under_the_floor(index):
    index.writer().commit(segments=[built_segment(index, articles("bulk", merging.FLOOR))])
    for commit in range(6):
        index.writer().commit(segments=[built_segment(index, articles(f"c{commit}x", 3))])
        assert index.segment_count() == 2
    assert sorted(s.doc_count_all() for s in segment_list(index.ix)) == [18, merging.FLOOR]


def test_articles_the_writer_indexes_itself_join_the_small_segment(index):
    """A small import analysed in its own process adds its articles to the writer, whose
    new segment is written after the merge policy has chosen."""
    index.writer().commit(segments=[built_segment(index, articles("bulk", merging.FLOOR))])
    for commit in range(4):
        with index.writer() as writer:
            for article in articles(f"w{commit}x", 2):
                writer.add(article)
        assert index.segment_count() == 2
    assert index.search("harbour").total == merging.FLOOR + 8


def test_a_tier_above_the_floor_merges_once_it_holds_merge_factor_segments(index, monkeypatch):
    monkeypatch.setattr(merging, "FLOOR", merging.MERGE_FACTOR)
    for commit in range(merging.MERGE_FACTOR - 1):
        index.writer().commit(segments=[built_segment(index, articles(f"c{commit}x", merging.MERGE_FACTOR))])
    assert index.segment_count() == merging.MERGE_FACTOR - 1  # one short of a merge
    index.writer().commit(segments=[built_segment(index, articles("last", merging.MERGE_FACTOR))])
    assert index.segment_count() == 1
    assert index.search("harbour").total == merging.MERGE_FACTOR ** 2


def test_only_the_lowest_full_tier_merges(index, monkeypatch):
    monkeypatch.setattr(merging, "FLOOR", merging.MERGE_FACTOR)
    under_the_floor = [built_segment(index, articles(f"small{n}x", 1)) for n in range(2)]
    tier_one = [built_segment(index, articles(f"big{n}x", merging.MERGE_FACTOR)) for n in range(merging.MERGE_FACTOR)]
    index.writer().commit(merge=False, segments=under_the_floor + tier_one)
    index.writer().commit()
    assert index.segment_count() == 1 + merging.MERGE_FACTOR
    index.writer().commit()  # the next commit merges the next tier
    assert index.segment_count() == 2
    assert index.search("harbour").total == 2 + merging.MERGE_FACTOR ** 2


def test_segments_whose_merge_would_pass_the_limit_are_left_for_optimize(index, monkeypatch):
    monkeypatch.setattr(merging, "MERGE_LIMIT", 2 * merging.MERGE_FACTOR - 1)
    index.writer().commit(merge=False, segments=[built_segment(index, articles(f"c{n}x", 2))
                                                 for n in range(merging.MERGE_FACTOR)])
    index.writer().commit()
    assert index.segment_count() == merging.MERGE_FACTOR
    assert index.optimize() == merging.MERGE_FACTOR and index.segment_count() == 1
    assert index.search("harbour").total == 2 * merging.MERGE_FACTOR


def test_the_segments_a_commit_adds_merge_into_one_without_the_copies_it_deletes(index):
    """An import's commit adds its workers' segments, and the articles it indexed again
    (after its entity votes changed them) whose first copies are in those segments or
    among the writer's own."""
    index.writer().commit(segments=[built_segment(index, articles("old", merging.FLOOR))])
    writer = index.writer()
    workers = [built_segment(index, articles(f"w{n}x", merging.FLOOR)) for n in range(2)]
    writer.replace(Article(id="w1x7", title="w1x story 7", body="Changed: the harbour of Quito.",
                           entities=[EntityCount("place", "Quito", 1)]))
    writer.delete("old3")
    writer.add(Article(id="own", title="Own story", body="The harbour of Lima."))
    writer.replace(Article(id="own", title="Own story", body="Changed: the harbour of Cusco."))
    writer.commit(segments=workers)
    old, merged = segment_list(index.ix)
    assert (old.doc_count_all(), old.deleted_count()) == (merging.FLOOR, 1)
    assert (merged.doc_count_all(), merged.has_deletions()) == (2 * merging.FLOOR + 1, False)
    assert index.id_counts()["w1x7"] == index.id_counts()["own"] == 1
    assert index.search("Quito").total == index.search("Cusco").total == 1 and index.search("Lima").total == 0
    assert index.search("harbour").total == 3 * merging.FLOOR


def test_a_commit_without_merge_merges_nothing(index):
    index.writer().commit(merge=False, segments=[built_segment(index, articles(f"c{n}x", 1))
                                                 for n in range(merging.MERGE_FACTOR)])
    assert index.segment_count() == merging.MERGE_FACTOR


def postings(reader, fieldname: str, text: bytes) -> list[tuple]:
    matcher, found = reader.postings(fieldname, text), []
    while matcher.is_active():
        found.append((matcher.id(), matcher.weight(), matcher.value()))
        matcher.next()
    return found


def test_a_built_segment_holds_exactly_what_whooshs_own_writer_writes(tmp_path):
    """SegmentBuilder keeps its postings grouped by term in memory and writes each term
    whole, the entity fields last; Whoosh's own writer sorts them in its pool and writes
    them one by one. The postings, weights, positions, lengths, columns and block
    statistics must be the same, here from 120 real BBC articles."""
    batch = bbc_articles(120)
    batch.append(Article(id="no-words", title="...", body="!!! -- ?", authors=["—"]))  # fields without a term
    plain, built = SearchIndex(tmp_path / "plain"), SearchIndex(tmp_path / "built")
    plain.recreate()
    built.recreate()
    writer = directory.open_writer(plain.ix)  # Whoosh's (with newskb's codec)
    for article in batch:
        writer.add_document(**document_for(article, ENTITY_FIELDS))
    writer.commit(merge=False)
    writer = built.writer()
    builder = SegmentBuilder(built.path)
    for article in batch:
        builder.add(article)
    writer.commit(merge=False, segments=[builder.finish()])
    expected, found = plain.searcher().reader(), built.searcher().reader()
    terms = list(expected.all_terms())
    assert len(terms) > 5000 and terms == list(found.all_terms())
    for fieldname, text in terms:
        assert postings(found, fieldname, text) == postings(expected, fieldname, text)
        assert found.term_info(fieldname, text).__dict__ == expected.term_info(fieldname, text).__dict__
    assert segment_files(built) == segment_files(plain)
    plain.close()
    built.close()


def test_a_builder_indexes_the_entities_its_articles_have_when_it_finishes(tmp_path):
    """An import's votes change the entities of articles its workers have added: a
    builder indexes the entity fields when it finishes, from the changed articles given
    then. Its segment must be exactly the one a builder given the changed articles from
    the start writes."""
    original = bbc_articles(60)
    changed = {article.id: replace(article, entities=[EntityCount("org", f"Renamed {n % 4}", 2),
                                                      EntityCount("place", "Paris", 1)])
               for n, article in enumerate(original) if n % 3 == 0}
    late, early = SearchIndex(tmp_path / "late"), SearchIndex(tmp_path / "early")
    for index, batch, given in ((late, original, changed), (early, [changed.get(a.id, a) for a in original], {})):
        index.recreate()
        builder = SegmentBuilder(index.path)
        for article in batch:
            builder.add(article)
        index.writer().commit(merge=False, segments=[builder.finish(given)])
    assert segment_files(late) == segment_files(early)
    assert late.search("org:'renamed 1'").total == 5 and late.search("place:paris").total == 20
    assert late.search("place:london").total == 40
    for index in (late, early):
        index.close()


def bbc_articles(count: int, offset: int = 0) -> list[Article]:
    """Real BBC articles (the slice in tests/data), with entities in each entity field."""
    files = sorted(sliced("bbc-news", "business").glob("*.txt"))[offset:offset + count]
    batch = []
    for n, path in enumerate(files):
        title, body = path.read_text(encoding="latin-1").split("\n", 1)
        batch.append(Article(id=f"bbc{offset + n}", title=title, body=body, source="BBC", story_id=f"s{n % 7}", authors=[f"Author {n % 3}"],
                             published=f"2005-01-{n % 28 + 1:02d}T00:00:00Z",
                             entities=[EntityCount("org", f"Org {n % 5}", 1 + n % 3),
                                       EntityCount("person", f"Person {n % 11}", 2),
                                       EntityCount("place", "London", 1)]))
    return batch


def segment_files(index: SearchIndex) -> dict:
    """What a single-segment index holds: every term's postings (document, weight, value)
    and term info, every document's stored fields and lengths, and its columns."""
    reader = index.searcher().reader()
    terms = list(reader.all_terms())
    return {"terms": terms,
            "postings": [postings(reader, fieldname, text) for fieldname, text in terms],
            "infos": [reader.term_info(fieldname, text).__dict__ for fieldname, text in terms],
            "stored": [reader.stored_fields(d) for d in range(reader.doc_count_all())],
            "lengths": [[reader.doc_field_length(d, f) for f in ("title", "body", "org", "person", "place")]
                        for d in range(reader.doc_count_all())],
            "columns": {f: list(reader.column_reader(f, translate=False)) for f in ("published", "story", "source", *ENTITY_FIELDS)}}


@pytest.mark.parametrize("block_size", [128, 3])
def test_a_merged_segment_holds_exactly_what_whooshs_own_merge_writes(tmp_path, monkeypatch, block_size):
    """A merge reads each field's postings as arrays and packs them whole (merging.
    merged_segment); Whoosh's merge takes them one posting at a time. From three segments
    of real BBC articles, some deleted, the two must write the same (with blocks of
    three postings too: most terms span several blocks, some compressed)."""
    for module in (directory, segments, segment_merge):
        monkeypatch.setattr(module, "segment_codec", lambda: PackedCodec(block_size=block_size))
    indexes = []
    for name in ("ours", "whooshs"):
        index = SearchIndex(tmp_path / name)
        index.recreate()
        batches = [bbc_articles(40), bbc_articles(30, offset=40), bbc_articles(25, offset=70)]
        index.writer().commit(merge=False, segments=[built_segment(index, batch) for batch in batches])
        writer = index.writer()
        for article in ("bbc3", "bbc41", "bbc42", "bbc94", "no-such-article"):
            writer.delete(article)
        writer.commit(merge=False)
        indexes.append(index)
    ours, whooshs = indexes
    assert ours.optimize() == 3 and ours.segment_count() == 1
    directory.open_writer(whooshs.ix).commit(optimize=True)  # Whoosh's merge
    expected, found = segment_files(whooshs), segment_files(ours)
    assert len(expected["terms"]) > 3000 and len(expected["stored"]) == 91
    for part in expected:
        assert found[part] == expected[part], part
    assert ours.search('"oil prices"').total == whooshs.search('"oil prices"').total > 0
    for index in indexes:
        index.close()


def test_optimize_leaves_a_single_segment_without_its_deleted_documents(index):
    index.writer().commit(segments=[built_segment(index, articles("oslo", 4))])
    with index.writer() as writer:
        writer.delete("oslo1")
    assert index.optimize() == 1 and index.segment_count() == 1
    [segment] = segment_list(index.ix)
    assert segment.doc_count_all() == 3 and not segment.has_deletions()
    assert index.ids() == {"oslo0", "oslo2", "oslo3"}
    index.optimize()
    assert segment_list(index.ix)[0].segment_id() == segment.segment_id()  # nothing to do: left as it is
