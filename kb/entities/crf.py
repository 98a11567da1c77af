"""The default entity extractor: a linear-chain CRF trained on CoNLL-2003 English.

The model (kb/entities/models/crf-conll2003.crfsuite) is trained by python-crfsuite,
and its weights saved beside it as numpy arrays (the .npz of the same name: parsing
crfsuite's own file takes a process half a second, loading the arrays a few
milliseconds). A token is scored by adding a few cached per-word vectors
(kb.entities.word_table, one table for both stages) and the documents tagged together
are decoded by one batched Viterbi pass over all their sentences. The result is the
same labelling crfsuite's own ``Tagger.tag`` gives (tested), just faster.
"""
from __future__ import annotations

import re
import threading
from functools import cached_property
from itertools import chain
from importlib import resources
from pathlib import Path

import numpy as np

from kb.entities import features as F
from kb.entities.conll import TYPE_MAP, iob_label
from kb.entities.stacking import prediction_features
from kb.entities.tokenize import Tokens, split_sentences
from kb.entities.word_table import WordTable
from kb.models import Mention

MODEL_NAME = "crf-conll2003.crfsuite"
STAGE2_NAME = "crf-conll2003-doc.crfsuite"


def model_path(name: str = MODEL_NAME) -> Path:
    return Path(str(resources.files("kb.entities").joinpath("models", name)))


def arrays_path(path: str | Path) -> Path:
    """Where a model's weights are saved as arrays: beside it, as .npz."""
    return Path(path).with_suffix(".npz")


def parsed_arrays(path: str | Path) -> dict[str, np.ndarray]:
    """A crfsuite model's weights, read with python-crfsuite (slow): its states by id,
    the transitions between them, its attributes in the order of their first state
    feature (one string, joined by new lines) and each state feature's attribute, state
    and weight."""
    import pycrfsuite

    tagger = pycrfsuite.Tagger()
    tagger.open(str(path))
    info = tagger.info()
    states = [lab for lab, _ in sorted(info.labels.items(), key=lambda kv: int(kv[1]))]
    index = {lab: i for i, lab in enumerate(states)}
    transitions = np.zeros((len(states), len(states)))
    for (a, b), w in info.transitions.items():
        transitions[index[a], index[b]] = w
    attributes = list(dict.fromkeys(attr for attr, _ in info.state_features))
    if any("\n" in attr for attr in attributes):  # they are saved joined by new lines
        raise ValueError(f"{path}: an attribute holds a new line")
    rows = dict(zip(attributes, range(len(attributes))))
    features = list(info.state_features.items())
    return {"states": np.array(states), "transitions": transitions,
            "attributes": np.frombuffer("\n".join(attributes).encode(), dtype=np.uint8),
            "feature_attributes": np.array([rows[attr] for (attr, _), _ in features], dtype=np.int32),
            "feature_states": np.array([index[lab] for (_, lab), _ in features], dtype=np.int8),
            "feature_weights": np.array([w for _, w in features])}


def save_arrays(path: str | Path) -> Path:
    """Save a crfsuite model's weights beside it as arrays, the form CRFModel reads."""
    np.savez_compressed(arrays_path(path), **parsed_arrays(path))
    return arrays_path(path)


