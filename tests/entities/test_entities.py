"""The default CRF extractor, the registry and count_entities (real model, no mocks)."""
from __future__ import annotations

from pathlib import Path

import re
import sys

import numpy as np
import pytest
from hypothesis import given, strategies as st

from helpers import SLICES, sliced
from kb.entities import count_entities, get_extractor
from kb.entities.conll import spans
from kb.entities.counting import is_junk, written_at
from kb.entities.tokenize import Tokens, split_sentences, tokenize
from kb.errors import KBError
from kb.models import Mention
from kb.vocabulary import WORK

SEED = Path(__file__).resolve().parents[3] / "shared" / "000_f52b4e0d3213b0b1.txt"


@pytest.fixture(scope="module")
def crf():
    return get_extractor("crf")


def seed_body() -> str:
    if not SEED.exists():
        pytest.skip(f"seed article {SEED} not present")
    text = SEED.read_text(encoding="utf-8")
    start = text.index("Published on") + len("Published on")
    return text[start : text.index("Latest articles")]


def test_seed_article_entities(crf):
    body = seed_body()
    mentions = crf.extract(body)
    for m in mentions:
        assert body[m.start : m.end] == m.text
    assert [m.start for m in mentions] == sorted(m.start for m in mentions)
    found = {(e.type, e.name) for e in count_entities(mentions)}
    for expected in [("org", "IRS"), ("org", "ICE"), ("org", "Public Citizen"),
                     ("person", "Scott Bessent"), ("person", "Kristi Noem")]:
        assert expected in found, (expected, sorted(found))


def test_offsets_possessive_and_curly_quotes(crf):
    text = "“We will fight,” said Angela Merkel’s spokesman in Berlin—and Trump's aide agreed.\nMicrosoft Corp. rose."
    mentions = crf.extract(text)
    for m in mentions:
        assert text[m.start : m.end] == m.text
    texts = {(m.type, m.text) for m in mentions}
    assert ("person", "Angela Merkel") in texts
    assert ("place", "Berlin") in texts
    assert ("person", "Trump") in texts
    assert all(not m.text.endswith(("’s", "'s")) for m in mentions)


def test_empty_and_plain_text(crf):
    assert crf.extract("") == []
    assert crf.extract("   \n ") == []
    assert crf.extract("nothing to see here, just words.") == []


def test_matches_crfsuite_reference_decoding(crf):
    """The numpy decoder gives the labels of crfsuite's own Tagger.tag."""
    from kb.entities.stacking import prediction_features

    pipeline = crf.model
    sentences = [
        "Treasury Secretary Scott Bessent met Kristi Noem in Washington .".split(),
        "The IRS shared data with ICE , Public Citizen said .".split(),
        "BRUSSELS 1996-08-22".split(),
    ]
    first = pipeline.stage1.tag_labels(sentences)
    assert first == pipeline.stage1.reference_tag(sentences)
    if pipeline.stage2 is not None:
        extra = prediction_features(sentences, first)
        assert pipeline.stage2.tag_labels(sentences, extra) == pipeline.stage2.reference_tag(sentences, extra)


def _documents(count: int) -> list[list[list[str]]]:
    """The first `count` BBC business slices, as sentences of words."""
    documents = []
    for path in sorted(sliced("bbc-news", "business").glob("*.txt"))[:count]:
        text = path.read_text(encoding="utf-8")
        tokens = Tokens(text)
        documents.append([tokens.words[a:b] for a, b in split_sentences(tokens)])
    return documents


def _joined_flags(documents):
    """Each document's doc:tc and doc:lc tokens (features.doc_flags), its positions counted
    over all of them, worked out here word by word: a capitalised word is flagged "tc"
    when its document writes it in title case inside a sentence, "lc" when it writes it
    in lower case anywhere."""
    flag_tc, flag_lc, offset = [], [], 0
    for document in documents:
        titled = {w.lower() for words in document for w in words[1:] if w[:1].isupper() and w[1:2].islower()}
        lowered = {w.lower() for words in document for w in words if w[:1].islower()}
        for position, word in enumerate(w for words in document for w in words):
            if word[:1].isupper():
                if word.lower() in titled:
                    flag_tc.append(offset + position)
                if word.lower() in lowered:
                    flag_lc.append(offset + position)
        offset += sum(map(len, document))
    return flag_tc, flag_lc


