"""Queries answered with arrays (index.matching) give exactly what Whoosh's own search
gives: the same matches, the same scores, the same ranking, on a real Reuters index of
several segments, with deleted documents."""
from __future__ import annotations

import shutil

import numpy as np
import pytest
from whoosh import query as wq

from index import SearchIndex
from index.filters import filter_for
from index.matching import all_matches, first_positions
from kb import KnowledgeBase
from kb.models import SearchFilters
from kb.vocabulary import NO_ENTITY, UNKNOWN_SOURCE

QUERIES = [
    "oil", "oil AND opec", "wheat OR corn OR grain", "coffee NOT brazil", "(gold OR silver) AND prices",
    "bank AND rates AND japan", "oil ANDMAYBE opec", "NOT oil",
    '"trade deficit"', '"bank of japan"', '"mln dlrs"', '"oil"', '"prices oil"', '"oil prices"~5', '"prices oil"~3',
    "title:cocoa", "title:(oil OR gas)", 'title:"money market"', "title:oil^3 OR body:gas", "(oil gas)^2",
    "coff* AND price", "wheat~1", "published:1987-03 AND oil", "published:>1987-03-01", "source:reuters",
    "zzzunknownword", "oil AND zzzunknownword", '"zzzunknownword oil"', "*", "title:*", "title:* AND oil",
    "* NOT oil",
]
EXPANSIONS = ["coff* AND price", "wheat~1", "shar*", "title:oil*^2 OR gas"]  # scored apart from Whoosh
FILTERS = [
    SearchFilters(entities=[("org", "Organization of Petroleum Exporting Countries")]),  # OPEC (no resolver here)
    SearchFilters(since="1987-03-01", until="1987-03-10"),
    SearchFilters(since="1987-03-01", entities=[("place", "Japan")]),
]


@pytest.fixture(scope="module")
def index(reuters_path, tmp_path_factory):
    """The Reuters slice (a segment per import worker), then 40 of its articles deleted
    and 25 of them added back: one more segment, and deletions in the others."""
    path = tmp_path_factory.mktemp("matching") / "kb"
    shutil.copytree(reuters_path, path)
    with KnowledgeBase(path, create=False) as kb:
        removed = [hit.id for hit in kb.search("oil OR wheat", limit=40, facets=0).hits]
        articles = kb.store.get_articles(removed)
    search_index = SearchIndex(path / "index")
    writer = search_index.writer()
    for article_id in removed:
        writer.delete(article_id)
    for article_id in removed[:25]:
        writer.add(articles[article_id])
    writer.commit(merge=False)
    assert search_index.segment_count() >= 2
    yield search_index
    search_index.close()


@pytest.fixture(scope="module")
def merged(index, tmp_path_factory):
    """The same index merged into one segment, made once for the tests that compare scores
    on both (a copy and a merge took about 20 s here); read only."""
    path = tmp_path_factory.mktemp("merged") / "index"
    shutil.copytree(index.path, path)
    merged_index = SearchIndex(path)
    merged_index.optimize()
    yield merged_index
    merged_index.close()


# Whoosh's own answers, by index, query and filters: the module's index never changes, and
# several tests ask for the same query (Whoosh's `*` took 20 s here, the query set 30 s).
WHOOSH_ANSWERS: dict[tuple, tuple[dict, list]] = {}


def whoosh_hits(searcher, query, **options) -> list:
    """Whoosh's own hits, all of them, but for deleted documents: Whoosh's root Not can
    yield one (seen: "NOT oil" on one layout of this fixture's segments), and a deleted
    document is no answer."""
    return [hit for hit in searcher.search(query, limit=None, **options)
            if not searcher.reader().is_deleted(hit.docnum)]


def whoosh_answer(index: SearchIndex, text: str, filters: SearchFilters | None = None):
    key = (index.path, text, repr(filters))
    if key not in WHOOSH_ANSWERS:
        searcher = index.searcher()
        allowed = filter_for(filters, searcher)  # (Whoosh takes document numbers as a set)
        live = whoosh_hits(searcher, index.parse(text, searcher),
                           filter=set(allowed.tolist()) if isinstance(allowed, np.ndarray) else allowed)
        WHOOSH_ANSWERS[key] = {hit.docnum: hit.score for hit in live}, [hit.docnum for hit in live[:10]]
    scores, top = WHOOSH_ANSWERS[key]
    return dict(scores), list(top)  # copies: no test can change another's answer


