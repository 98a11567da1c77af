"""PackedCodec against Whoosh's own W3Codec: the same real documents (the Reuters slice)
indexed with each give the same postings, term statistics, matches, scores and phrase
spans, in one segment, in several, merged, and with deleted documents."""
from __future__ import annotations

import re
from itertools import islice

import pytest
from whoosh import query as wq
from whoosh.codec.whoosh3 import W3Codec
from whoosh.fields import KEYWORD, TEXT, Schema
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.qparser import FuzzyTermPlugin, MultifieldParser

from helpers import sliced
from importers import parse_file
from index.codec import PackedCodec, PackedMatcher
from kb.models import Article
from index.documents import document_for
from index.matching import all_matches
from index.schema import ENTITY_FIELDS, build_schema

CODECS = {"w3": W3Codec, "packed": PackedCodec}
NAMES = re.compile(r"\b[A-Z][a-z]{2,}\b")
QUERIES = (
    "oil", "oil prices", "oil AND gas", "oil OR gold", "wheat NOT corn", "cocoa OR (coffee AND brazil)",
    '"crude oil"', '"oil prices"', '"the company said"', '"bank of england"', '"trade deficit"~3',
    "export*", "shar*", "cocoa~1", "title:cocoa", "title:(oil OR gas) AND body:prices",
    "source:reuters AND wheat", f"{ENTITY_FIELDS[0]}:reuters", "dollar NOT title:dollar", "oil -prices",
)
LIMITS = (None, 10)  # every match (no block skipping), and the top 10 (Whoosh skips blocks by quality)


def reuters_documents(count: int | None = None) -> list[dict]:
    """Whoosh documents of the Reuters slice as newskb indexes them, the first entity field
    filled with the body's capitalised words (repeats kept: frequencies above 1)."""
    records = parse_file(sliced("reuters-21578", "reut2-000.sgm"))
    articles = islice((record for record in records if isinstance(record, Article)), count)
    documents = []
    for number, article in enumerate(articles):
        article.id = f"r{number}"
        document = document_for(article, ENTITY_FIELDS)
        document[ENTITY_FIELDS[0]] = ",".join(NAMES.findall(article.body))
        documents.append(document)
    return documents


