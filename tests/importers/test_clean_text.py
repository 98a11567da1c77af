"""clean_text's spaces, against collapsing every space with one regular expression."""
from __future__ import annotations

import re

from hypothesis import given, settings, strategies as st

from importers.normalise import clean_text

SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
PIECES = st.sampled_from(["word", "Ünï", " ", "  ", "\t", "\u00a0", "\u2003", "\u200b", "\u3000", "\n", "\n\n",
                          "\n \n", "\r\n", "x\u200by"])


def collapsed(text: str) -> str:
    """Paragraphs (blank-line separated) with every run of spaces, the zero-width one
    included, one space."""
    paragraphs = (SPACES.sub(" ", " ".join(p.split())) for p in re.split(r"\n\s*\n+", text))
    return "\n\n".join(p for p in paragraphs if p)


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES, max_size=25).map("".join))
def test_spaces_collapse_as_one_expression_collapses_them(text):
    assert clean_text(text) == collapsed(text.replace("\r\n", "\n"))