class CRFModel:
    """Weights of a crfsuite model, arranged for fast additive scoring."""

    def __init__(self, path: str | Path):
        """`path`: the model, with its weights saved beside it (`save_arrays`)."""
        self.path = str(path)
        with np.load(arrays_path(path)) as arrays:
            states = arrays["states"].tolist()
            self.trans = arrays["transitions"].astype(np.float32)  # as the emissions (WordTable)
            attributes = arrays["attributes"].tobytes().decode().split("\n")
            self.attr_ids: dict[str, int] = dict(zip(attributes, range(len(attributes))))  # attribute -> row of weights
            self.weights = np.zeros((len(attributes), len(states)))  # row i: attribute i's weight for each state
            self.weights[arrays["feature_attributes"], arrays["feature_states"]] = arrays["feature_weights"]
        # The model's states are BILOU (training.py); callers see their IOB2 labels.
        self.labels: list[str] = list(dict.fromkeys(map(iob_label, states)))
        self.outside = self.labels.index("O")  # the label of a token in no name
        self._iob = np.asarray([self.labels.index(iob_label(lab)) for lab in states])
        self.eos = self._attrs_vector(["eos"])
        self.doc_tc = self._attrs_vector(["doc:tc"])
        self.doc_lc = self._attrs_vector(["doc:lc"])
        self._extra_vectors: dict[tuple[str, ...], np.ndarray] = {}
        self._table: WordTable | None = None
        # Label id -> (entity type or None, begins a span?)
        self._kinds = []
        for lab in self.labels:
            prefix, _, t = lab.partition("-")
            self._kinds.append((TYPE_MAP.get(t), prefix))

    @cached_property
    def tagger(self):
        """crfsuite's own Tagger of this model (reference decoding, for tests)."""
        import pycrfsuite

        tagger = pycrfsuite.Tagger()
        tagger.open(self.path)
        return tagger

    def _attrs_vector(self, attrs: list[str]) -> np.ndarray:
        """The summed weights of the attributes the model knows."""
        get = self.attr_ids.get
        return self.weights[[i for i in map(get, attrs) if i is not None]].sum(axis=0)

    def _extra_vector(self, attrs: tuple[str, ...]) -> np.ndarray:
        """`_attrs_vector` of attributes a caller adds (a handful of kinds: kept)."""
        vector = self._extra_vectors.get(attrs)
        if vector is None:
            vector = self._extra_vectors[attrs] = self._attrs_vector(list(attrs))
        return vector

    @property
    def table(self) -> WordTable:
        """This model's own word table (a pipeline shares one among its models)."""
        if self._table is None:
            self._table = WordTable([self])
        return self._table

    def tag_document(self, sentences: list[list[str]], extra: list[dict[int, list[str]]] | None = None,
                     flagged: tuple[list[int], list[int]] | None = None,
                     emit: np.ndarray | None = None) -> list[list[int]]:
        """Label ids of every token of every sentence of one document.

        `extra` adds attributes to some tokens: per sentence, {token index: [attr, ...]}.
        `flagged` is `flagged_tokens(sentences)`, when the caller has it already; `emit`,
        this model's columns of a shared WordTable's emissions of the sentences (added to
        in place).
        """
        if not sentences:
            return []
        lengths = [len(words) for words in sentences]
        if emit is None:
            emit = self.table.emissions(sentences)
        lasts = np.cumsum(lengths) - 1  # the row of each sentence's last token
        emit[lasts] += self.eos
        flag_tc, flag_lc = flagged if flagged is not None else flagged_tokens(sentences)
        if flag_tc:
            emit[flag_tc] += self.doc_tc
        if flag_lc:
            emit[flag_lc] += self.doc_lc
        if extra:
            firsts = (lasts + 1 - lengths).tolist()
            rows = [first + i for first, more in zip(firsts, extra) for i in more]
            if rows:
                emit[rows] += np.array([self._extra_vector(tuple(attrs)) for more in extra for attrs in more.values()])
        return self._viterbi(emit, lengths)

    def _viterbi(self, emit: np.ndarray, lengths: list[int]) -> list[list[int]]:
        """Batched Viterbi over sentences (rows of `emit`, one sentence after another).

        The sentences are taken longest first, so that those still running at step t are
        always the first ones; their rows are laid out step after step, one column per
        row, so that a step reads and writes one slice. Only the best scores are kept,
        not the best previous labels: the way back takes the argmax again, for the one
        label of each sentence it follows (the same sums, so the same first best). Scores
        are float32, as the emissions are, a label's in a row, so that a step runs along
        rows: twice as fast as float64 in columns, and the same labels for every token of
        BBC and 6,000 Reuters articles (5.5 million)."""
        lens = np.asarray(lengths)
        order = np.argsort(-lens, kind="stable")
        steps = int(lens[order[0]])
        running = np.searchsorted(-lens[order], -np.arange(steps), side="left")  # alive at each step
        offsets = np.concatenate(([0], np.cumsum(running))).tolist()
        step = np.repeat(np.arange(steps), running)
        sentence = np.arange(len(step)) - np.asarray(offsets)[step]
        rows = (np.cumsum(lens) - lens)[order][sentence] + step  # the emit row of each column
        score = np.ascontiguousarray(emit[rows].T)  # (labels, columns): emissions, then best scores
        trans = self.trans
        pairs = trans[:, :, None]
        running = running.tolist()
        for t in range(1, steps):
            k, at, before = running[t], offsets[t], offsets[t - 1]
            score[:, at:at + k] += (score[:, None, before:before + k] + pairs).max(axis=0)
        best = np.empty(len(step), dtype=np.intp)
        last = score[:, offsets[-2]:offsets[-1]].argmax(axis=0)
        for t in range(steps - 1, 0, -1):
            k, at, before = running[t], offsets[t], offsets[t - 1]
            best[at:at + k] = last
            last = (score[:, before:before + k] + trans[:, last]).argmax(axis=0)
            if running[t - 1] > k:  # sentences whose last step is t - 1
                last = np.concatenate((last, score[:, before + k:before + running[t - 1]].argmax(axis=0)))
        best[:running[0]] = last
        out = np.empty(len(emit), dtype=np.intp)
        out[rows] = best
        labels = self._iob[out].tolist()
        bounds = np.cumsum(lens).tolist()
        return [labels[end - n:end] for end, n in zip(bounds, lengths)]

    def tag_labels(self, sentences: list[list[str]], extra=None, flagged=None, emit=None) -> list[list[str]]:
        """`tag_document`'s labels by name (a sentence without a name, most of them, at once)."""
        labels, outside = self.labels, self.outside
        return [["O"] * len(row) if row.count(outside) == len(row) else [labels[i] for i in row]
                for row in self.tag_document(sentences, extra, flagged, emit)]

    def reference_tag(self, sentences: list[list[str]], extra=None) -> list[list[str]]:
        """crfsuite's own decoding of the same attributes (slow; for tests)."""
        import pycrfsuite

        titled, lowered = F.doc_sets(sentences)
        out = []
        for k, words in enumerate(sentences):
            attrs = F.sentence_attributes(words, titled, lowered)
            if extra:
                for i, more in extra[k].items():
                    attrs[i] = attrs[i] + more
            out.append([iob_label(lab) for lab in self.tagger.tag(pycrfsuite.ItemSequence(attrs))])
        return out