def array_answer(index: SearchIndex, text: str, filters: SearchFilters | None = None):
    searcher = index.searcher()
    matches = all_matches(searcher, index.parse(text, searcher), filter_for(filters, searcher))
    top = matches.ids[first_positions(-matches.scores, matches.ids, 10)].tolist()
    return dict(zip(matches.ids.tolist(), matches.scores.tolist())), top


def assert_same(expected, found):
    (expected_scores, expected_top), (found_scores, found_top) = expected, found
    assert found_scores.keys() == expected_scores.keys()
    docnums = list(expected_scores)
    np.testing.assert_allclose([found_scores[d] for d in docnums], [expected_scores[d] for d in docnums],
                               rtol=1e-12)
    assert found_top == expected_top


@pytest.mark.parametrize("text", [text for text in QUERIES if text not in EXPANSIONS])
def test_matches_scores_and_ranking_equal_whoosh(index, text):
    assert_same(whoosh_answer(index, text), array_answer(index, text))


@pytest.mark.parametrize("text", EXPANSIONS)
def test_wildcard_prefix_and_fuzzy_words_match_as_in_whoosh(index, text):
    assert array_answer(index, text)[0].keys() == whoosh_answer(index, text)[0].keys()


@pytest.mark.parametrize("text, boost", [("coff*", 1), ("wheat~1", 1), ("shar*", 1), ("title:oil*^2", 2)])
def test_a_wildcard_prefix_or_fuzzy_word_scores_its_boost_however_the_index_is_split(index, merged, text, boost):
    """Whoosh scores such a word by BM25 in a segment where it stands for one word only,
    so merging segments would change scores."""
    def scores_by_id(search_index):
        searcher = search_index.searcher()
        return {searcher.stored_fields(docnum)["id"]: score
                for docnum, score in array_answer(search_index, text)[0].items()}
    assert merged.segment_count() == 1 < index.segment_count()
    scores = scores_by_id(index)
    assert scores == scores_by_id(merged) and set(scores.values()) <= {boost, 2 * boost}  # title, body


@pytest.mark.parametrize("filters", FILTERS, ids=["entity", "dates", "dates-and-entity"])
def test_filters_restrict_as_in_whoosh(index, filters):
    expected = whoosh_answer(index, "oil OR trade OR prices", filters)
    assert 0 < len(expected[0]) < len(whoosh_answer(index, "oil OR trade OR prices")[0])
    assert_same(expected, array_answer(index, "oil OR trade OR prices", filters))


def test_andnot_drops_every_match_of_its_right_side(index):
    """Whoosh's own AndNot matcher can let a document of its right side through (on the
    whole Reuters set, one holding "price"); the arrays give "oil", scored as "oil",
    minus every match of "price"."""
    oil, price = array_answer(index, "oil")[0], array_answer(index, "price")[0]
    found = array_answer(index, "oil ANDNOT price")[0]
    assert found == {docnum: score for docnum, score in oil.items() if docnum not in price}
    assert len(found) > 10


def test_the_query_set_is_not_trivial(index):
    """The queries match in both segments, and deleted documents would have matched."""
    totals = {text: len(whoosh_answer(index, text)[0]) for text in QUERIES}
    assert sum(1 for total in totals.values() if total > 5) >= 18
    assert totals["zzzunknownword"] == 0
    reader = index.searcher().reader()
    assert reader.has_deletions()
    deleted = set(range(reader.doc_count_all())) - set(reader.all_doc_ids())
    assert deleted and deleted & set(whoosh_answer(index, "oil OR wheat")[0]) == set()


def test_counts_and_sorted_searches_skip_deleted_documents_in_date_clauses(index):
    """They run on Whoosh's matchers, where a `published:` clause once matched deleted
    (replaced) copies of articles too."""
    expected = len(array_answer(index, "published:>1987-03-01")[0])
    assert sum(n for _, n in index.count("published:>1987-03-01", by="year")) == expected
    assert index.search("published:>1987-03-01", sort="newest").total == expected