def test_documents_flags_read_from_the_word_table_are_each_documents_own(crf, monkeypatch):
    """The document flags of a batch, found with numbers for words, are those of each
    document's words (features.doc_sets), also after the table forgot words."""
    from kb.entities import word_table
    from kb.entities.crf import documents_flags

    documents = _documents(24)
    sentences = [words for document in documents for words in document]
    lengths, sizes = [len(words) for words in sentences], [len(document) for document in documents]
    expected = _joined_flags(documents)
    assert len(expected[0]) > 100 and len(expected[1]) > 20
    monkeypatch.setattr(word_table, "MAX_CACHED_WORDS", 300)
    table = word_table.WordTable([crf.model.stage1])
    assert documents_flags(*table.read(sentences)[1:], lengths, sizes) == expected
    assert table._words[1] == sentences[0][0]
    # Past the cap: the next read keeps the most used 150 words, numbered again, first.
    assert documents_flags(*table.read(sentences)[1:], lengths, sizes) == expected
    assert table._words[1] in {"the", ".", ","}


def test_documents_tagged_together_get_crfsuites_labels(crf):
    """Real articles, their sentences of every length decoded in one batch per stage, get
    the labels crfsuite's own Tagger gives each sentence alone (ties broken alike)."""
    from kb.entities.stacking import prediction_features

    pipeline = crf.model
    documents = _documents(12)
    sentences = [words for document in documents for words in document]
    assert len({len(words) for words in sentences}) > 20
    first = pipeline.stage1.tag_labels(sentences, flagged=_joined_flags(documents))
    expected = [pipeline.stage1.reference_tag(document) for document in documents]
    assert first == [labels for document in expected for labels in document]
    if pipeline.stage2 is not None:
        at = 0
        extra = []
        for document in documents:
            extra.append(prediction_features(document, first[at:at + len(document)]))
            at += len(document)
        second = pipeline.stage2.tag_labels(sentences, [more for found in extra for more in found],
                                            _joined_flags(documents))
        expected = [pipeline.stage2.reference_tag(document, found) for document, found in zip(documents, extra)]
        assert second == [labels for document in expected for labels in document]


@pytest.mark.parametrize("name", ["crf-conll2003.crfsuite", "crf-conll2003-doc.crfsuite"])
def test_the_shipped_arrays_hold_each_models_own_weights(name):
    """The tagger reads the .npz beside each shipped model: it must hold exactly what
    python-crfsuite reads from the model (a model trained again without saving them
    would leave stale weights)."""
    import numpy as np

    from kb.entities.crf import arrays_path, model_path, parsed_arrays

    with np.load(arrays_path(model_path(name))) as shipped:
        parsed = parsed_arrays(model_path(name))
        assert sorted(shipped.files) == sorted(parsed)
        for key, array in parsed.items():
            assert shipped[key].dtype == array.dtype and np.array_equal(shipped[key], array), key
    assert len(parsed["feature_weights"]) > 30_000


def test_word_table_stays_bounded_and_eviction_changes_no_label(monkeypatch):
    """A long import meets ever new words: the per-word table keeps its most used half
    when full, and labels are those of a table that never forgets."""
    from kb.entities import crf as crf_module, word_table

    documents = [f"Minister Anna Kowal{n} met Zyx{n} Corp in Port{n} . The Zyx{n} board agreed ." for n in range(60)]
    unbounded = crf_module.Pipeline.load(crf_module.model_path(), crf_module.model_path(crf_module.STAGE2_NAME))
    expected = [unbounded.tag_document([doc.split()]) for doc in documents]
    monkeypatch.setattr(word_table, "MAX_CACHED_WORDS", 40)
    bounded = crf_module.Pipeline.load(crf_module.model_path(), crf_module.model_path(crf_module.STAGE2_NAME))
    sizes = []
    for doc, labels in zip(documents, expected):
        assert bounded.tag_document([doc.split()]) == labels
        sizes.append(bounded.table._size)
    assert max(sizes) <= 40 + 12 and min(sizes[5:]) < max(sizes)  # evicted, never past the cap + one document
    assert len(bounded.table._table) == 1024  # the first capacity, kept through evictions
    assert "Minister" in bounded.table._ids  # used in every document: kept


