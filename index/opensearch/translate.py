"""The parsed query (the Whoosh query tree index.query makes) as OpenSearch query DSL.

The tree is translated node by node, never passed through as a string, so both
backends read the query language alike: booleans, exact phrases, proximity, prefixes,
wildcards, fuzzy words, fields, dates, languages, entities with their aliases.
Stems are searched in `title`/`body`, words as written (EXACT_MARK in the tree) in
their `exact` sub-fields (see index.opensearch.mapping).

>>> translate(wq.Term("body", "=rate"))
{'term': {'body.exact': {'value': 'rate'}}}
"""
from __future__ import annotations

from itertools import permutations

from whoosh import query as wq
from whoosh.util.times import long_to_datetime

from index.analysis import EXACT_MARK
from index.dates import NO_DATE, PublishedBetween
from index.filters import date_bounds, filter_query
from index.opensearch.mapping import TEXT_FIELDS, TITLE_BOOST
from index.query import MAX_EXPANSIONS, Proximity
from kb.errors import QueryError
from kb.models import SearchFilters

MATCH_NONE = {"match_none": {}}
MATCH_ALL = {"match_all": {}}
MAX_ORDERS = 120  # orders of a proximity's words tried when a word repeats (5 words)
LUCENE_MAX_EDITS = 2


def target(fieldname: str, text: str) -> tuple[str, str]:
    """The OpenSearch field and term of a tree's term: a word as written goes to the
    `exact` sub-field, without its mark."""
    if fieldname in TEXT_FIELDS and text.startswith(EXACT_MARK):
        return f"{fieldname}.exact", text[len(EXACT_MARK):]
    return fieldname, text


def boost_of(node: wq.Query) -> float:
    return node.boost * (TITLE_BOOST if getattr(node, "fieldname", None) == "title" else 1.0)


def translate(node: wq.Query) -> dict:
    """The DSL of one parsed query (or QueryError for a node OpenSearch cannot answer alike)."""
    if isinstance(node, wq.And):
        return boolean(node.children(), node.boost)
    if isinstance(node, wq.Or):
        return {"bool": {"should": [translate(child) for child in node.children()], "minimum_should_match": 1,
                         **boosted(node.boost)}}
    if isinstance(node, wq.Not):
        return {"bool": {"must": [MATCH_ALL], "must_not": [translate(node.query)], **boosted(node.boost)}}
    if isinstance(node, wq.AndNot):
        return {"bool": {"must": [translate(node.a)], "must_not": [translate(node.b)]}}
    if isinstance(node, wq.AndMaybe):
        return {"bool": {"must": [translate(node.a)], "should": [translate(node.b)]}}
    if isinstance(node, wq.Require):
        return {"bool": {"must": [translate(node.a)], "filter": [translate(node.b)]}}
    if isinstance(node, wq.Every):
        return MATCH_ALL
    if node is wq.NullQuery or isinstance(node, type(wq.NullQuery)):
        return MATCH_NONE
    if isinstance(node, PublishedBetween):
        return published_range(node)
    if isinstance(node, Proximity):
        return proximity(node)
    if isinstance(node, wq.Phrase):
        return phrase(node)
    if isinstance(node, wq.FuzzyTerm):  # before Term: a FuzzyTerm is one
        return fuzzy(node)
    if isinstance(node, wq.Term):
        field, text = target(node.fieldname, node.text)
        return {"term": {field: {"value": text, **boosted(boost_of(node))}}}
    if isinstance(node, (wq.Prefix, wq.Wildcard)):
        field, text = target(node.fieldname, node.text)
        kind = "prefix" if isinstance(node, wq.Prefix) else "wildcard"
        return {kind: {field: {"value": text, **boosted(boost_of(node))}}}
    raise QueryError(f"the OpenSearch index cannot answer {node} ({type(node).__name__})")


def boosted(boost: float) -> dict:
    return {"boost": boost} if boost != 1.0 else {}


def boolean(children: list[wq.Query], boost: float = 1.0) -> dict:
    """An AND: NOT children as must_not, the others as must."""
    children = list(children)  # Whoosh gives an iterator
    must = [translate(child) for child in children if not isinstance(child, wq.Not)]
    must_not = [translate(child.query) for child in children if isinstance(child, wq.Not)]
    return {"bool": {"must": must or [MATCH_ALL], **({"must_not": must_not} if must_not else {}), **boosted(boost)}}