@pytest.mark.parametrize("sort", ["newest", "oldest"])
@pytest.mark.parametrize("text", ["oil", "wheat OR corn", "NOT oil"])
def test_pages_sorted_by_date_follow_whooshs_order_and_keep_relevance_scores(index, text, sort):
    searcher = index.searcher()
    query = index.parse(text, searcher)
    ordered = [searcher.stored_fields(hit.docnum)["id"]
               for hit in whoosh_hits(searcher, query, sortedby="published", reverse=sort == "newest")]
    scores = {searcher.stored_fields(docnum)["id"]: score for docnum, score in whoosh_answer(index, text)[0].items()}
    page = index.search(text, sort=sort, limit=20, offset=10)
    assert [hit.id for hit in page.hits] == ordered[10:30] and page.total == len(ordered)
    assert [hit.score for hit in page.hits] == pytest.approx([scores[hit.id] for hit in page.hits], rel=1e-12)


@pytest.mark.parametrize("sort", ["relevance", "newest"])
def test_collapse_shows_the_first_match_of_each_story_with_its_copies(index, sort):
    searcher = index.searcher()
    query = index.parse("NOT zzzunknownword", searcher)
    if sort == "relevance":
        scores = whoosh_answer(index, "NOT zzzunknownword")[0]
        order = sorted(scores, key=lambda docnum: (-scores[docnum], docnum))
    else:
        order = [hit.docnum for hit in whoosh_hits(searcher, query, sortedby="published", reverse=True)]
    stories = [searcher.stored_fields(docnum)["story"] for docnum in order]
    first = {}
    for docnum, story in zip(order, stories):
        first.setdefault(story, docnum)
    expected = [(searcher.stored_fields(docnum)["id"], stories.count(story) - 1) for story, docnum in first.items()]
    page = index.search("NOT zzzunknownword", sort=sort, collapse=True, limit=len(order), facet_top=0)
    assert [(hit.id, hit.more) for hit in page.hits] == expected and page.total == len(order)
    assert any(more for _, more in expected) and len(expected) < len(order)
    shifted = index.search("NOT zzzunknownword", sort=sort, collapse=True, limit=5, offset=3, facet_top=0)
    assert [(hit.id, hit.more) for hit in shifted.hits] == expected[3:8]


@pytest.mark.parametrize("by", ["org", "source", "month"])
def test_counts_per_bucket_equal_whooshs_grouping(index, by):
    from whoosh.sorting import Count, FieldFacet

    searcher = index.searcher()
    query = index.parse("oil OR trade", searcher)
    facet = FieldFacet("published" if by == "month" else by, allow_overlap=by == "org", maptype=Count)
    grouped = searcher.search(query, limit=None, groupedby={"bucket": facet}).groups("bucket")
    if by == "month":  # Whoosh groups by the exact moment; the count, by month
        expected = {}
        for moment, n in grouped.items():
            expected[moment.strftime("%Y-%m")] = expected.get(moment.strftime("%Y-%m"), 0) + n
    else:  # the matches without a value are counted apart: Whoosh's own search finds them
        expected = {(key.decode() if isinstance(key, bytes) else key): n for key, n in grouped.items() if key}
        expected[{"org": NO_ENTITY, "source": UNKNOWN_SOURCE}[by]] = len(
            whoosh_answer(index, f"(oil OR trade) NOT {by}:*")[0])
    found = {key: n for key, n in index.count("oil OR trade", by=by) if n}  # no empty months
    assert found == {key: n for key, n in expected.items() if n}
    assert sum(found.values()) >= len(whoosh_answer(index, "oil OR trade")[0]) > 100


def test_a_search_page_follows_the_ranking(index):
    page = index.search("oil AND prices", limit=5, offset=5)
    searcher = index.searcher()
    ranked = [searcher.stored_fields(d)["id"] for d in whoosh_answer(index, "oil AND prices")[1]]
    assert [hit.id for hit in page.hits] == ranked[5:10]
    assert page.total == len(whoosh_answer(index, "oil AND prices")[0])