def test_a_word_tables_rows_are_its_attributes_weights_added_one_by_one(crf):
    """Each word's six slot vectors are the weights of the attributes the trainer writes
    for the word in that slot (kb.entities.features), added in order (plain Python floats
    here), for real words of every kind and PAD."""
    from kb.entities import features as F
    from kb.entities.word_table import WordTable

    text = " ".join(path.read_text(encoding="utf-8") for path in sorted(SLICES.glob("**/*.txt"))[:3])
    words = list(dict.fromkeys(word for word, _, _ in tokenize(text + " Mr. U.S. a I Sony’s ICE 47,000 café")))
    pipeline = crf.model
    table = WordTable([pipeline.stage1] if pipeline.stage2 is None else [pipeline.stage1, pipeline.stage2])
    table.emissions([words])
    for word in [F.PAD, *words]:
        slots = [[], *(F.context(word, k) for k in F.OFFSETS), []] if word == F.PAD else \
            [F.local(word), *(F.context(word, k) for k in F.OFFSETS), F.initial(word)]
        for slot, attributes in enumerate(slots):
            rows = [table.weights[table.attr_ids[a]].tolist() for a in attributes if a in table.attr_ids]
            expected = [0.0] * table.weights.shape[1]
            for row in rows:
                expected = [total + weight for total, weight in zip(expected, row)]
            assert table._table[table._ids[word], slot].tolist() == np.float32(expected).tolist(), (word, slot)
    assert len(words) > 500


def test_a_shared_word_table_scores_each_model_as_its_own_table_does(crf):
    """Both stages' columns of the pipeline's table are the sums each model's own table makes."""
    pipeline = crf.model
    sentences = ["Treasury Secretary Scott Bessent met Kristi Noem in Washington .".split(), ["Sony"]]
    shared = pipeline.table.emissions(sentences)
    width = len(pipeline.stage1.trans)
    assert (shared[:, :width] == pipeline.stage1.table.emissions(sentences)).all()
    if pipeline.stage2 is not None:
        assert (shared[:, width:] == pipeline.stage2.table.emissions(sentences)).all()
        assert shared.shape[1] == width + len(pipeline.stage2.trans)


def test_tokenize_keeps_offsets_and_splits_possessives():
    text = "Trump’s aide met Mr. Smith in the U.S. on 1996-08-22—really. Here’s more!"
    tokens = tokenize(text)
    assert all(text[a:b] == tok for tok, a, b in tokens)
    words = [t[0] for t in tokens]
    assert words[:2] == ["Trump", "’s"]
    assert "Mr." in words and "U.S." in words and "1996-08-22" in words and "—" in words
    sents = split_sentences(Tokens(text))
    assert len(sents) == 2
    assert words[sents[1][0]] == "Here"


# The tokenizer's pattern as first written: each branch plain, a word grown a character at
# a time. tokenize's own pattern is written to run faster and must cut text the same way.
_PLAIN_TOKEN = re.compile(
    r"""
      (?:[A-Za-z]\.){2,}(?![A-Za-z])
    | (?:Mr|Mrs|Ms|Dr|St|Jr|Sr|Gen|Sen|Rep|Gov|Lt|Col|Capt|Sgt|Maj|Adm|Prof|Rev|Hon|Pres|Inc|Corp|Co|Ltd|Bros|Jan|Feb
        |Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec|vs|etc|No|Mt|Ft|Ave|Blvd)\.(?!\w)
    | \d+(?:[.,:/]\d+)*(?:-\w+)*
    | ['’](?:s|t|re|ve|ll|d|m)\b
    | [^\W\d_](?:[^\W_]|[-&](?=[^\W_])|['’](?!(?:s|t|re|ve|ll|d|m)\b)(?=[^\W_]))*
    | -{2,}|\.{2,}
    | \S
    """,
    re.VERBOSE,
)


