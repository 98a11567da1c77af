"""CRF features that need nothing but the raw tokens.

Every attribute of a token comes from one of a few *slots*, each a function of one word:

* ``local(w)``      - the token itself (identity, shape, affixes, gazetteer flags);
* ``context(w, k)`` - a neighbour at offset k in (-2, -1, +1, +2);
* ``initial(w)``    - added when the token starts its sentence;
* ``doc flags``     - whether the word is seen title-cased mid-sentence / lower-cased
                      elsewhere in the same document (document-level consistency).

Because a token's attributes are the union of its slots, the decoder can cache one
weight vector per (word, slot) and score a token by adding a handful of vectors; the
trainer uses the very same slot functions to produce attribute strings.
"""
from __future__ import annotations

from functools import lru_cache
from importlib import resources

PAD = "<pad>"  # the neighbour of a sentence's first/last tokens
OFFSETS = (-2, -1, 1, 2)

_NORMALISE = str.maketrans({"’": "'", "‘": "'", "“": '"', "”": '"', "—": "--", "–": "-", "\u00a0": " "})


def normalise(word: str) -> str:
    """Map typographic quotes and dashes to the ASCII forms CoNLL-2003 uses."""
    return word.translate(_NORMALISE)


def _load_gazetteer(name: str) -> frozenset[str]:
    try:
        text = resources.files("kb.entities").joinpath("data", name).read_text(encoding="utf-8")
    except FileNotFoundError:
        return frozenset()
    return frozenset(line for line in text.split("\n") if line)


# Gazetteers shipped in kb/entities/data (built by tools/train_ner.py --gazetteers).
# loc.txt: lower-cased single-word place names; locpart.txt: words of multi-word places;
# first.txt: lower-cased first names.
GAZ_LOC = _load_gazetteer("loc.txt")
GAZ_LOCPART = _load_gazetteer("locpart.txt")
GAZ_FIRST = _load_gazetteer("first.txt")
# org.txt: lower-cased words that end or make organisation names: legal forms of
# companies ("Inc", "GmbH", from cleanco) and kinds of organisation ("Bank", "Council").
GAZ_ORG = _load_gazetteer("org.txt")
# major.txt: countries, continents, US states and big cities (not a feature: read by
# kb.entity_table, where a few articles' words cannot make such a place an organisation).
GAZ_MAJOR = _load_gazetteer("major.txt")
# country.txt: the countries of major.txt alone, with England, Scotland and Wales (ISO 3166-2).
GAZ_COUNTRY = _load_gazetteer("country.txt")
# lower.txt: words seen written in lower case (>= 2 times) in the train split. A
# capitalised word that is also a common word ("Public", "Citizen") rarely names a person.
LEXICON = _load_gazetteer("lower.txt")


def _load_clusters(name: str) -> dict[str, tuple[str, ...]]:
    """word -> its cluster at each size (clusters.tsv, built by tools/word_clusters.py)."""
    try:
        text = resources.files("kb.entities").joinpath("data", name).read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    rows = (line.split("\t") for line in text.split("\n") if line)
    return {row[0]: tuple(row[1:]) for row in rows}


# clusters.tsv: lower-cased words grouped by the contexts they occur in, in unlabeled
# news text, at three sizes: "sony" and "vodafone" share clusters with other companies.
CLUSTERS = _load_clusters("clusters.tsv")
CLUSTER_KINDS = ("c64", "c256", "c1k")  # a word's cluster at each size, as attributes ("c64=17")


def _shape(word: str) -> str:
    """Collapsed character-class shape: "Bessent" -> "Xx", "U.S." -> "X.X.", "47,000" -> "d,d"."""
    out = []
    last = ""
    for ch in word:
        if ch.isupper():
            c = "X"
        elif ch.islower():
            c = "x"
        elif ch.isdigit():
            c = "d"
        else:
            c = ch
        if c != last:
            out.append(c)
            last = c
    return "".join(out)


@lru_cache(maxsize=15_000)  # bounded: memory stays flat over a long import
def word_info(word: str) -> tuple[str, str, str, bool, tuple[str, ...]]:
    """(normalised lower-case form, shape, gazetteer tag or "", capitalised common word?,
    its clusters at each size)."""
    norm = word if word.isascii() else normalise(word)  # (what normalise maps is not ASCII)
    low = norm.lower()
    shape = _shape(norm)
    if len(shape) > 6:
        shape = shape[:6]
    gz = ""
    if low in GAZ_LOC:
        gz = "loc"
    elif low in GAZ_FIRST:
        gz = "first"
    elif low in GAZ_ORG and shape[:1] == "X":
        gz = "org"
    elif low in GAZ_LOCPART:
        gz = "locw"
    lex = shape.startswith("Xx") and low in LEXICON  # title-case only: "ICE" stays an acronym
    return low, shape, gz, lex, CLUSTERS.get(low, ())


