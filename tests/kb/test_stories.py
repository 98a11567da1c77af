"""Story grouping (kb.stories): near-copies of real BBC articles join one story, others do not."""
from __future__ import annotations

import pytest

from helpers import sliced
from kb.stories import DEFAULT_THRESHOLD, Signature, StoryIndex, differences, signature

BOILERPLATE = "Share this article\n\nFollow us on Twitter @newsdesk\n\nCopyright 2005 News Group. All rights reserved."


def bbc(name: str) -> str:
    """The body of one BBC file (line 1, the headline, dropped); UTF-8 with a Latin-1 fallback."""
    data = sliced("bbc-news", name).read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return text.partition("\n")[2].strip()


def paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n\n") if p.strip()]


def cut_last_news_paragraph(body: str) -> str:
    *head, last = paragraphs(body)
    sentences = last.split(". ")
    return "\n\n".join(head + [". ".join(sentences[:-2])] if len(sentences) > 2 else head)


def reword_one_sentence(body: str) -> str:
    old = "Time Warner said on Friday that it now owns 8% of search-engine Google."
    assert old in body
    return body.replace(old, "On Friday the media giant revealed it currently holds an 8% stake in Google.")


@pytest.fixture(scope="module")
def original() -> str:
    return bbc("business/001.txt")  # "Ad sales boost Time Warner profit"


EDITS = {
    "new headline only": lambda body: body,
    "boilerplate added": lambda body: f"Advertisement\n\n{body}\n\n{BOILERPLATE}",
    "last paragraph cut": cut_last_news_paragraph,
    "sentence reworded": reword_one_sentence,
    "all of them": lambda body: f"{cut_last_news_paragraph(reword_one_sentence(body))}\n\n{BOILERPLATE}",
}


def test_exact_duplicates_in_the_corpus_form_one_story():
    first, second = bbc("business/265.txt"), bbc("business/333.txt")  # the same file twice
    index = StoryIndex()
    assert index.add("b265", signature(first)) == "b265"
    assert index.add("b333", signature(second)) == "b265"
    assert index.members("b265") == ["b265", "b333"]


@pytest.mark.parametrize("kind", EDITS)
def test_each_kind_of_edit_joins_the_original_story(original, kind):
    copy = EDITS[kind](original)
    index = StoryIndex()
    index.add("original", signature(original))
    index.add("other", signature(bbc("business/002.txt")))
    found = index.match(signature(copy))
    assert found.article_id == "original" and (found.similarity >= DEFAULT_THRESHOLD or found.containment >= 0.8)
    assert index.add("copy", signature(copy)) == "original"


def test_articles_on_the_same_topic_are_separate_stories():
    bodies = {name: bbc(f"business/{name}.txt") for name in ("001", "002", "003", "004", "005")}
    index = StoryIndex()
    assert [index.add(name, signature(body)) for name, body in bodies.items()] == list(bodies)
    assert signature(bodies["001"]).similarity(signature(bodies["002"])) < 0.1


def test_same_order_gives_the_same_stories(original):
    items = [("a", signature(original)), ("b", signature(bbc("business/002.txt"))),
             ("c", signature(EDITS["all of them"](original))), ("d", signature(original + "\n\nAdvertisement"))]

    def build():
        index = StoryIndex()
        return [index.add(article_id, sig) for article_id, sig in items], index.stories()

    assert build() == build() == (["a", "b", "a", "a"], {"a": ["a", "c", "d"], "b": ["b"]})


def test_adding_again_changes_nothing(original):
    index = StoryIndex()
    index.add("a", signature(original))
    assert index.add("a", signature("something else entirely, five words or more")) == "a"
    assert len(index) == 1 and "a" in index