@given(st.text(alphabet="aZé9_-&'’.,sStdmrevlUMNoSep \n\t\u00a0\u2028\u3000\x1c\u0301𝐀\ud800", max_size=40))
def test_tokenize_cuts_text_as_the_plain_pattern_does(text):
    assert tokenize(text) == _plain_tokens(text)


def test_every_space_is_below_u3001():
    """Token offsets count the characters that are not spaces among the first 0x3001 only."""
    assert [code for code in range(0x3001, sys.maxunicode + 1) if chr(code).isspace()] == []


def _plain_tokens(text):
    """(token, start, end) of each match of the plain pattern over the whole text."""
    return [(m.group(), m.start(), m.end()) for m in _PLAIN_TOKEN.finditer(text)]


def _plain_sentences(text, tokens):
    """split_sentences as first written: every token looked at in turn."""
    bounds, n, first, i = [], len(tokens), 0, 0
    while i < n:
        end, boundary = i + 1, False
        if end < n and "\n" in text[tokens[i][2]:tokens[end][1]]:
            boundary = True
        elif tokens[i][0] in (".", "!", "?", "..."):
            while end < n and tokens[end][0] in '"\'”’)]' and tokens[end][1] == tokens[end - 1][2]:
                end += 1
            if end < n:
                boundary = tokens[end][0][0].isupper() or tokens[end][0][0].isdigit() or tokens[end][0][0] in "\"“‘'("
            if end < n and not boundary and "\n" in text[tokens[end - 1][2]:tokens[end][1]]:
                boundary = True
        if boundary or end >= n:
            bounds.append((first, end))
            first = end
        i = end
    if first < n:
        bounds.append((first, n))
    return bounds


@given(st.lists(st.sampled_from(["a", "B", "1", ".", "!", "?", "...", '"', "'", ")", "(", "”", " ", " ", "\t", "\n", "\u2028"]),
                max_size=16).map("".join))
def test_split_sentences_ends_them_where_looking_at_every_token_does(text):
    assert split_sentences(Tokens(text)) == _plain_sentences(text, _plain_tokens(text))


def test_real_articles_are_cut_as_the_plain_forms_cut_them():
    for path in sorted(SLICES.glob("**/*.txt"))[:40]:
        text = path.read_text(encoding="utf-8", errors="replace")
        assert tokenize(text) == _plain_tokens(text), path
        assert split_sentences(Tokens(text)) == _plain_sentences(text, _plain_tokens(text)), path


def test_conll_spans():
    assert spans(["B-PER", "I-PER", "O", "B-LOC", "B-MISC", "I-ORG"]) == {(0, 2, "PER"), (3, 4, "LOC"), (5, 6, "ORG")}


def M(start, text, type="person"):
    return Mention(start, start + len(text), type, text)


def test_count_entities_folds_and_sorts():
    mentions = [
        M(0, "Scott  Bessent"),
        M(30, "Bessent"),
        M(50, "Bessent’s"),
        M(70, "IRS", "org"),
        M(80, "“IRS”", "org"),
        M(90, "IRS's", "org"),
        M(100, "Noem"),
        M(110, "U.S.", "place"),
        M(120, "U.S.", "place"),
    ]
    counts = count_entities(mentions)
    assert [(e.type, e.name, e.count) for e in counts] == [
        ("org", "IRS", 3),
        ("person", "Scott Bessent", 3),
        ("place", "United States", 2),
        ("person", "Noem", 1),
    ]
    bessent = next(e for e in counts if e.name == "Scott Bessent")
    assert bessent.spans == [(0, 14), (30, 37), (50, 59)]


def test_count_entities_ambiguous_surname_and_junk():
    mentions = [M(0, "Donald Trump"), M(20, "Eric Trump"), M(40, "Trump"),
                M(50, "X"), M(60, "1996", "org"), M(70, "the state", "place"), M(80, "—", "org")]
    names = {(e.type, e.name): e.count for e in count_entities(mentions)}
    assert names == {("person", "Donald Trump"): 1, ("person", "Eric Trump"): 1, ("person", "Trump"): 1}