# A word's attributes are pieces of these kinds, each written as its kind and value
# ("w=sony"), a flag as its kind alone ("lex"); in a neighbour's slot or the
# sentence-initial one, with the slot's prefix ("-1:w=sony", "bos:sh=Xx").
KINDS = ("w", "sh", "s2", "s3", "s4", "p3", *CLUSTER_KINDS, "gz", "len1", "lex")
_FAR = ("w", "sh", "gz", "c64")  # a neighbour two tokens away
_NEAR = (*_FAR, "c256", "s3", "lex")  # the next or previous token: a second cluster, a suffix, the flag
# Each slot's prefix, the attributes it always has, and its kinds, in the order the
# trainer writes them: the token, its neighbours at OFFSETS, the sentence-initial token.
SLOT_PREFIXES = ("", *(f"{k}:" for k in OFFSETS), "bos:")
SLOT_CONSTANTS = ((),) * (1 + len(OFFSETS)) + (("bos",),)
SLOT_KINDS = tuple(tuple(map(KINDS.index, kinds)) for kinds in (KINDS, _FAR, _NEAR, _NEAR, _FAR, ("sh",)))


def pieces(word: str) -> tuple[str | None, ...]:
    """The word's value of each kind of KINDS in turn: None where it has none, "" for a
    flag it has.

    >>> pieces("Sony")
    ('sony', 'Xx', 'ny', 'ony', 'sony', 'son', '17', '182', '425', None, None, None)
    """
    low, shape, gz, lex, clusters = word_info(word)
    return (low, shape, low[-2:], low[-3:], low[-4:], low[:3], *clusters, *(None,) * (3 - len(clusters)),
            gz or None, "" if len(low) == 1 else None, "" if lex else None)


def attribute(slot: int, kind: int, value: str) -> str:
    """The attribute a piece (KINDS[kind], `value`) is in `slot` (of SLOT_PREFIXES).

    >>> attribute(2, 0, "sony"), attribute(0, KINDS.index("lex"), "")
    ('-1:w=sony', 'lex')
    """
    return f"{SLOT_PREFIXES[slot]}{KINDS[kind]}={value}" if value else SLOT_PREFIXES[slot] + KINDS[kind]


def slot(word: str, number: int) -> list[str]:
    """The word's attributes in slot `number` (of SLOT_PREFIXES); a PAD neighbour's is
    "k:pad"."""
    if word == PAD:
        return [SLOT_PREFIXES[number] + "pad"] if 0 < number <= len(OFFSETS) else []
    values = pieces(word)
    return [*SLOT_CONSTANTS[number],
            *(attribute(number, kind, values[kind]) for kind in SLOT_KINDS[number] if values[kind] is not None)]


def local(word: str) -> list[str]:
    """Attributes of the token itself."""
    return slot(word, 0)


def context(word: str, k: int) -> list[str]:
    """Attributes contributed by a neighbour at offset k: a near neighbour (offset -1 or
    1) adds a second cluster, its suffix and the lexicon flag.

    >>> context("Sony", -1)
    ['-1:w=sony', '-1:sh=Xx', '-1:c64=17', '-1:c256=182', '-1:s3=ony']
    """
    return slot(word, 1 + OFFSETS.index(k))


def initial(word: str) -> list[str]:
    """Attributes of a sentence-initial token."""
    return slot(word, len(OFFSETS) + 1)


# A word's case, as bits: it starts in lower case, in upper case, or in title case ("Reading").
LOWER, UPPER, TITLE = 1, 2, 4


def case_of(word: str) -> int:
    """The case bits of a word.

    >>> case_of("Reading"), case_of("reading"), case_of("ICE"), case_of("47")
    (6, 1, 2, 0)
    """
    upper = word[:1].isupper()
    return word[:1].islower() * LOWER | upper * UPPER | (upper and word[1:2].islower()) * TITLE


def doc_sets(sentences: list[list[str]]) -> tuple[set[str], set[str]]:
    """Lower-cased forms seen title-cased mid-sentence, and forms seen all lower-case."""
    lowered = {w.lower() for words in sentences for w in words if case_of(w) & LOWER}
    titled = {w.lower() for words in sentences for w in words[1:] if case_of(w) & TITLE}
    return titled, lowered


def doc_flags(word: str, titled: set[str], lowered: set[str]) -> list[str]:
    """Document-level flags of a capitalised word (empty for other words)."""
    if not word[:1].isupper():
        return []
    low = word.lower()
    feats = []
    if low in titled:
        feats.append("doc:tc")
    if low in lowered:
        feats.append("doc:lc")
    return feats


def sentence_attributes(words: list[str], titled: set[str], lowered: set[str]) -> list[list[str]]:
    """All attributes of every token of one sentence (the trainer's view)."""
    n = len(words)
    padded = [PAD, PAD] + words + [PAD, PAD]
    out = []
    for i, w in enumerate(words):
        feats = local(w)
        for k in OFFSETS:
            feats = feats + context(padded[i + 2 + k], k)
        if i == 0:
            feats = feats + initial(w)
        if i == n - 1:
            feats = feats + ["eos"]
        feats = feats + doc_flags(w, titled, lowered)
        out.append(feats)
    return out