@pytest.mark.parametrize("text", ["*", "title:*", "* NOT oil", "title:* AND oil"])
def test_match_all_reads_no_postings(index, text, monkeypatch):
    """`kb search '*'` took 105 s on 21,555 articles: Whoosh's Every matcher reads the
    postings of every word of the field. The arrays answer it from the length column."""
    expected = array_answer(index, text)

    def refused(*args, **kwargs):
        raise AssertionError("Whoosh's Every matcher was used")

    monkeypatch.setattr(wq.Every, "matcher", refused)
    assert array_answer(index, text) == expected and expected[0]


@pytest.mark.parametrize("text", ["oil OR trade", "coffee NOT brazil", "zzzunknownword"])
def test_facets_rank_whooshs_counts_by_count_then_name(index, text):
    """Entity facets (counted and ranked in numpy over a name table kept per searcher)
    equal Whoosh's grouping of every match, most frequent first, ties by name."""
    from whoosh.sorting import Count, FieldFacet

    searcher = index.searcher()
    fields = ("person", "org", "place")
    groups = {field: FieldFacet(field, allow_overlap=True, maptype=Count) for field in fields}
    found = searcher.search(index.parse(text, searcher), limit=None, groupedby=groups)
    for top in (100_000, 5):  # (all of them, and a few)
        page = index.search(text, facet_fields=fields, facet_top=top, limit=1)
        for field in fields:
            counts = {key.decode(): n for key, n in found.groups(field).items() if key}
            assert page.facets[field] == sorted(counts.items(), key=lambda vc: (-vc[1], vc[0]))[:top]


def query_nodes(query: wq.Query):
    yield query
    for child in query.children():
        yield from query_nodes(child)


@pytest.mark.parametrize("text", QUERIES)
def test_sizes_estimated_from_the_searchs_term_infos_equal_whooshs(index, text):
    """all_of intersects (and so adds up scores) in the order of these sizes: each must
    be Whoosh's own estimate, though a term is looked up once per search and segment."""
    from index.matching import estimated_size

    searcher = index.searcher()
    query = index.parse(text, searcher)
    for leaf, _ in searcher.leaf_searchers():
        for node in query_nodes(query):
            assert estimated_size(node, leaf.reader()) == node.estimate_size(leaf.reader()), node


def test_term_infos_kept_per_segment_are_bounded_and_change_no_answer(index, monkeypatch):
    """A segment reader keeps the term infos last looked up (TERM_INFOS_KEPT of them):
    answers are the same with them kept, and the table never grows past its bound."""
    from index import matching
    from index.segment_cache import segment_cache

    texts = ["oil AND opec", "wheat OR corn OR grain", '"trade deficit"', "oil AND opec"]
    expected = {text: whoosh_answer(index, text) for text in texts}
    monkeypatch.setattr(matching, "TERM_INFOS_KEPT", 3)
    searcher = index.searcher()
    for leaf, _ in searcher.leaf_searchers():  # (other tests' searches filled them)
        segment_cache(leaf.reader()).pop(matching.TERM_INFOS, None)
    for text in texts:
        assert_same(expected[text], array_answer(index, text))
        assert all(len(segment_cache(leaf.reader())[matching.TERM_INFOS]) <= 3 for leaf, _ in searcher.leaf_searchers())


def test_a_commit_is_seen_by_the_next_search_whatever_was_kept(tmp_path):
    """Term infos and deleted documents are kept with a segment's reader: a commit that
    deletes or adds articles gives the next search new readers, and new answers."""
    from kb.models import Article

    search_index = SearchIndex(tmp_path / "index")
    search_index.rebuild([[Article("Oil", "Oil prices rose.", id="a1"), Article("Oil", "Oil output fell.", id="a2")]])
    assert sorted(hit.id for hit in search_index.search("oil").hits) == ["a1", "a2"]
    assert not search_index.search("gold").hits
    with search_index.writer() as writer:
        writer.delete("a1")
        writer.add(Article("Gold", "Gold and oil rose.", id="a3"))
    assert sorted(hit.id for hit in search_index.search("oil").hits) == ["a2", "a3"]
    assert [hit.id for hit in search_index.search("gold").hits] == ["a3"]
    search_index.close()
