"""Phrase positions: decoded in bulk exactly as Whoosh decodes each value, and the
adjacency check against a brute force over the same positions."""
from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from whoosh.formats import Positions

from index.positions import adjacent, as_lists, decoded_positions

position_lists = st.lists(st.integers(min_value=0, max_value=70_000), unique=True).map(sorted)


@given(st.lists(position_lists, max_size=30))
def test_bulk_decoding_gives_what_whoosh_decodes_value_by_value(documents):
    field_format = Positions()
    values = [field_format.encode(positions) for positions in documents]
    assert as_lists(*decoded_positions(field_format, values)) == [field_format.decode_positions(v) for v in values]
    assert as_lists(*decoded_positions(field_format, values)) == documents


def test_values_in_another_layout_are_decoded_one_by_one():
    field_format = Positions()
    value = field_format.encode([3, 9])
    assert as_lists(*decoded_positions(field_format, [value[:-1], value])) == [[3, 9], [3, 9]]  # stop byte stripped


small_lists = st.lists(st.integers(min_value=0, max_value=12), unique=True, max_size=6).map(sorted)


@given(st.integers(min_value=1, max_value=4).flatmap(
    lambda words: st.lists(st.lists(small_lists, min_size=words, max_size=words), max_size=8)))
def test_adjacent_finds_exactly_the_candidates_where_the_words_follow_one_another(candidates):
    words = len(candidates[0]) if candidates else 1
    by_word = [decoded_positions(Positions(), [Positions().encode(candidate[w]) for candidate in candidates])
               for w in range(words)]
    expected = [c for c, candidate in enumerate(candidates)
                if any(all(start + w in candidate[w] for w in range(words)) for start in candidate[0])]
    assert adjacent(by_word).tolist() == expected