def mentions_in(text: str, *tagged: tuple[str, str]) -> list[Mention]:
    """Mentions of `text` as a tagger would give them: (words, type), found in order."""
    found, position = [], 0
    for words, kind in tagged:
        start = text.index(words, position)
        found.append(Mention(start, start + len(words), kind, words))
        position = start + len(words)
    return found


def test_honorifics_are_no_part_of_a_name_and_mark_a_person():
    """"Mr Blair" was a facet row of its own (13 of 100 top people on BBC); Mr, Prime
    Minister, Chancellor... are titles, and a name after one is a person's."""
    text = ("Prime Minister Tony Blair met the press. Mr Blair said Blair's plan stands. "
            "Chancellor Gordon Brown agreed, and the Lord Chancellor was absent. Mr Howard disagreed.")
    mentions = mentions_in(text, ("Prime Minister Tony Blair", "person"), ("Mr Blair", "person"),
                           ("Blair's", "person"), ("Chancellor Gordon Brown", "person"),
                           ("Lord Chancellor", "person"), ("Howard", "org"))
    counts = {(e.type, e.name): e.count for e in count_entities(mentions, text)}
    assert counts == {("person", "Tony Blair"): 3, ("person", "Gordon Brown"): 1, ("person", "Howard"): 1}


def test_titles_that_begin_names_of_organisations_stay_theirs():
    """"General Motors" and "Justice Department" were cut into the person "Motors" and
    "Department" (and "General Motors" dropped as a job title): only Mr, Dr, Lord... are
    taken off a name the tagger did not make a person's."""
    text = "General Motors and the Justice Department said so. Lord Butler agreed."
    mentions = mentions_in(text, ("General Motors", "org"), ("Justice Department", "org"), ("Lord Butler", "place"))
    assert {(e.type, e.name) for e in count_entities(mentions, text)} == {
        ("org", "General Motors"), ("org", "Justice Department"), ("person", "Butler")}


def test_a_first_name_alone_folds_into_the_one_full_name_it_starts():
    text = "George W Bush spoke. George said the talks went well. Bush left. George Michael sang."
    mentions = mentions_in(text, ("George W Bush", "person"), ("George", "person"), ("Bush", "person"))
    assert [(e.name, e.count) for e in count_entities(mentions, text)] == [("George W Bush", 3)]
    two = mentions + [M(text.index("George Michael"), "George Michael")]
    assert {e.name for e in count_entities(two, text)} == {"George W Bush", "George", "George Michael"}


def test_count_entities_keeps_types_apart():
    counts = count_entities([M(0, "Washington", "place"), M(20, "Washington", "person"), M(40, "Washington", "place")])
    assert [(e.type, e.name, e.count) for e in counts] == [("place", "Washington", 2), ("person", "Washington", 1)]


def test_unknown_extractor():
    with pytest.raises(KBError, match="unknown entity extractor"):
        get_extractor("nope")


def test_spacy_extractor_missing_is_a_kb_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "spacy", None)  # as on a machine without the extra: import fails
    with pytest.raises(KBError, match="spaCy is not installed"):
        get_extractor("spacy:en_core_web_sm")


def test_extractor_name(crf):
    assert crf.name == "crf"
    assert get_extractor() is crf


def test_works_of_art_and_awards_are_no_people_or_organisations():
    """Vera Drake, Ray, Oscar were people in BBC's film facets."""
    text = ("Mike Leigh's film Vera Drake won. Vera Drake stars Imelda Staunton. The biopic Ray did well "
            "at the Oscars, and “Sideways” won a Golden Globe. Ray Charles was played by Jamie Foxx.")
    mentions = mentions_in(text, ("Mike Leigh", "person"), ("Vera Drake", "person"), ("Vera Drake", "person"),
                           ("Imelda Staunton", "person"), ("Ray", "person"), ("Oscars", "org"),
                           ("Sideways", "org"), ("Golden Globe", "org"), ("Ray Charles", "person"),
                           ("Jamie Foxx", "person"))
    entities = count_entities(mentions, text)
    assert {e.name for e in entities if e.type != WORK} == {"Mike Leigh", "Imelda Staunton", "Ray Charles", "Jamie Foxx"}
    # the titles, for the store to count (kb.entity_table.drop_works)
    assert [e.name for e in entities if e.type == WORK] == ["Golden Globe", "Oscars", "Ray", "Sideways", "Vera Drake"]


