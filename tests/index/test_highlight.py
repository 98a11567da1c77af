"""Snippets' matching words, against a brute force that reads every word of the text."""
from __future__ import annotations

import re

from hypothesis import given, settings, strategies as st

from index.analysis import fold, stem_word
from index.highlight import find_matches

WORDS = st.sampled_from(["Oil", "oils", "U.S.", "u.s", "Émile", "emile", "x_y", "2004", "İstanbul", "data",
                         "Data.Set", "ice", "ICE's", "ÉTÉ", "s", "S", "running", "ran"])
TEXTS = st.lists(st.tuples(WORDS, st.sampled_from([" ", ". ", ", ", "-", ".", "_", "\n", "'"])), max_size=12).map(
    lambda parts: "".join(word + gap for word, gap in parts))


def brute_force(text: str, stems: set[str]) -> list[tuple[int, int, str]]:
    """Every word (word characters, single dots inside), stemmed as the index stems it."""
    return [(found.start(), found.end(), fold(found.group())) for found in re.finditer(r"\w+(?:\.\w+)*", text)
            if stem_word(fold(found.group())) in stems]


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.sets(WORDS, max_size=4))
def test_the_words_a_snippet_marks_are_those_whose_stem_a_search_matched(text, query_words):
    stems = {stem_word(fold(word)) for word in query_words}
    assert find_matches(text, stems) == brute_force(text, stems)