def flagged_tokens(sentences: list[list[str]]) -> tuple[list[int], list[int]]:
    """The document-level flags of features.doc_flags, as the positions (counted over the
    whole document) of the tokens with "doc:tc" and of those with "doc:lc".

    >>> flagged_tokens([["Reading", "beat", "Leeds"], ["In", "reading", "Reading"]])
    ([0, 2, 5], [0, 5])
    """
    titled, lowered = F.doc_sets(sentences)
    capitalised = [(position, word.lower()) for position, word in enumerate(chain.from_iterable(sentences))
                   if F.case_of(word) & F.UPPER]
    return ([position for position, low in capitalised if low in titled],
            [position for position, low in capitalised if low in lowered])


def documents_flags(lows: np.ndarray, case: np.ndarray, lengths: list[int],
                    sizes: list[int]) -> tuple[list[int], list[int]]:
    """`flagged_tokens` of each of some documents, its positions counted over all of them,
    from the tokens' lower-case forms (numbers) and case bits (WordTable.read), the
    sentences' lengths and the documents' sizes (in sentences).

    >>> words = ["Reading", "beat", "Leeds", "In", "reading", "Reading", "Leeds", "won"]
    >>> lows = np.array([["reading", "beat", "leeds", "in", "won"].index(w.lower()) for w in words])
    >>> documents_flags(lows, np.array([F.case_of(w) for w in words]), [3, 3, 2], [2, 1])
    ([0, 2, 5], [0, 5])
    """
    document = np.repeat(np.repeat(np.arange(len(sizes)), sizes), lengths)  # of each token
    key = document * (int(lows.max(initial=0)) + 1) + lows  # (document, lower-case form)
    starts = np.zeros(len(lows), dtype=bool)
    starts[np.cumsum(lengths) - lengths] = True
    titled = key[(case & F.TITLE > 0) & ~starts]  # title case within a sentence
    lowered = key[case & F.LOWER > 0]
    capitalised = np.flatnonzero(case & F.UPPER)
    return (capitalised[np.isin(key[capitalised], titled)].tolist(),
            capitalised[np.isin(key[capitalised], lowered)].tolist())