def test_well_known_other_names_are_one_entity_of_the_right_type():
    """UK and Britain, US and America were separate place rows; US was an org in six BBC
    lists; Lib Dems and Liberal Democrats, Tories and Conservatives separate org rows."""
    text = "The UK and Britain's allies, the US and America. The Tories and Lib Dems met the Liberal Democrats."
    mentions = mentions_in(text, ("UK", "place"), ("Britain", "place"), ("US", "org"), ("America", "place"),
                           ("Tories", "org"), ("Lib Dems", "org"), ("Liberal Democrats", "org"))
    counts = {(e.type, e.name): (e.count, e.aliases) for e in count_entities(mentions, text)}
    assert counts == {("place", "United Kingdom"): (2, ["Britain", "UK"]),
                      ("place", "United States"): (2, ["America", "US"]),
                      ("org", "Conservative Party"): (1, ["Tories"]),
                      ("org", "Liberal Democrats"): (2, ["Lib Dems"])}


def test_formats_products_holidays_and_members_are_no_entities():
    """DVD, PC, TV were organisations in BBC's technology facets, Christmas a place, and
    "Labour MPs" an organisation of its own."""
    text = "Sales of DVD players and PC games rose before Christmas, Sony said. Labour MPs agreed."
    mentions = mentions_in(text, ("DVD", "org"), ("PC", "org"), ("Christmas", "place"), ("Sony", "org"),
                           ("Labour MPs", "org"))
    assert [(e.type, e.name) for e in count_entities(mentions, text)] == [("org", "Labour Party"), ("org", "Sony")]


def test_a_person_its_article_speaks_of_as_a_company_or_a_product_is_none():
    """Sony, Google, Vodafone, Gartner were people in BBC's facets (in 4 lists for Sony),
    Xbox and Walkman too; the words around a name say what it is, a person's own cues
    ("said he", ", who") keep a person a person."""
    text = ("The search giant Google grew. Google said it would hire. A Gartner spokesman agreed. "
            "Sales of the Xbox console rose, and Xbox games sold. Tony Blair said he liked Xbox. "
            "Gartner, who? Blunkett, who resigned, said Google was big.")
    mentions = mentions_in(text, ("Google", "person"), ("Google", "person"), ("Gartner", "person"),
                           ("Xbox", "person"), ("Xbox", "person"), ("Tony Blair", "person"),
                           ("Xbox", "person"), ("Gartner", "person"), ("Blunkett", "person"),
                           ("Google", "person"))
    counts = {(e.type, e.name): e.count for e in count_entities(mentions, text)}
    assert counts == {("org", "Google"): 3, ("person", "Gartner"): 2, ("person", "Tony Blair"): 1,
                      ("person", "Blunkett"): 1}
    alone = "The Xbox console sold well."
    assert count_entities(mentions_in(alone, ("Xbox", "person")), alone) == []


def test_stations_keep_their_numbers():
    """"BBC Radio" was the top organisation of 9 BBC lists: the tagger leaves the number off."""
    text = "He told BBC Radio 4's Today. She was on BBC Radio Five Live and Channel 4, at 2 Radio 1980."
    mentions = mentions_in(text, ("BBC Radio", "org"), ("BBC Radio", "org"), ("Channel", "org"),
                           ("Radio", "org"))
    assert [e.name for e in count_entities(mentions, text)] == ["BBC Radio 4", "BBC Radio Five Live",
                                                                 "Channel 4", "Radio"]


def test_word_clusters_put_companies_together_and_apart_from_surnames():
    """The tagger's cluster features (kb/entities/data/clusters.tsv) are what let it know
    a company it never saw labelled."""
    from kb.entities.features import word_info

    clusters = {word: word_info(word)[4] for word in ("Sony", "Toshiba", "Chrysler", "Blair", "Smith")}
    assert all(len(found) == 3 for found in clusters.values())
    assert clusters["Sony"][1] == clusters["Toshiba"][1] == clusters["Chrysler"][1]
    assert clusters["Blair"][1] == clusters["Smith"][1] != clusters["Sony"][1]


