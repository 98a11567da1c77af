"""The index agrees with a brute-force scan of the stored text, on real Reuters articles.

Each query is paired with a reference predicate evaluated over every stored article,
tokenised with the same analyzer as the index. Both must give the same set of ids.
"""
from __future__ import annotations

import pytest

from index.analysis import PHRASE_MODE, stemmed_text_analyzer
from kb import KnowledgeBase

ANALYZER = stemmed_text_analyzer()


class Doc:
    """An article as the reference sees it: the terms at each position of each field."""

    def __init__(self, article):
        self.id, self.published, self.source = article.id, article.published, article.source
        self.fields = {"title": self.positions(article.title), "body": self.positions(article.body)}

    @staticmethod
    def positions(text: str) -> dict[int, set[str]]:
        found: dict[int, set[str]] = {}
        for token in ANALYZER(text, mode="index", positions=True):
            found.setdefault(token.pos, set()).add(token.text)
        return found

    def fields_of(self, field):
        return [self.fields[field]] if field else self.fields.values()

    def has(self, word: str, field: str | None = None) -> bool:
        [term] = [t.text for t in ANALYZER(word, mode="query")]
        return any(term in terms for f in self.fields_of(field) for terms in f.values())

    def phrase(self, text: str, slop: int = 1, field: str | None = None) -> bool:
        words = [t.text for t in ANALYZER(text, mode=PHRASE_MODE)]
        return any(self._phrase_in(f, words, slop) for f in self.fields_of(field))

    @staticmethod
    def _phrase_in(positions, words, slop) -> bool:
        def extend(position, rest):
            if not rest:
                return True
            return any(rest[0] in positions.get(position + step, ()) and extend(position + step, rest[1:])
                       for step in range(1, slop + 1))
        return any(words[0] in terms and extend(pos, words[1:]) for pos, terms in positions.items())

    def published_between(self, start: str, end: str) -> bool:
        return self.published is not None and start <= self.published[:10] <= end


QUERIES = [
    ("cocoa", lambda d: d.has("cocoa")),
    ("COCOA AND Bahia", lambda d: d.has("cocoa") and d.has("Bahia")),
    ("cocoa OR coffee", lambda d: d.has("cocoa") or d.has("coffee")),
    ("coffee NOT Brazil", lambda d: d.has("coffee") and not d.has("Brazil")),
    ("(oil OR crude) AND OPEC", lambda d: (d.has("oil") or d.has("crude")) and d.has("OPEC")),
    ("(wheat OR corn) AND NOT (export OR exports)",
     lambda d: (d.has("wheat") or d.has("corn")) and not d.has("export")),
    ("shares AND (profit OR loss) AND NOT dividend",
     lambda d: d.has("shares") and (d.has("profit") or d.has("loss")) and not d.has("dividend")),
    ("+bank -Fed", lambda d: d.has("bank") and not d.has("Fed")),
    ("+trade +Japan -semiconductor", lambda d: d.has("trade") and d.has("Japan") and not d.has("semiconductor")),
    ('"trade deficit"', lambda d: d.phrase("trade deficit")),
    ('"Bank of Japan"', lambda d: d.phrase("Bank of Japan")),
    ('"mln dlrs"', lambda d: d.phrase("mln dlrs")),
    ('"interest rates" AND cut', lambda d: d.phrase("interest rates") and d.has("cut")),
    ('"oil prices" OR "crude oil"', lambda d: d.phrase("oil prices") or d.phrase("crude oil")),
    ('"net loss" NOT "net profit"', lambda d: d.phrase("net loss") and not d.phrase("net profit")),
    ('"United States" AND "Japan"', lambda d: d.phrase("United States") and d.has("Japan")),
    ('"prices rose"', lambda d: d.phrase("prices rose")),
    ('"rising prices"', lambda d: d.phrase("rising prices")),
    ('"oil prices"~3', lambda d: d.phrase("oil prices", slop=3)),
    ('"trade Japan"~5', lambda d: d.phrase("trade Japan", slop=5)),
    ('"dollar yen"~4', lambda d: d.phrase("dollar yen", slop=4)),
    ("title:cocoa", lambda d: d.has("cocoa", "title")),
    ("title:oil AND body:OPEC", lambda d: d.has("oil", "title") and d.has("OPEC", "body")),
    ('title:"money market"', lambda d: d.phrase("money market", field="title")),
    ("body:sugar NOT title:sugar", lambda d: d.has("sugar", "body") and not d.has("sugar", "title")),
    ("rising", lambda d: d.has("rising")),  # stemmed: rise, rises, rose? (porter: rise/rising)
    ("exporting OR exported", lambda d: d.has("exporting") or d.has("exported")),
    ("published:1987-02-26", lambda d: d.published_between("1987-02-26", "1987-02-26")),
    ("published:[1987-02-26 TO 1987-03-01]", lambda d: d.published_between("1987-02-26", "1987-03-01")),
    ("oil AND published:>=1987-03", lambda d: d.has("oil") and d.published_between("1987-03-01", "9999")),
    ("grain AND published:<1987-03", lambda d: d.has("grain") and d.published_between("0000", "1987-02-28")),
    ("(gold OR silver) AND published:[1987-02-26 TO 1987-02-27]",
     lambda d: (d.has("gold") or d.has("silver")) and d.published_between("1987-02-26", "1987-02-27")),
    ("source:reuters AND tin", lambda d: d.source == "Reuters" and d.has("tin")),
]


@pytest.fixture(scope="module")
def reuters(reuters_path):
    with KnowledgeBase(reuters_path) as kb:
        docs = [Doc(article) for batch in kb.store.iter_articles() for article in batch]
        yield kb, docs


@pytest.mark.parametrize("query, predicate", QUERIES, ids=[q for q, _ in QUERIES])
def test_index_agrees_with_brute_force(reuters, query, predicate):
    kb, docs = reuters
    expected = {doc.id for doc in docs if predicate(doc)}
    found = {hit.id for hit in kb.iter_hits(query, batch=1000, fragments=0)}
    assert found == expected
    assert kb.search(query, facets=0).total == len(expected)


def test_the_reference_set_is_not_trivial(reuters):
    kb, docs = reuters
    sizes = [sum(1 for doc in docs if predicate(doc)) for _, predicate in QUERIES]
    assert len(docs) > 900 and sum(1 for n in sizes if 0 < n < len(docs)) >= 30
