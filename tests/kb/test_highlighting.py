"""What a search marks in its snippets and in `kb show --highlight`: words, phrases where
the phrase matches, an entity's mentions."""
from __future__ import annotations

import re

import pytest

from kb import KnowledgeBase


@pytest.fixture
def seeded(seeded_path):
    with KnowledgeBase(seeded_path) as kb:
        yield kb


def marked(snippet) -> list[str]:
    return [snippet.text[span.start:span.end] for span in snippet.spans]


def test_a_phrase_is_marked_where_it_matches_only(seeded):
    """"taxpayer privacy" marked "taxpayer" and "privacy" wherever they stood apart."""
    hit = seeded.search('"taxpayer privacy"', fragments=5).hits[0]
    body = seeded.get(hit.id).body
    whole = seeded.highlight(hit.id, '"taxpayer privacy"')
    phrases = len(re.findall(r"(?i)\btaxpayer privacy\b", body))
    assert 0 < phrases < len(re.findall(r"(?i)\btaxpayer\b", body))  # the words also stand apart
    assert marked(whole) == ["taxpayer", "privacy"] * phrases or \
        [w.lower() for w in marked(whole)] == ["taxpayer", "privacy"] * phrases
    for start, end in zip(whole.spans[::2], whole.spans[1::2]):
        assert whole.text[start.end:end.start] == " "
    for snippet in hit.snippets:
        words = [w.lower() for w in marked(snippet)]
        assert words == ["taxpayer", "privacy"] * (len(words) // 2)


def test_proximity_marks_the_words_of_each_window_in_any_order(seeded):
    hit = seeded.search('"data taxpayer"~3', fragments=5).hits[0]
    for snippet in hit.snippets:
        spans = snippet.spans
        assert {w.lower() for w in marked(snippet)} == {"taxpayer", "data"}
        for span in spans:  # each marked word has the other one within three words
            word = snippet.text[span.start:span.end].lower()
            assert any(snippet.text[o.start:o.end].lower() != word and len(
                snippet.text[min(span.end, o.end):max(span.start, o.start)].split()) <= 4 for o in spans)


def test_an_entity_query_marks_the_entitys_mentions_by_any_of_its_names(seeded):
    hit = seeded.search("org:DHS", fragments=5).hits[0]
    whole = seeded.highlight(hit.id, "org:DHS")
    assert set(marked(whole)) == {"DHS", "Homeland Security", "Department of Homeland Security"}
    assert "Homeland" not in {w for s in hit.snippets for w in marked(s) if w != "Homeland Security"}
