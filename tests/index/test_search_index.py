"""The Whoosh index on a handful of articles: exact ids, orders, facets and snippets."""
from __future__ import annotations

import re
import shutil
import sqlite3
import string
from contextlib import closing
from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import query as wq

from index import SearchIndex, make_snippets
from index.analysis import WORD_PATTERN, fold, stem_word
from index.dates import docs_between
from index.highlight import find_matches, whole_words
from kb import KnowledgeBase
from kb.models import Article, EntityCount


def article(id, title, body, published=None, entities=()):
    return Article(title=title, body=body, id=id, published=published,
                   entities=[EntityCount(t, n, 1) for t, n in entities])


ARTICLES = [
    article("a1", "IRS shares data with ICE", "The IRS shared taxpayer data with ICE in May.",
            "2025-05-02T00:00:00Z", [("org", "IRS"), ("org", "ICE"), ("person", "Scott Bessent")]),
    article("a2", "Ice storm hits Texas", "An ice storm left the US without power; the WHO warned.",
            "2025-01-10T00:00:00Z", [("place", "Texas"), ("org", "WHO")]),
    article("a3", "IT budget grows", "Spending on IT rose. Mamdáni said the IRS would audit it.",
            "2025-03-01T00:00:00Z", [("org", "IRS"), ("person", "Zohran Mamdáni")]),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    search_index = SearchIndex(tmp_path_factory.mktemp("ix") / "index")
    search_index.rebuild([ARTICLES])
    return search_index


def ids(page):
    return [hit.id for hit in page.hits]


@pytest.mark.parametrize("query, expected", [
    ("IRS AND ICE", ["a1"]),
    ("US", ["a2"]), ("IT", ["a3"]), ("WHO", ["a2"]), ("May", ["a1"]),
    ("mamdani", ["a3"]), ("Mamdáni", ["a3"]),
    ("org:ICE", ["a1"]), ("org:ice", ["a1"]), ('person:"scott bessent"', ["a1"]),
    ("ice NOT org:ICE", ["a2"]),
    ('"taxpayer data"', ["a1"]), ('"data taxpayer"', []),
    ("sharing", ["a1"]), ('"sharing taxpayer data"', []), ('"shared taxpayer data"', ["a1"]),
    ('"IRS ICE"~5', ["a1"]), ('"IRS ICE"~2', []),
    ("published:2025-03", ["a3"]), ("published:>2025-03", ["a1"]), ("published:<2025-03", ["a2"]),
    ("published:>=2025-03", ["a1", "a3"]), ("published:<=2025-03-01", ["a2", "a3"]),
    ("shar*", ["a1"]), ("Mamdany~", ["a3"]),
    ("published:[2025-02-01 TO 2025-04-01]", ["a3"]),
])
def test_queries_find_exactly_the_expected_articles(index, query, expected):
    assert sorted(ids(index.search(query))) == expected


def test_title_matches_rank_first(index):
    assert ids(index.search("IRS")) == ["a1", "a3"]  # a1 has IRS in its title, a3 only in its body


def test_sort_newest_and_oldest(index):
    assert ids(index.search("IRS OR ice", sort="newest")) == ["a1", "a3", "a2"]
    assert ids(index.search("IRS OR ice", sort="oldest")) == ["a2", "a3", "a1"]


def test_facets_count_every_match_and_every_entity(index):
    page = index.search("IRS OR ice", limit=1)
    assert page.total == 3 and len(page.hits) == 1
    assert page.facets["org"] == [("irs", 2), ("ice", 1), ("who", 1)]
    assert page.facets["person"] == [("scott bessent", 1), ("zohran mamdáni", 1)]
    assert page.facets["place"] == [("texas", 1)]


def test_facets_follow_new_segments_and_deletions_with_the_kept_searcher(tmp_path):
    """Column readers are kept per segment between searches; a commit must still show."""
    search_index = SearchIndex(tmp_path / "index")
    search_index.recreate()
    with search_index.writer() as writer:
        writer.add(ARTICLES[0])
    assert search_index.search("IRS").facets["org"] == [("ice", 1), ("irs", 1)]
    with search_index.writer() as writer:
        writer.add(ARTICLES[2])  # a second segment
    assert search_index.search("IRS").facets["org"] == [("irs", 2), ("ice", 1)]
    with search_index.writer() as writer:
        writer.delete("a1")
    assert search_index.search("IRS").facets["org"] == [("irs", 1)]


def test_update_replaces_and_delete_removes(tmp_path):
    search_index = SearchIndex(tmp_path / "index")
    search_index.recreate()
    with search_index.writer() as writer:
        for each in ARTICLES:
            writer.add(each)
    with search_index.writer() as writer:
        writer.add(ARTICLES[0])  # a double, as a crash between two commits can leave
    assert search_index.id_counts()["a1"] == 2
    with search_index.writer() as writer:
        writer.replace(article("a1", "Renamed", "Nothing about taxes here."))  # removes every copy
        writer.delete("a2")
    assert search_index.id_counts() == {"a1": 1, "a3": 1}
    assert ids(search_index.search("renamed")) == ["a1"]
    assert ids(search_index.search("taxpayer")) == []


def test_snippets_mark_every_match_even_far_into_long_text():
    text = "Opening words. " + "filler " * 10_000 + "The IRS and ICE met."
    [snippet] = make_snippets(text, {"ir", "ic"}, fragments=1)  # the indexed stems of IRS and ICE
    assert [snippet.text[s.start:s.end] for s in snippet.spans] == ["IRS", "ICE"]


def test_snippets_are_chosen_deterministically():
    text = "\n\n".join(f"Paragraph {n} mentions Treasury once among many other words." for n in range(6))
    runs = {tuple(s.text for s in make_snippets(text, {"treasuri"}, fragments=2, width=60)) for _ in range(20)}
    assert len(runs) == 1


@settings(max_examples=300, derandomize=True, deadline=None)
@given(text=st.text(alphabet="ab._ é-9²Ⅳ\n", max_size=40),
       words=st.sets(st.sampled_from(["a", "b", "ab", "a.b", "é", "9", "²", "Ⅳ", "a_b"]), min_size=1))
def test_snippets_locate_words_exactly_where_the_tokenizer_reads_them(text, words):
    expected = [(m.start(), m.end()) for m in re.finditer(WORD_PATTERN, text) if m.group() in words]
    assert [(start, end) for start, end, _ in whole_words(text, words)] == expected


@settings(max_examples=1000, derandomize=True, deadline=None)
@given(word=st.text(alphabet=string.ascii_letters + string.digits + "_", min_size=1, max_size=14))
def test_stemming_keeps_the_first_letter_of_a_word_as_snippets_assume(word):
    assert stem_word(fold(word))[:1] == fold(word)[:1]


def test_snippet_matches_equal_those_found_by_stemming_every_word(reuters_path):
    with KnowledgeBase(reuters_path) as kb:
        bodies = [article.body for batch in kb.store.iter_articles() for article in batch][:300]
    pattern = re.compile(WORD_PATTERN)
    vocabulary = sorted({word for body in bodies for word in pattern.findall(body)})
    for start in range(0, 60, 3):  # stems of capitalised, accented, numeric and plain words
        stems = {stem_word(fold(word)) for word in vocabulary[start * 97:start * 97 + 40]}
        for body in bodies[start:start + 40]:
            expected = sorted((m.start(), m.end(), fold(m.group())) for m in pattern.finditer(body)
                              if stem_word(fold(m.group())) in stems)
            assert find_matches(body, stems) == expected


@settings(max_examples=300, derandomize=True, deadline=None)
@given(text=st.text(alphabet="ab._ é-9\n", max_size=40))
def test_the_word_pattern_reads_the_words_the_indexes_were_built_with(text):
    built_with = r"\w+(?:\.?\w+)*"  # until stop 13: the same words, a fifth slower to find
    assert [m.span() for m in re.finditer(WORD_PATTERN, text)] == [m.span() for m in re.finditer(built_with, text)]


def publication_moments(kb_path, searcher) -> dict[int, datetime]:
    """Each dated live document's publication moment, from the articles' text in SQLite
    (not from the index)."""
    with closing(sqlite3.connect(kb_path / "kb.db")) as db:  # (a connection's `with` does not close it)
        published = dict(db.execute("select id, published from articles where published is not null"))
    moments = {docnum: published.get(fields["id"]) for docnum, fields in searcher.reader().iter_docs()}
    return {docnum: datetime.fromisoformat(text.removesuffix("Z")) for docnum, text in moments.items() if text}


def test_date_filters_from_the_column_equal_the_stored_dates(reuters_path):
    with KnowledgeBase(reuters_path) as kb:
        searcher = kb.index.searcher()
        moments = publication_moments(reuters_path, searcher)
        for start, end in [(datetime(1987, 3, 1), datetime(1987, 3, 31, 23, 59, 59, 999999)),
                           (None, datetime(1987, 2, 28, 23, 59, 59, 999999)), (datetime(1987, 3, 2), None)]:
            expected = {docnum for docnum, moment in moments.items()
                        if (start is None or start <= moment) and (end is None or moment <= end)}
            assert set(docs_between(searcher, start, end).tolist()) == expected and expected


@pytest.mark.parametrize("start, end, startexcl, endexcl", [
    ("1987-02-26T18:00", "1987-03-02T12:00", False, False), ("1987-02-26T18:00", "1987-03-02T12:00", True, True),
    ("1987-03-02", None, False, False), (None, "1987-03-01", False, True), (None, None, False, False),
    (None, "1987-03-03T09:17:32", False, True), ("1987-02-26T15:01:01", None, True, False),  # the first and last
])
def test_published_clauses_from_the_columns_match_the_stored_dates(reuters_path, start, end, startexcl, endexcl):
    """A `published` range as Whoosh's parser makes it (a NumericRange of its longs)."""
    from whoosh.util.times import datetime_to_long

    from index.dates import PublishedBetween, answer_from_columns

    low, high = (datetime.fromisoformat(day) if day else None for day in (start, end))
    search_index = SearchIndex(reuters_path / "index")
    searcher = search_index.searcher()
    whoosh_range = wq.NumericRange("published", low and datetime_to_long(low), high and datetime_to_long(high),
                                   startexcl, endexcl)
    ours = answer_from_columns(wq.And([wq.Every(), whoosh_range]))
    assert isinstance(ours.subqueries[1], PublishedBetween)
    expected = {docnum for docnum, moment in publication_moments(reuters_path, searcher).items()
                if (low is None or (low < moment if startexcl else low <= moment))
                and (high is None or (moment < high if endexcl else moment <= high))}
    assert set(searcher.search(ours, limit=None).docs()) == expected
    assert 0 < len(expected) < searcher.doc_count() or start is end is None
    search_index.close()


@pytest.mark.parametrize("text", ["oil AND NOT gas", '"interest rates"', "shar*", "title:(oil OR gas)",
                                  "cocoa OR coffee", "Bahia~ AND cocoa", "oil -prices"])
def test_highlight_terms_are_the_terms_each_hit_matched(reuters_path, text):
    """What Whoosh records per match with terms=True, found from the query instead (the
    words of phrases apart: they are marked where the phrase matches)."""
    from index.searching import highlight_phrases, highlight_terms

    search_index = SearchIndex(reuters_path / "index")
    searcher = search_index.searcher()
    query = search_index.parse(text, searcher)
    ours = highlight_terms(query, searcher.reader()) | {
        "=" + word for words, _ in highlight_phrases(query) for word in words}
    hits = searcher.search(query, limit=10, terms=True)
    assert len(hits) > 0
    for hit in hits:
        matched = {t.decode() for f, t in hit.matched_terms() if f in ("title", "body")}
        assert matched <= ours
        for term in ours - matched:  # the other terms are absent from this document
            assert not searcher.search(wq.And([wq.Or([wq.Term("title", term), wq.Term("body", term)]),
                                               wq.Term("id", hit["id"])])).scored_length()
    search_index.close()


@pytest.mark.parametrize("text", ["oil", "the", "cocoa OR coffee"])
@pytest.mark.parametrize("top", [5, 100_000])
def test_facets_equal_whooshs_own_grouping_of_every_match(reuters_path, text, top):
    from whoosh.sorting import Count, FieldFacet

    search_index = SearchIndex(reuters_path / "index")
    searcher = search_index.searcher()
    page = search_index.search(text, facet_top=top)
    query = search_index.parse(text, searcher)
    for kind in ("person", "org", "place"):
        grouped = searcher.search(query, groupedby=FieldFacet(kind, allow_overlap=True, maptype=Count)).groups()
        expected = sorted(((name.decode(), n) for name, n in grouped.items() if name), key=lambda vc: (-vc[1], vc[0]))
        assert page.facets[kind] == expected[:top] and grouped
    search_index.close()


def test_searching_reads_the_index_files_without_copying_them_into_memory(reuters_path):
    """Whoosh's memory-mapped compound segments were copied whole into memory by every
    reader (1.3 GB for a 100,000-article knowledge base); opened as plain files, a search
    allocates a small part of the index's size."""
    import tracemalloc

    index_bytes = sum(f.stat().st_size for f in (reuters_path / "index").rglob("*") if f.is_file())
    search_index = SearchIndex(reuters_path / "index")
    tracemalloc.start()
    page = search_index.search("oil OR trade OR prices", facet_top=10)
    allocated = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert page.total > 100 and index_bytes > 2_000_000
    assert allocated < index_bytes / 4
    search_index.close()