def _split(rows: list, documents: list[list]) -> list[list]:
    """`rows` (one per sentence of all `documents`) cut back into one list per document."""
    out, at = [], 0
    for document in documents:
        out.append(rows[at:at + len(document)])
        at += len(document)
    return out


def _common_word(word: str) -> bool:
    low, shape, gz, lex, clusters = F.word_info(word)
    return lex and not gz


class Pipeline:
    """First-stage CRF, then (when shipped) the document-consistency second stage."""

    def __init__(self, stage1: CRFModel, stage2: CRFModel | None = None):
        self.stage1, self.stage2 = stage1, stage2
        self.table = WordTable([stage1] if stage2 is None else [stage1, stage2])
        final = stage2 or stage1
        self.labels = final.labels
        self.kinds = final._kinds
        self._index = {lab: i for i, lab in enumerate(self.labels)}
        self.outside = final.outside

    @classmethod
    def load(cls, path1: str | Path, path2: str | Path | None = None) -> "Pipeline":
        return cls(CRFModel(path1), CRFModel(path2) if path2 and Path(path2).exists() else None)

    def tag_document(self, sentences: list[list[str]]) -> list[list[int]]:
        """Label ids (of the final model) of every token of one document."""
        return self.tag_documents([sentences])[0]

    def tag_documents(self, documents: list[list[list[str]]]) -> list[list[list[int]]]:
        """Label ids (of the final model) of every token of each document (a list of
        sentences). The documents are tagged together, one Viterbi pass a stage: the same
        labels as one by one, for fewer steps."""
        sentences = [words for document in documents for words in document]
        if not sentences:
            return [[] for _ in documents]
        lengths = [len(words) for words in sentences]
        emit, lows, case = self.table.read(sentences)
        flagged = documents_flags(lows, case, lengths, [len(document) for document in documents])
        if self.stage2 is None:
            labels = self.stage1.tag_document(sentences, flagged=flagged, emit=emit)
        else:
            width = len(self.stage1.trans)
            first = self.stage1.tag_labels(sentences, flagged=flagged, emit=emit[:, :width])
            extra = []
            for document, predicted in zip(documents, _split(first, documents)):
                extra.extend(prediction_features(document, predicted))
            labels = self.stage2.tag_document(sentences, extra, flagged, emit[:, width:])
        for words, labs in zip(sentences, labels):
            self._common_word_places(words, labs)
        return _split(labels, documents)

    def _common_word_places(self, words: list[str], labs: list[int]) -> None:
        """A multi-word "place" made only of capitalised common words that no place
        gazetteer knows ("Public Citizen", "Human Rights Watch") is an organisation."""
        index = self._index
        b_loc, i_loc = index.get("B-LOC"), index.get("I-LOC")
        b_org, i_org = index.get("B-ORG"), index.get("I-ORG")
        if None in (b_loc, i_loc, b_org, i_org) or b_loc not in labs:
            return
        n = len(labs)
        i = 0
        while i < n:
            if labs[i] == b_loc:
                j = i + 1
                while j < n and labs[j] == i_loc:
                    j += 1
                if j - i > 1 and all(_common_word(w) for w in words[i:j]):
                    labs[i] = b_org
                    for k in range(i + 1, j):
                        labs[k] = i_org
                i = j
            else:
                i += 1


