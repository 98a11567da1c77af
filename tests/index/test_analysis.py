"""Indexing's grouped positions against the tokens the same analyzer gives one by one; entity
fields' terms against Whoosh's keyword field."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st
from whoosh.fields import KEYWORD
from whoosh.formats import Positions

from index.analysis import stemmed_text_analyzer, text_analyzer
from index.codec.formats import ArrayPositions
from index.schema import EntityField

WORDS = st.sampled_from(["Oil", "oils", "oiled", "U.S.", "u.s", "Émile", "emile", "x_y", "2004", "İstanbul",
                         "running", "runs", "run", "ran", "Rates", "rate", "rated", "s", "ICE's", "data"])
TEXTS = st.lists(st.tuples(WORDS, st.sampled_from([" ", ". ", ", ", "-", "\n", "'"])), max_size=30).map(
    lambda parts: "".join(word + gap for word, gap in parts))


def whooshs_grouping(text: str, analyzer, boost: float) -> dict:
    """Whoosh's Positions format grouping the analyzer's Token stream: term -> (frequency,
    weight, positions)."""
    fmt = Positions(field_boost=boost)
    return {term: (frequency, weight, fmt.decode_positions(value))
            for term, frequency, weight, value in fmt.word_values(text, analyzer, mode="index")}


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.sampled_from([1.0, 2.0]), st.booleans())
def test_terms_positions_and_weights_are_those_of_the_tokens(text, boost, stemmed):
    analyzer = stemmed_text_analyzer() if stemmed else text_analyzer()
    fmt = ArrayPositions(field_boost=boost)
    grouped = {term: (frequency, weight, fmt.decode_positions(value))
               for term, frequency, weight, value in fmt.word_values(text, analyzer, mode="index")}
    assert grouped == whooshs_grouping(text, analyzer, boost)


def test_words_sharing_a_stem_give_the_stem_every_position_in_order():
    grouped = stemmed_text_analyzer().index_positions("rates oil rated rate rates")
    assert grouped["rate"] == [0, 2, 3, 4] and grouped["=rates"] == [0, 4] and grouped["oil"] == [1]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["Tony Blair", " home office ", "ÉMILE", "", " ", "a b", "İstanbul", "x"]),
                max_size=8).map(",".join))
def test_entity_terms_and_column_are_those_of_whooshs_keyword_field(value):
    """EntityField reads its names without Whoosh's analyzer chain: the same terms,
    counts, weights and values as the KEYWORD field it is, and the same column entry."""
    keyword = KEYWORD(commas=True, lowercase=True, scorable=True)
    field = EntityField()
    assert sorted(field.index(value)) == sorted(keyword.index(value))
    assert field.to_column_value(value) == [token.text.encode("utf-8") for token in keyword.analyzer(value)]


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXTS, min_size=1, max_size=4), st.sampled_from([1.0, 2.0]), st.booleans())
def test_a_pool_given_each_documents_words_holds_the_postings_of_whooshs_tokens(texts, boost, stemmed):
    """FieldPool.add_words (numbers and a sort, no Token a word) against a pool given
    what Whoosh's Positions format makes of the analyzer's Token stream, document by document."""
    from index.codec.pool import FieldPool

    analyzer = stemmed_text_analyzer() if stemmed else text_analyzer()
    by_words, by_tokens = FieldPool(ArrayPositions(field_boost=boost)), FieldPool(ArrayPositions(field_boost=boost))
    for docnum, text in enumerate(texts):
        length = by_words.add_words(docnum, analyzer.index_words(text), analyzer)
        grouped = whooshs_grouping(text, analyzer, boost)
        by_tokens.add(docnum, [term.encode() for term in grouped], [n for n, _, _ in grouped.values()],
                      [weight for _, weight, _ in grouped.values()],
                      [p for _, _, positions in grouped.values() for p in positions])
        assert length == sum(n for n, _, _ in grouped.values())
    words, tokens = list(by_words.sorted()), list(by_tokens.sorted())
    assert [piece.terms for piece in words] == [piece.terms for piece in tokens]
    for mine, whooshs in zip(words, tokens):
        for name in ("starts", "docs", "weights", "frequencies", "positions"):
            assert getattr(mine, name).tolist() == getattr(whooshs, name).tolist(), name