def test_an_organisation_named_after_a_role_is_one_wherever_it_is_written():
    """The tagger reads "Public" and "Citizen" as common words; "co-president of" says."""
    from kb.entities.crf import with_organisations_of_roles

    text = "Public Citizen sued. Lisa Gilbert, co-president of Public Citizen, spoke. The head of State said."
    mentions = [Mention(21, 33, "person", "Lisa Gilbert")]
    found = [(m.type, m.text, m.start) for m in with_organisations_of_roles(mentions, text)]
    assert found == [("org", "Public Citizen", 0), ("person", "Lisa Gilbert", 21), ("org", "Public Citizen", 51)]


def test_a_short_organisation_name_folds_into_the_one_longer_name_of_its_article():
    """United, Bank, Yugansk were rows beside Manchester United, Bank of England and
    Yuganskneftegas in BBC's lists; with two candidates a short name stays apart."""
    text = ("Manchester United won. United lead. The Bank of England held rates; the Bank said so. "
            "Yuganskneftegas was sold. Yugansk was Yukos's unit.")
    mentions = mentions_in(text, ("Manchester United", "org"), ("United", "org"), ("Bank of England", "org"),
                           ("Bank", "org"), ("Yuganskneftegas", "org"), ("Yugansk", "org"))
    assert {(e.name, e.count) for e in count_entities(mentions, text)} == {
        ("Manchester United", 2), ("Bank of England", 2), ("Yuganskneftegas", 2)}
    two = text + " Newcastle United lost."
    more = mentions + mentions_in(two[len(text):], ("Newcastle United", "org"))
    more[-1] = Mention(more[-1].start + len(text), more[-1].end + len(text), "org", "Newcastle United")
    assert "United" in {e.name for e in count_entities(more, two)}


def test_a_place_spoken_of_as_a_company_or_named_as_an_institution_is_an_organisation():
    """Nokia (a Finnish town too) was a place in 3 BBC lists, the High Court in 2; a
    capital that "said it" stands for a government and a country's manager for its team:
    they stay places (France, England, Japan became organisations in 10 lists when they
    did not)."""
    text = ("The mobile phone maker Nokia grew. Nokia is big. The High Court ruled. He flew to Washington. "
            "Washington said it would act. France manager Rafael Benitez spoke.")
    mentions = mentions_in(text, ("Nokia", "place"), ("Nokia", "place"), ("High Court", "place"),
                           ("Washington", "place"), ("Washington", "place"), ("France", "place"),
                           ("Rafael Benitez", "person"))
    assert {(e.type, e.name) for e in count_entities(mentions, text)} == {
        ("org", "Nokia"), ("org", "High Court"), ("place", "Washington"), ("place", "France"),
        ("person", "Rafael Benitez")}


def test_an_organisation_named_by_a_country_is_the_country():
    """Scotland was an organisation in 2 BBC lists: CoNLL-2003 tags national teams ORG."""
    text = "Scotland beat Wales at Murrayfield, and Scotland Yard watched."
    mentions = mentions_in(text, ("Scotland", "org"), ("Wales", "org"), ("Scotland Yard", "org"))
    assert {(e.type, e.name) for e in count_entities(mentions, text)} == {
        ("place", "Scotland"), ("place", "Wales"), ("org", "Scotland Yard")}