_model: Pipeline | None = None
_model_lock = threading.Lock()


def get_model() -> Pipeline:
    """The shipped models, loaded on first use, once per process."""
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                _model = Pipeline.load(model_path(), model_path(STAGE2_NAME))
    return _model


class CRFExtractor:
    """Extracts person/org/place mentions from raw text with the CoNLL-2003 CRF."""

    name = "crf"

    def __init__(self, model: Pipeline | None = None):
        self._model = model

    @property
    def model(self) -> Pipeline:
        if self._model is None:
            self._model = get_model()
        return self._model

    def extract(self, text: str) -> list[Mention]:
        return self.extract_all([text])[0]

    def extract_all(self, texts: list[str]) -> list[list[Mention]]:
        """The mentions of each text, all tagged together (Pipeline.tag_documents)."""
        tokenized = [Tokens(text) for text in texts]
        bounds = [split_sentences(tokens) for tokens in tokenized]
        documents = [[tokens.words[a:b] for a, b in spans] for tokens, spans in zip(tokenized, bounds)]
        labels = self.model.tag_documents(documents)
        return [self._mentions(*found) for found in zip(tokenized, bounds, labels)]

    def _mentions(self, tokens: Tokens, bounds: list[tuple[int, int]], labels: list[list[int]]) -> list[Mention]:
        """The mentions the labels of a text's tokens make."""
        kinds, outside = self.model.kinds, self.model.outside
        found: list[tuple[int, int, str]] = []  # (first token, last token, type)
        for (a, _b), labs in zip(bounds, labels):
            if labs.count(outside) == len(labs):  # most sentences
                continue
            kind = None
            first = last = 0
            for j, lab in enumerate(labs):
                t, prefix = kinds[lab]
                if kind is not None and (prefix != "I" or t != kind):
                    found.append((first, last, kind))
                    kind = None
                if t is not None and (kind is None):
                    kind, first = t, a + j
                if kind is not None:
                    last = a + j
            if kind is not None:
                found.append((first, last, kind))
        text = tokens.text
        spans = ((tokens.span(first)[0], tokens.span(last)[1], kind) for first, last, kind in found)
        return with_organisations_of_roles([Mention(start, end, kind, text[start:end]) for start, end, kind in spans],
                                           text)


# "co-president of Public Citizen", "director of Human Rights Watch": two or more
# capitalised words after a role and "of" name an organisation, wherever the text
# writes them (the tagger reads "Public" and "Citizen" as common words).
_ROLE_OF = re.compile(  # (the lookahead lets the search pass most words at their first letter)
    r"\b(?=[cpdhfsl])(?:co-)?(?:president|chairman|chairwoman|chair|director|head|founder|co-founder|spokesman|spokeswoman|"
    r"spokesperson|leader|secretary general) of (?:the )?([A-Z][\w&'-]*(?: (?:of |for |and |& )?[A-Z][\w&'-]*)+)")


def with_organisations_of_roles(mentions: list[Mention], text: str) -> list[Mention]:
    """The tagger's mentions, and every untagged place an organisation named after a
    role ("co-president of Public Citizen") is written in the text."""
    names = {found.group(1) for found in _ROLE_OF.finditer(text)}
    names = {name for name in names if not any(m.text == name and m.type != "org" for m in mentions)}
    if not names:
        return mentions
    taken = [(m.start, m.end) for m in mentions]
    extra = [Mention(found.start(), found.end(), "org", found.group(0))
             for found in re.finditer("|".join(r"(?<!\w)%s(?!\w)" % re.escape(n) for n in sorted(names)), text)
             if not any(start < found.end() and found.start() < end for start, end in taken)]
    return sorted(mentions + extra, key=lambda m: (m.start, m.end))
