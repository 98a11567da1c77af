"""The OpenSearch backend's pieces that need no cluster: parsed queries as DSL, the
documents sent, the index settings. (Agreement with Whoosh on a real cluster: the
backend-parametrised tests, test_reference_search.py and test_acceptance.py.)"""
from __future__ import annotations

import pytest
from whoosh import query as wq

from index.opensearch.mapping import document_for, index_body, stemmed_pairs
from index.opensearch.translate import MATCH_NONE, filter_clauses, translate
from index.query import parse_query
from index.schema import build_schema
from index.settings import IndexSettings
from kb.errors import KBError, QueryError
from kb.models import Article, EntityCount, SearchFilters

SCHEMA = build_schema()


def dsl(text: str) -> dict:
    return translate(parse_query(text, SCHEMA))


def test_unquoted_words_search_stems_and_quoted_words_the_exact_sub_field():
    assert dsl("title:rates") == {"term": {"title": {"value": "rate", "boost": 2.0}}}
    assert dsl('body:"rates"') == {"term": {"body.exact": {"value": "rates"}}}


def test_booleans_keep_their_structure():
    query = dsl("body:oil AND NOT body:gas")
    assert query == {"bool": {"must": [{"term": {"body": {"value": "oil"}}}],
                               "must_not": [{"term": {"body": {"value": "ga"}}}]}}
    assert dsl("+body:bank -body:fed") == {"bool": {"must": [{"term": {"body": {"value": "bank"}}}],
                                                    "must_not": [{"term": {"body": {"value": "fed"}}}]}}


def test_phrases_are_exact_words_one_after_the_other():
    assert dsl('body:"interest rates"') == {"match_phrase": {"body.exact": {
        "query": "interest rates", "slop": 0, "analyzer": "whitespace"}}}


def test_proximity_counts_positions_first_to_last_in_any_order():
    near = dsl('body:"oil prices OPEC"~10')["bool"]["must"][0]["span_near"]
    assert near["slop"] == 8 and near["in_order"] is False  # Lucene counts the positions between
    assert translate(parse_query('body:"a b c"~1', SCHEMA)) == MATCH_NONE  # three words span two positions


def test_a_repeated_word_in_a_proximity_needs_two_positions():
    orders = dsl('body:"said said"~3')["bool"]["should"]
    assert [clause["span_near"]["in_order"] for clause in orders] == [True]


def test_prefixes_wildcards_and_fuzzy_words():
    assert dsl("body:explorat*") == {"prefix": {"body.exact": {"value": "explorat"}}}
    assert dsl("body:gen?ral") == {"wildcard": {"body.exact": {"value": "gen?ral"}}}
    clauses = dsl("body:Bahai~")["bool"]["should"]
    assert [(list(c["fuzzy"])[0], list(c["fuzzy"].values())[0]["value"], list(c["fuzzy"].values())[0]["fuzziness"])
            for c in clauses] == [("body", "bahai", 1), ("body.exact", "bahai", 0), ("body.exact", "ahai", 0)]
    with pytest.raises(QueryError, match="at most 2 edits"):
        dsl("body:coffee~3")


def test_dates_languages_and_entities():
    assert dsl("published:1987-03") == {"constant_score": {"filter": {"range": {"published": {
        "gte": "1987-03-01T00:00:00.000", "lte": "1987-03-31T23:59:59.999"}}}}}
    assert dsl("lang:en")["bool"]["should"] == [{"term": {"lang": {"value": "en"}}},
                                                 {"prefix": {"lang": {"value": "en-"}}}]
    assert dsl('org:"Federal Reserve"') == {"term": {"org": {"value": "federal reserve"}}}


def test_filters_use_entity_aliases_and_whole_days():
    clauses = filter_clauses(SearchFilters(since="2025-01", until="2025-01-31", entities=[("org", "OPEC")]),
                             SCHEMA, lambda kind, name: [name, "organization of petroleum"])
    assert clauses[0] == {"bool": {"must": [{"bool": {"should": [
        {"term": {"org": {"value": "opec"}}}, {"term": {"org": {"value": "organization of petroleum"}}}],
        "minimum_should_match": 1}}]}}
    assert clauses[1] == {"range": {"published": {"gte": "2025-01-01T00:00:00.000",
                                                  "lte": "2025-01-31T23:59:59.999"}}}


def test_documents_carry_newskbs_own_analysis():
    article = Article(id="a1", title="Mamdáni SHARES", body="U.S. rates", source="AP News",
                      published="2025-03-03T10:00:00Z", entities=[EntityCount("org", "IRS", 1)])
    document = document_for(article)
    assert document["title"] == "mamdani|mamdani share|shares"
    assert document["body"] == stemmed_pairs("U.S. rates") == "u.|u.s rate|rates"  # Porter's stem of u.s, as on Whoosh
    assert document["org"] == ["irs"] and document["story"] == "a1"
    assert document["published"] == "2025-03-03T10:00:00.000"
    assert index_body()["mappings"]["_meta"]["newskb_version"] >= 1


def test_index_settings_are_checked_and_named():
    settings = IndexSettings("opensearch", url="http://localhost:9200").checked()
    assert settings.index_name.startswith("newskb-") and settings.verify
    assert IndexSettings.from_json(settings.to_json()) == settings
    with pytest.raises(KBError, match="--url"):
        IndexSettings("opensearch").checked()
    with pytest.raises(KBError, match="lower-case"):
        IndexSettings("opensearch", url="http://x", index_name="News").checked()


def test_a_missing_client_says_which_extra_to_install(monkeypatch):
    from index.opensearch.client import opensearchpy
    from kb.errors import StoreError

    monkeypatch.setitem(__import__("sys").modules, "opensearchpy", None)
    with pytest.raises(StoreError, match=r"install newskb\[opensearch\]"):
        opensearchpy()