def test_a_person_that_an_apposition_a_unit_or_a_list_of_a_kind_calls_a_company_is_an_organisation():
    """Yuganskneftegaz, Grokster, Hewlett Packard were people in BBC's lists: "X, the unit
    which", "X and Y, two file-sharing networks", the oil "unit X" and "companies such as
    Intel and X" say what they are; "a former company director", "the leader" and "stars
    such as X" do not."""
    text = ("Yuganskneftegaz, the unit which pumps oil, was sold. Grokster and StreamCast, two file-sharing "
            "networks. The oil unit Baikalneft grew. Smith, a former company director, spoke. Jones, the leader. "
            "Firms such as Intel, Microsoft, and Hewlett Packard came; stars such as Morrissey and Supergrass too.")
    names = ("Yuganskneftegaz", "Grokster", "StreamCast", "Baikalneft", "Smith", "Jones", "Intel", "Microsoft",
             "Hewlett Packard", "Morrissey", "Supergrass")
    kinds = ("person", "person", "org", "person", "person", "person", "org", "org", "person", "person", "org")
    counted = {e.name: e.type for e in count_entities(mentions_in(text, *zip(names, kinds)), text)}
    assert counted == {**dict(zip(names, kinds)), "Yuganskneftegaz": "org", "Grokster": "org", "Baikalneft": "org",
                       "Hewlett Packard": "org"}


@given(st.text(alphabet="ab_é1 .,'(-", max_size=40), st.text(alphabet="ab_é1 .,'(-", min_size=1, max_size=4))
def test_a_name_is_found_where_the_whole_word_regular_expression_finds_it(text, name):
    expected = [found.span() for found in re.finditer(r"(?<!\w)%s(?!\w)" % re.escape(name), text)]
    assert list(written_at(text, name)) == expected


def test_texts_tagged_together_get_the_mentions_they_get_one_by_one(crf):
    texts = [path.read_text(encoding="utf-8") for path in sorted((SLICES / "bbc-news").rglob("*.txt"))[:30]]
    texts[3:3] = ["", "  \n ", "One"]
    assert crf.extract_all(texts) == [crf.extract(text) for text in texts]
    assert sum(map(len, crf.extract_all(texts))) > 300


def test_a_peerage_is_a_title_like_lord_and_no_part_of_the_name(crf):
    text = "Baroness Thatcher said the plan would fail. Thatcher added more."
    assert [(e.type, e.name, e.count) for e in count_entities(crf.extract(text), text)] == [("person", "Thatcher", 2)]


def test_a_newspaper_named_after_a_day_keeps_the_day(crf):
    """The tagger left "Sunday" out: "Telegraph" was a facet row of its own, as a person."""
    text = "He told the Sunday Telegraph that he would stand. The Sunday Telegraph newspaper said so."
    assert [(e.type, e.name, e.count) for e in count_entities(crf.extract(text), text)] == [
        ("org", "Sunday Telegraph", 2)]


def test_a_model_trained_here_is_read_by_the_tagger(tmp_path):
    """Training saves the arrays the tagger reads beside the model, and the tagger labels
    as crfsuite's own Tagger does with it."""
    from kb.entities.conll import read_conll
    from kb.entities.crf import CRFModel
    from kb.entities.training import train

    rows = ["-DOCSTART- -X- -X- O", ""]
    for first, last, town in [("Tony", "Blair", "Paris"), ("Anna", "Kowal", "Berlin"), ("John", "Smith", "Rome")] * 4:
        rows += [f"{first} NNP B-NP B-PER", f"{last} NNP I-NP I-PER", "visited VBD B-VP O", f"{town} NNP B-NP B-LOC",
                 ". . O O", ""]
    conll = tmp_path / "train.txt"
    conll.write_text("\n".join(rows) + "\n")
    model_file = tmp_path / "tiny.crfsuite"
    train(conll, model_file, {"feature.minfreq": 1, "max_iterations": 30}, verbose=False)
    model = CRFModel(model_file)
    sentences = [words for document in read_conll(conll) for words, _ in document]
    assert model.tag_labels(sentences) == model.reference_tag(sentences)
    assert model.tag_labels([["Anna", "Kowal", "visited", "Rome", "."]]) == [["B-PER", "I-PER", "O", "B-LOC", "O"]]


@given(st.text(alphabet="aB1 .-éÉⒶǅ_", max_size=6))
def test_junk_names_are_those_without_a_capital_however_found(name):
    """is_junk's shortcut for ASCII names against its rule read letter by letter."""
    plain = len(name) < 2 or not any(c.isalpha() for c in name) or not any(c.isupper() for c in name)
    assert is_junk(name) == plain