def phrase(node: wq.Phrase) -> dict:
    """Words one after the other (Whoosh's slop 1: adjacent)."""
    field, _ = target(node.fieldname, node.words[0])
    text = " ".join(target(node.fieldname, word)[1] for word in node.words)
    return {"match_phrase": {field: {"query": text, "slop": max(0, node.slop - 1), "analyzer": "whitespace",
                                     **boosted(boost_of(node))}}}


def proximity(node: Proximity) -> dict:
    """`"a b"~N`: every word (as often as written) with the first and last at most N
    positions apart, in any order. Lucene's span slop counts the positions between the
    words (N - (words - 1)); its unordered spans may take one position for a repeated
    word twice, so a phrase that repeats a word tries each order of its words instead."""
    field = target(node.fieldname, node.words[0])[0]
    terms = [target(node.fieldname, word)[1] for word in node.words]
    slop = node.slop - (len(terms) - 1)
    if slop < 0:
        return MATCH_NONE
    if len(terms) == 1:
        return {"term": {field: {"value": terms[0], **boosted(boost_of(node))}}}

    def spans(order, ordered: bool) -> dict:
        return {"span_near": {"clauses": [{"span_term": {field: term}} for term in order], "slop": slop,
                              "in_order": ordered}}

    if len(set(terms)) == len(terms):
        return {"bool": {"must": [spans(terms, False)], **boosted(boost_of(node))}}
    orders = list(dict.fromkeys(permutations(terms)))
    if len(orders) > MAX_ORDERS:
        raise QueryError(f"{' '.join(terms)!r}~{node.slop}: too many words, some repeated, for a proximity search")
    return {"bool": {"should": [spans(order, True) for order in orders], "minimum_should_match": 1,
                     **boosted(boost_of(node))}}


def fuzzy(node: wq.FuzzyTerm) -> dict:
    """Terms within `maxdist` edits (no transpositions: Whoosh's Levenshtein automaton)
    among the stems and the marked exact words Whoosh keeps in one field: "=word" is
    one edit more than the word, or than the word against the query without its first letter."""
    if node.maxdist > LUCENE_MAX_EDITS:
        raise QueryError(f"{node.text}~{node.maxdist}: OpenSearch allows at most {LUCENE_MAX_EDITS} edits")

    def within(field: str, text: str, edits: int, prefix: int) -> dict:
        return {"fuzzy": {field: {"value": text, "fuzziness": edits, "prefix_length": prefix, "transpositions": False,
                                  "max_expansions": MAX_EXPANSIONS}}}

    field, text = target(node.fieldname, node.text)
    clauses = [within(field, text, node.maxdist, node.prefixlength)]
    if node.fieldname in TEXT_FIELDS and node.prefixlength == 0 and node.maxdist >= 1:
        exact = f"{node.fieldname}.exact"
        clauses += [within(exact, word, node.maxdist - 1, 0) for word in dict.fromkeys((text, text[1:])) if word]
    return {"bool": {"should": clauses, "minimum_should_match": 1, **boosted(boost_of(node))}}


def published_range(node: PublishedBetween) -> dict:
    """A date range, scoring its matches alike (as Whoosh's numeric range)."""
    bounds = {}
    if node.low > 0:
        bounds["gte"] = long_to_datetime(node.low).isoformat(timespec="milliseconds")
    if node.high < int(NO_DATE) - 1:
        bounds["lte"] = long_to_datetime(node.high).isoformat(timespec="milliseconds")
    if not bounds:
        return {"exists": {"field": "published", **boosted(node.boost)}}
    return {"constant_score": {"filter": {"range": {"published": bounds}}, **boosted(node.boost)}}


def filter_clauses(filters: SearchFilters | None, schema, names_of=None) -> list[dict]:
    """`filters` as clauses of a bool `filter` (restricting matches, scores unchanged),
    read by the Whoosh backend's own functions (index.filters) so both agree."""
    if filters is None:
        return []
    query = filter_query(filters, schema, names_of)
    clauses = [translate(query)] if query is not None else []
    dates = date_bounds(filters)
    if dates is not None:
        names = ("gte", "lte")
        clauses.append({"range": {"published": {name: moment.isoformat(timespec="milliseconds")
                                                for name, moment in zip(names, dates) if moment}}})
    return clauses
