"""Phrase positions: the values of Whoosh's Positions format and of newskb's
ArrayPositions packed in bulk by the codec and read back exactly as the format decodes
each, the rows of phrase candidates selected from them, and the adjacency check against
a brute force over the same positions."""
from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from whoosh.formats import Positions

from index.codec.formats import ArrayPositions
from index.codec.values import POSITIONS, BlockValues, pack_values
from index.positions import adjacent, as_lists, selected

position_lists = st.lists(st.integers(min_value=0, max_value=70_000), unique=True).map(sorted)


def flattened(lists: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Lists of positions in the form the codec reads them: (counts, all positions)."""
    return (np.array([len(positions) for positions in lists], dtype=np.int64),
            np.array([p for positions in lists for p in positions], dtype=np.int64))


def read_back(field_format, values: list[bytes]) -> list[list[int]]:
    block = BlockValues(POSITIONS, field_format, pack_values(POSITIONS, field_format, values), len(values))
    return [block.positions(i) for i in range(len(values))]


@given(st.lists(position_lists, max_size=30), st.sampled_from([Positions(), ArrayPositions()]))
def test_bulk_packing_gives_what_the_format_decodes_value_by_value(documents, field_format):
    values = [field_format.encode(positions) for positions in documents]
    assert read_back(field_format, values) == [field_format.decode_positions(v) for v in values] == documents


def test_values_in_another_layout_are_decoded_one_by_one():
    field_format = Positions()
    value = field_format.encode([3, 9])
    assert read_back(field_format, [value[:-1], value]) == [[3, 9], [3, 9]]  # stop byte stripped


@given(st.lists(position_lists, max_size=20).flatmap(
    lambda lists: st.tuples(st.just(lists), st.lists(st.integers(0, max(len(lists) - 1, 0)), unique=True)
                            .map(sorted) if lists else st.just([]))))
def test_selected_rows_hold_those_postings_positions(lists_and_rows):
    lists, rows = lists_and_rows
    chosen = selected(*flattened(lists), np.array(rows, dtype=np.int64))
    assert as_lists(*chosen) == [lists[row] for row in rows]


small_lists = st.lists(st.integers(min_value=0, max_value=12), unique=True, max_size=6).map(sorted)


@given(st.integers(min_value=1, max_value=4).flatmap(
    lambda words: st.lists(st.lists(small_lists, min_size=words, max_size=words), max_size=8)))
def test_adjacent_finds_exactly_the_candidates_where_the_words_follow_one_another(candidates):
    words = len(candidates[0]) if candidates else 1
    by_word = [flattened([candidate[w] for candidate in candidates]) for w in range(words)]
    expected = [c for c, candidate in enumerate(candidates)
                if any(all(start + w in candidate[w] for w in range(words)) for start in candidate[0])]
    assert adjacent(by_word).tolist() == expected