def build(storage, codec, documents, schema, batches: int = 1, optimize: bool = False, delete=()):
    """An index of `documents` written with `codec` in `batches` commits (segments), merged
    into one with `optimize`, then with the documents of ids `delete` deleted."""
    ix = storage.create_index(schema)
    size = -(-len(documents) // batches)
    for start in range(0, len(documents), size):
        writer = ix.writer(codec=codec)
        for document in documents[start:start + size]:
            writer.add_document(**document)
        writer.commit(merge=False)
    if optimize:
        ix.writer(codec=codec).commit(optimize=True)
    if delete:
        writer = ix.writer(codec=codec)
        for doc_id in delete:
            writer.delete_by_term("id", doc_id)
        writer.commit(merge=False)
    return ix


@pytest.fixture(scope="module")
def documents():
    return reuters_documents()


@pytest.fixture(scope="module", params=["one segment", "three segments", "merged", "deletions"])
def pair(request, documents, tmp_path_factory):
    """The Reuters slice indexed with each codec, the same way."""
    documents = indexed(documents, request.param)
    options = {"one segment": {}, "three segments": {"batches": 3}, "merged": {"batches": 3, "optimize": True},
               "deletions": {"batches": 2, "delete": [f"r{n}" for n in range(0, len(documents), 7)]}}[request.param]
    indexes = {}
    for name, codec in CODECS.items():
        folder = tmp_path_factory.mktemp(f"{name}-{request.param.replace(' ', '-')}")
        indexes[name] = build(FileStorage(str(folder)), codec(), documents, build_schema(), **options)
    return indexes


def indexed(documents: list[dict], setup: str) -> list[dict]:
    """The articles a set-up indexes: the slice's first 500 in one segment, 300 split or
    merged (for time)."""
    return documents[:500 if setup == "one segment" else 300]


def parser(schema):
    parsed = MultifieldParser(["title", "body"], schema)
    parsed.add_plugin(FuzzyTermPlugin())
    return parsed


def unwrapped(matcher):
    """A leaf matcher without the filter Whoosh wraps it in when a segment has deletions."""
    return matcher.child if hasattr(matcher, "child") else matcher


def postings(reader, fieldname, text):
    matcher = reader.postings(fieldname, text)
    found = []
    while matcher.is_active():
        positions = matcher.value_as("positions") if matcher.supports("positions") else None
        found.append((matcher.id(), matcher.weight(), matcher.value(), positions))
        matcher.next()
    return found


def sampled_terms(reader):
    """Every term of the small fields, every third of the body."""
    terms = []
    for fieldname in ("title", "source", "lang", "story", ENTITY_FIELDS[0], "published"):
        terms += [(fieldname, text) for text in reader.lexicon(fieldname)]
    terms += [("body", text) for text in islice(reader.lexicon("body"), 0, None, 3)]
    return terms


def test_the_packed_index_is_read_by_the_packed_matcher(pair):
    with pair["packed"].reader() as reader:
        leaves = [leaf for leaf, _ in reader.leaf_readers()]
        assert leaves and all(type(unwrapped(leaf.postings("body", text))) is PackedMatcher
                              for leaf in leaves for text in islice(leaf.lexicon("body"), 50))


def test_every_term_has_the_same_postings_and_statistics(pair):
    with pair["w3"].reader() as w3, pair["packed"].reader() as packed:
        terms = sampled_terms(w3)
        assert len(terms) > 1500
        assert terms == sampled_terms(packed)
        for fieldname, text in terms:
            assert postings(packed, fieldname, text) == postings(w3, fieldname, text), (fieldname, text)
            expected, got = w3.term_info(fieldname, text), packed.term_info(fieldname, text)
            assert (got.weight(), got.doc_frequency(), got.min_length(), got.max_length(), got.max_weight(),
                    got.min_id(), got.max_id()) == (
                expected.weight(), expected.doc_frequency(), expected.min_length(), expected.max_length(),
                expected.max_weight(), expected.min_id(), expected.max_id()), (fieldname, text)


@pytest.mark.parametrize("text", QUERIES)
def test_a_query_matches_the_same_documents_with_the_same_scores(pair, text):
    schema = pair["w3"].schema
    query = parser(schema).parse(text)
    results = {}
    for name, ix in pair.items():
        with ix.searcher() as searcher:
            results[name] = [[(hit.docnum, hit.score) for hit in searcher.search(query, limit=limit)]
                             for limit in LIMITS]
    for expected, got in zip(results["w3"], results["packed"]):
        assert [docnum for docnum, _ in got] == [docnum for docnum, _ in expected]
        assert all(abs(a - b) <= 1e-9 for (_, a), (_, b) in zip(got, expected))
    assert results["w3"][0] or text.startswith(ENTITY_FIELDS[0]), "a query matching nothing tests little"


@pytest.mark.parametrize("text", QUERIES)
def test_the_array_answers_are_the_same_to_the_bit(pair, text):
    """index.matching reads packed postings whole, as arrays (positions from their own
    stream), and Whoosh's own a posting at a time."""
    query = parser(pair["w3"].schema).parse(text)
    answers = {}
    for name, ix in pair.items():
        with ix.searcher() as searcher:
            matches = all_matches(searcher, query)
            answers[name] = (matches.ids.tolist(), matches.scores.tolist())
    assert answers["packed"] == answers["w3"]


@pytest.mark.parametrize("text", ['"crude oil"', '"the company said"', '"trade deficit"~3'])
def test_a_phrase_has_the_same_spans(pair, text):
    query = parser(pair["w3"].schema).parse(text)
    spans = {}
    for name, ix in pair.items():
        with ix.searcher() as searcher:
            matcher = query.matcher(searcher)
            found = []
            while matcher.is_active():
                found.append((matcher.id(), sorted((s.start, s.end) for s in matcher.spans())))
                matcher.next()
            spans[name] = found
    assert spans["packed"] == spans["w3"] and spans["w3"]


def test_a_filter_restricts_both_alike(pair):
    query = parser(pair["w3"].schema).parse("prices")
    results = {}
    for name, ix in pair.items():
        with ix.searcher() as searcher:
            hits = searcher.search(query, limit=None, filter=wq.Term("title", "oil"))
            results[name] = [(hit.docnum, round(hit.score, 9)) for hit in hits]
    assert results["packed"] == results["w3"] and results["w3"]


def test_deleted_documents_are_not_matched(pair, documents, request):
    documents = indexed(documents, request.node.callspec.params["pair"])
    deleted = set()
    if request.node.callspec.params["pair"] == "deletions":
        deleted = {f"r{n}" for n in range(0, len(documents), 7)}
    with pair["packed"].searcher() as searcher:
        assert searcher.reader().has_deletions() == bool(deleted)
        matched = [hit["id"] for hit in searcher.search(wq.Term("body", "said"), limit=None)]
        assert matched and not set(matched) & deleted
        expected = [d["id"] for d in documents if "said" in d["body"].lower().split() and d["id"] not in deleted]
        assert set(expected) <= set(matched)


def test_a_term_query_reads_no_positions(pair):
    with pair["packed"].reader() as whole:
        reader = whole.leaf_readers()[0][0]
        matcher = unwrapped(reader.postings("body", "said"))
        ids = list(matcher.all_ids())
        assert len(ids) > 50
        assert matcher.block_values is None
        matcher = unwrapped(reader.postings("body", "said"))
        assert matcher.value_as("positions") and matcher.block_values is not None


def test_skip_to_lands_where_whoosh_lands(pair):
    with pair["w3"].reader() as w3, pair["packed"].reader() as packed:
        for text in ("said", "oil", "mln", "cocoa"):
            expected, got = w3.postings("body", text), packed.postings("body", text)
            for target in range(0, w3.doc_count_all() + 50, 37):
                if not expected.is_active():
                    break
                expected.skip_to(target)
                got.skip_to(target)
                assert got.is_active() == expected.is_active()
                if expected.is_active():
                    assert got.id() == expected.id()


def test_a_matcher_that_skipping_ended_still_names_a_document(pair):
    """Whoosh's AndNotMatcher asks its positive side's id() after skip_to_quality() has
    ended it ("oil -prices", top 10, on the one segment of the Reuters slice's import);
    Whoosh's matcher answers a document it read, this one the term's last."""
    with pair["packed"].searcher() as searcher:
        for leaf, _ in searcher.leaf_searchers():
            reader = leaf.reader()
            if ("body", "cocoa") not in reader:
                continue
            matcher = reader.postings("body", "cocoa", scorer=searcher.weighting.scorer(leaf, "body", "cocoa"))
            matcher.skip_to_quality(float("inf"))
            assert not matcher.is_active() and matcher.id() == reader.term_info("body", "cocoa").max_id()


@pytest.mark.parametrize("field", [TEXT(chars=True), TEXT(vector=True, phrase=True), KEYWORD(scorable=True)])
def test_other_formats_and_term_vectors_round_trip(field):
    """Characters values (kept as bytes), term vectors (W3Codec's own), frequencies."""
    schema = Schema(text=field)
    texts = [d["body"] for d in reuters_documents(40)]
    indexes = [build(RamStorage(), codec(), [{"text": t} for t in texts], schema) for codec in CODECS.values()]
    with indexes[0].reader() as w3, indexes[1].reader() as packed:
        terms = list(w3.lexicon("text"))
        assert terms == list(packed.lexicon("text"))
        for text in terms:
            assert postings(packed, "text", text) == postings(w3, "text", text)
        if field.vector:
            assert list(packed.vector_as("weight", 3, "text")) == list(w3.vector_as("weight", 3, "text"))


@pytest.mark.parametrize("block_size", [1, 5, 1000])
def test_any_block_size_gives_the_same_postings(block_size):
    documents = [{"body": d["body"], "id": d["id"]} for d in reuters_documents(200)]
    schema = Schema(body=TEXT(phrase=True), id=KEYWORD(stored=True))
    w3 = build(RamStorage(), W3Codec(), documents, schema)
    packed = build(RamStorage(), PackedCodec(block_size=block_size, compress_positions=block_size != 5),
                   documents, schema)
    with w3.reader() as expected, packed.reader() as got:
        for text in ("said", "pct", "oil", "mln", "cocoa"):
            assert postings(got, "body", text) == postings(expected, "body", text)


def test_the_arrays_file_holds_what_whooshs_columns_and_lengths_hold(pair):
    """Each packed segment's arrays (written by PackedCodec's per-document writer, new or
    merged) against the same segment of the W3Codec index, read through Whoosh's public
    per-document API: every field's lengths, the dates, the entity, story and source columns."""
    from index.segment_cache import segment_arrays

    with pair["w3"].reader() as w3, pair["packed"].reader() as packed:
        pairs = list(zip([r for r, _ in w3.leaf_readers()], [r for r, _ in packed.leaf_readers()]))
        assert pairs and all(type(r.codec()) is PackedCodec for _, r in pairs)
        for w3_reader, packed_reader in pairs:
            ours, theirs = segment_arrays(packed_reader), segment_arrays(w3_reader)
            count = packed_reader.doc_count_all()
            assert ours.count == theirs.count == count
            for fieldname in ("title", "body", "source", "author", "id"):
                assert listed(ours.length_codes(fieldname)) == listed(theirs.length_codes(fieldname))
            assert ours.numbers("published").tolist() == theirs.numbers("published").tolist()
            for fieldname in (*ENTITY_FIELDS, "story", "source"):
                assert values(ours.name_lists(fieldname), count) == values(theirs.name_lists(fieldname), count)
        assert any(values(ours.name_lists(ENTITY_FIELDS[0]), count))


def listed(array):
    return None if array is None else array.tolist()


def values(lists, count: int) -> list[list[bytes]]:
    """Each document's values of a column (the empty value, a document without one, left out)."""
    return [[value for value in lists.of(d) if value] if lists else [] for d in range(count)]


@pytest.mark.parametrize("block_size", [3, 64])
def test_arrays_decoded_a_run_of_blocks_at_once_equal_the_postings_stepped_through(block_size):
    """postings_arrays decodes blocks packed alike at once (gathered gaps, one sum): the
    same numbers and weights as the matcher gives one posting at a time, with gaps of
    one and two bytes and weights of several kinds in one term, from any block on, and
    with only some documents wanted."""
    import numpy as np

    # "oil" in every third document, 1-7 times before 1,000 (weights of a byte), 300
    # times or more after (two bytes); "gas" in every 300th (gaps of two bytes).
    texts = {d: ["oil"] * ((d % 7 + 1) if d < 1000 else 300 + d % 3) for d in range(0, 1100, 3)}
    for d in range(0, 3000, 300):
        texts.setdefault(d, []).append("gas")
    ix = RamStorage().create_index(Schema(body=TEXT(phrase=False)))
    with ix.writer(codec=PackedCodec(block_size=block_size)) as writer:
        for d in range(3000):
            writer.add_document(body=" ".join(texts.get(d, ["filler"])))
    with ix.reader() as reader:
        for word in ("oil", "gas"):
            stepped, matcher = [], reader.postings("body", word)
            while matcher.is_active():
                stepped.append((matcher.id(), matcher.weight()))
                matcher.next()
            assert matcher.blocks > 1 or word == "gas" and block_size > 10
            for start in range(matcher.blocks):
                matcher.go_to_block(start)
                found = matcher.postings_arrays()
                first = matcher.max_ids[start - 1] + 1 if start else 0
                assert list(zip(found.ids.tolist(), found.weights.tolist())) == [p for p in stepped if p[0] >= first]
            matcher.go_to_block(0)
            wanted = np.array([d for d, _ in stepped][::5] + [2999])
            found = matcher.postings_arrays(within=wanted).ids.tolist()
            assert set(wanted.tolist()) - {2999} <= set(found) <= {d for d, _ in stepped}