def test_signature_bytes_round_trip_and_rebuild(original):
    sig = signature(original)
    data = sig.to_bytes()
    assert isinstance(data, bytes) and len(data) == 10 + 4 * sig.num_perm
    again = Signature.from_bytes(data)
    assert again.similarity(sig) == 1.0 and again.shingles == sig.shingles
    with pytest.raises(ValueError, match="not a story signature"):
        Signature.from_bytes(b"nonsense" * 3)

    index = StoryIndex()
    index.add("a", sig)
    index.add("b", signature(bbc("business/002.txt")))
    rebuilt = StoryIndex.from_signatures(index.rows())
    assert rebuilt.stories() == index.stories()
    assert rebuilt.add("c", signature(EDITS["boilerplate added"](original))) == "a"


def test_signatures_ignore_case_spacing_and_punctuation():
    plain = signature("rates held at 4.75 said the bank")
    assert signature("Rates HELD at 4.75%,  said the Bank.").similarity(plain) == 1.0
    empty = signature("  ... ")
    assert empty.empty and empty.similarity(empty) == 0.0
    index = StoryIndex()
    assert index.add("e1", empty) == "e1" and index.add("e2", empty) == "e2"


def test_signatures_with_other_settings_are_refused():
    with pytest.raises(ValueError, match="hash functions"):
        StoryIndex().add("a", signature("one two three four five", num_perm=64))


def test_latin1_file_signs():
    assert "£" in bbc("sport/199.txt") and not signature(bbc("sport/199.txt")).empty


def test_differences_name_cut_added_and_changed_paragraphs(original):
    copy = reword_one_sentence(original) + "\n\nShare this article"
    *head, _ = paragraphs(original)
    lines = differences("\n\n".join(head), copy)
    assert lines[0].startswith('paragraph 3 changed: removed "Time Warner said"; ') and "1 more edit" in lines[0]
    assert lines[-2].startswith(f"only in B, paragraph {len(head) + 1}: ")
    assert lines[-1] == f'only in B, paragraph {len(head) + 2}: "Share this article"'
    assert differences(original, original.upper()) == []
    assert differences("a\n\nb\n\nc", "x\n\ny\n\nz", limit=3)[-1] == "... and 4 more differences"


def reference_signature_values(text: str, shingle_words: int = 5, num_perm: int = 256) -> list[int]:
    """MinHash as kb.shingles documents it, computed with Python integers from its
    published recipe (BLAKE2b constants, word hashes, MurmurHash3's finaliser)."""
    import hashlib
    import re
    import unicodedata

    mask = (1 << 64) - 1

    def constant(label: str) -> int:
        return int.from_bytes(hashlib.blake2b(label.encode(), digest_size=8).digest(), "little")

    def mix(x: int) -> int:
        x ^= x >> 33
        x = (x * 0xFF51AFD7ED558CCD) & mask
        x ^= x >> 33
        x = (x * 0xC4CEB9FE1A85EC53) & mask
        return x ^ (x >> 33)

    tokens = re.findall(r"\w+", unicodedata.normalize("NFC", text).casefold())
    if not tokens:
        return [0xFFFFFFFF] * num_perm
    hashes = [constant(token) for token in tokens]
    k = min(shingle_words, len(hashes))
    weights = [constant(f"newskb shingle weight {i}") | 1 for i in range(k)]
    shingles = {mix(sum(hashes[start + i] * weights[i] for i in range(k)) & mask)
                for start in range(len(hashes) - k + 1)}
    return [min(((constant(f"newskb permutation a {p}") | 1) * x + constant(f"newskb permutation b {p}")) & mask
                for x in shingles) >> 32 for p in range(num_perm)]


def test_signatures_of_several_texts_are_those_of_the_published_recipe():
    texts = [bbc("business/001.txt"), "", "Rates held", "one two three four five six", bbc("business/002.txt")[:300]]
    from kb.shingles import signatures

    together = signatures(texts, num_perm=32)
    assert [list(s.values) for s in together] == [reference_signature_values(t, num_perm=32) for t in texts]
    assert [list(signature(t, num_perm=32).values) for t in texts] == [list(s.values) for s in together]
