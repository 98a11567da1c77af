"""The default entity extractor: a linear-chain CRF trained on CoNLL-2003 English.

The model (kb/entities/models/crf-conll2003.crfsuite) is read once per process with
python-crfsuite's Tagger; its weights are then laid out as numpy arrays so that a
token is scored by adding a few cached per-word vectors (see kb.entities.features)
and the documents tagged together are decoded by one batched Viterbi pass over all their
sentences. The result is the same labelling crfsuite's own ``Tagger.tag`` gives (tested),
just faster.
"""
from __future__ import annotations

import re
import threading
from functools import lru_cache
from itertools import chain, repeat
from importlib import resources
from pathlib import Path

import numpy as np

from kb.entities import features as F
from kb.entities.conll import TYPE_MAP, iob_label
from kb.entities.stacking import prediction_features
from kb.entities.tokenize import split_sentences, tokenize
from kb.models import Mention

MODEL_NAME = "crf-conll2003.crfsuite"
STAGE2_NAME = "crf-conll2003-doc.crfsuite"

_SLOTS = 6  # local, context -2, -1, +1, +2, sentence-initial
MAX_CACHED_WORDS = 15_000  # per-word table rows (under 16,384: about 7 MB a model)


def model_path(name: str = MODEL_NAME) -> Path:
    return Path(str(resources.files("kb.entities").joinpath("models", name)))


@lru_cache(maxsize=4096)  # the two stages' tables add the same new words, one after the other
def _slot_attributes(word: str) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """A word's attributes in the table's slots, flat, and how many each slot has
    (F.PAD: only as a neighbour).

    >>> attrs, counts = _slot_attributes("Sony")
    >>> attrs[:2], attrs[-2:], len(counts), counts[-1] == 2, sum(counts) == len(attrs)
    (('w=sony', 'sh=Xx'), ('bos', 'bos:sh=Xx'), 6, True, True)
    """
    neighbour = [F.context(word, k) for k in F.OFFSETS]
    slots = [[], *neighbour, []] if word == F.PAD else [F.local(word), *neighbour, F.initial(word)]
    return tuple(chain.from_iterable(slots)), tuple(map(len, slots))


class CRFModel:
    """Weights of a crfsuite model, arranged for fast additive scoring."""

    def __init__(self, path: str | Path):
        import pycrfsuite

        self.path = str(path)
        tagger = pycrfsuite.Tagger()
        tagger.open(self.path)
        self.tagger = tagger  # kept for reference decoding (tests)
        info = tagger.info()
        # The model's states are BILOU (training.py); callers see their IOB2 labels.
        states = [lab for lab, _ in sorted(info.labels.items(), key=lambda kv: int(kv[1]))]
        self.labels: list[str] = list(dict.fromkeys(map(iob_label, states)))
        self._iob = np.asarray([self.labels.index(iob_label(lab)) for lab in states])
        index = {lab: i for i, lab in enumerate(states)}
        n = len(states)
        self.trans = np.zeros((n, n))
        for (a, b), w in info.transitions.items():
            self.trans[index[a], index[b]] = w
        # Row i of `weights`: attribute i's weight for each label.
        self.attr_ids: dict[str, int] = {}
        for attr, _ in info.state_features:
            self.attr_ids.setdefault(attr, len(self.attr_ids))
        self.weights = np.zeros((len(self.attr_ids), n))
        for (attr, lab), w in info.state_features.items():
            self.weights[self.attr_ids[attr], index[lab]] = w
        self.eos = self._attrs_vector(["eos"])
        self.doc_tc = self._attrs_vector(["doc:tc"])
        self.doc_lc = self._attrs_vector(["doc:lc"])
        self._extra_vectors: dict[tuple[str, ...], np.ndarray] = {}
        self._lock = threading.Lock()
        self._forget_words()
        # Label id -> (entity type or None, begins a span?)
        self._kinds = []
        for lab in self.labels:
            prefix, _, t = lab.partition("-")
            self._kinds.append((TYPE_MAP.get(t), prefix))

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

    def _forget_words(self) -> None:
        """Empty the per-word table (row r holds the six slot vectors of one word; row 0 is PAD)."""
        self._ids: dict[str, int] = {}
        self._words: list[str] = []
        self._table = np.zeros((1024, _SLOTS, len(self._iob)), dtype=np.float32)
        self._uses = np.zeros(1024, dtype=np.int64)
        self._size = 0
        self._add_words([F.PAD])

    def _keep_most_used_words(self) -> None:
        """Shrink the per-word table to its most used half, so that a long import's memory
        stays flat whatever its vocabulary while the common words stay cached."""
        used = self._uses[1:self._size]
        keep = np.concatenate(([0], 1 + np.argsort(-used, kind="stable")[: MAX_CACHED_WORDS // 2]))
        self._words = [self._words[row] for row in keep.tolist()]
        self._ids = {word: row for row, word in enumerate(self._words)}
        table = np.zeros_like(self._table)  # the same capacity: refilling it never grows it
        table[:len(keep)] = self._table[keep]
        self._table = table
        self._uses = np.zeros(len(table), dtype=np.int64)
        self._size = len(keep)

    def _add_words(self, words: list[str]) -> None:
        """Table rows for new words, each slot's weights summed for all of them at once
        (the caller holds the lock)."""
        size = self._size + len(words)
        while size > len(self._table):
            grown = np.zeros((2 * len(self._table),) + self._table.shape[1:], dtype=np.float32)
            grown[: len(self._table)] = self._table
            self._table = grown
            self._uses = np.concatenate((self._uses, np.zeros(len(self._uses), dtype=np.int64)))
        start = self._size
        flat = [_slot_attributes(word) for word in words]
        attrs = list(chain.from_iterable(attrs for attrs, _ in flat))
        attr_ids = np.fromiter(map(self.attr_ids.get, attrs, repeat(-1)), dtype=np.intp, count=len(attrs))
        counts = np.fromiter(chain.from_iterable(counts for _, counts in flat), dtype=np.intp, count=len(flat) * _SLOTS)
        targets = np.repeat(np.arange(start * _SLOTS, size * _SLOTS), counts)  # the (row, slot) of each attribute
        known = attr_ids >= 0
        attr_ids, targets = attr_ids[known], targets[known]
        self._ids.update(zip(words, range(start, size)))
        self._words.extend(words)
        self._size = size
        if len(attr_ids):  # targets ascend: each (row, slot) sums one run of attribute rows
            firsts = np.flatnonzero(np.concatenate(([True], targets[1:] != targets[:-1])))
            slots = self._table.reshape(-1, len(self._iob))
            slots[targets[firsts]] = np.add.reduceat(self.weights[attr_ids], firsts, axis=0)

    def tag_document(self, sentences: list[list[str]], extra: list[dict[int, list[str]]] | None = None,
                     flagged: tuple[list[int], list[int]] | None = None) -> list[list[int]]:
        """Label ids of every token of every sentence of one document.

        `extra` adds attributes to some tokens: per sentence, {token index: [attr, ...]}.
        `flagged` is `flagged_tokens(sentences)`, when the caller has it already.
        """
        if not sentences:
            return []
        lengths = [len(words) for words in sentences]
        words = list(chain.from_iterable(sentences))
        firsts = np.cumsum(lengths) - lengths  # the row of each sentence's first token
        # Token j of sentence s sits at j + 2 + 2s of the padded sequence: two PAD rows
        # (row 0) before each sentence and after the last one.
        at = np.arange(len(words)) + 2 + 2 * np.repeat(np.arange(len(sentences)), lengths)
        padded = np.zeros(len(words) + 2 * len(sentences) + 2, dtype=np.intp)
        with self._lock:
            if self._size > MAX_CACHED_WORDS:
                self._keep_most_used_words()
            ids = self._ids
            new = [w for w in dict.fromkeys(words) if w not in ids]
            if new:
                self._add_words(new)
            padded[at] = np.fromiter(map(ids.__getitem__, words), dtype=np.intp, count=len(words))
            self._uses += np.bincount(padded[at], minlength=len(self._uses))
            table = self._table
            emit = (
                table[padded[at], 0]
                + table[padded[at - 2], 1]
                + table[padded[at - 1], 2]
                + table[padded[at + 1], 3]
                + table[padded[at + 2], 4]
            )
            emit[firsts] += table[padded[at[firsts]], 5]
        emit[firsts + lengths - 1] += self.eos
        flag_tc, flag_lc = flagged if flagged is not None else flagged_tokens(sentences)
        if flag_tc:
            emit[flag_tc] += self.doc_tc
        if flag_lc:
            emit[flag_lc] += self.doc_lc
        if extra:
            rows = [first + i for first, more in zip(firsts.tolist(), extra) for i in more]
            if rows:
                emit[rows] += np.array([self._extra_vector(tuple(attrs)) for more in extra for attrs in more.values()])
        return self._viterbi(emit, lengths)

    def _viterbi(self, emit: np.ndarray, lengths: list[int]) -> list[list[int]]:
        """Batched Viterbi over sentences (rows of `emit`, one sentence after another).

        The sentences are taken longest first, so that those still running at step t are
        always the first ones; their rows are laid out step after step, one column per
        row, so that a step reads and writes one slice. Only the best scores are kept,
        not the best previous labels: the way back takes the argmax again, for the one
        label of each sentence it follows (the same sums, so the same first best)."""
        lens = np.asarray(lengths)
        order = np.argsort(-lens, kind="stable")
        steps = int(lens[order[0]])
        running = np.searchsorted(-lens[order], -np.arange(steps), side="left")  # alive at each step
        offsets = np.concatenate(([0], np.cumsum(running))).tolist()
        step = np.repeat(np.arange(steps), running)
        sentence = np.arange(len(step)) - np.asarray(offsets)[step]
        rows = (np.cumsum(lens) - lens)[order][sentence] + step  # the emit row of each column
        score = emit[rows].T.astype(np.float64)  # (labels, columns): emissions, then best scores
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
            ended = score[:, before + k:before + running[t - 1]].argmax(axis=0)  # their last step
            last = np.concatenate(((score[:, before:before + k] + trans[:, last]).argmax(axis=0), ended))
        best[:running[0]] = last
        out = np.empty(len(emit), dtype=np.intp)
        out[rows] = best
        labels = self._iob[out].tolist()
        bounds = np.cumsum(lens).tolist()
        return [labels[end - n:end] for end, n in zip(bounds, lengths)]

    def tag_labels(self, sentences: list[list[str]], extra=None, flagged=None) -> list[list[str]]:
        labels = self.labels
        return [[labels[i] for i in row] for row in self.tag_document(sentences, extra, flagged)]

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
    flag_tc: list[int] = []
    flag_lc: list[int] = []
    for position, word in enumerate(chain.from_iterable(sentences)):
        if word[:1].isupper():
            low = word.lower()
            if low in titled:
                flag_tc.append(position)
            if low in lowered:
                flag_lc.append(position)
    return flag_tc, flag_lc


def _joined_flags(documents: list[list[list[str]]]) -> tuple[list[int], list[int]]:
    """`flagged_tokens` of each document, its positions counted over all of them."""
    flag_tc: list[int] = []
    flag_lc: list[int] = []
    offset = 0
    for document in documents:
        tc, lc = flagged_tokens(document)
        flag_tc.extend(r + offset for r in tc)
        flag_lc.extend(r + offset for r in lc)
        offset += sum(map(len, document))
    return flag_tc, flag_lc


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
        final = stage2 or stage1
        self.labels = final.labels
        self.kinds = final._kinds
        self._index = {lab: i for i, lab in enumerate(self.labels)}

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
        flagged = _joined_flags(documents)
        if self.stage2 is None:
            labels = self.stage1.tag_document(sentences, flagged=flagged)
        else:
            first = self.stage1.tag_labels(sentences, flagged=flagged)
            extra = []
            for document, predicted in zip(documents, _split(first, documents)):
                extra.extend(prediction_features(document, predicted))
            labels = self.stage2.tag_document(sentences, extra, flagged)
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
        tokenized = [tokenize(text) for text in texts]
        bounds = [split_sentences(text, tokens) for text, tokens in zip(texts, tokenized)]
        documents = [[[tok[0] for tok in tokens[a:b]] for a, b in spans] for tokens, spans in zip(tokenized, bounds)]
        labels = self.model.tag_documents(documents)
        return [self._mentions(*found) for found in zip(texts, tokenized, bounds, labels)]

    def _mentions(self, text: str, tokens: list, bounds: list[tuple[int, int]], labels: list[list[int]]) -> list[Mention]:
        """The mentions the labels of a text's tokens make."""
        kinds = self.model.kinds
        mentions: list[Mention] = []
        for (a, _b), labs in zip(bounds, labels):
            kind = None
            start = end = 0
            for j, lab in enumerate(labs):
                t, prefix = kinds[lab]
                if kind is not None and (prefix != "I" or t != kind):
                    mentions.append(Mention(start, end, kind, text[start:end]))
                    kind = None
                if t is not None and (kind is None):
                    kind = t
                    start = tokens[a + j][1]
                if kind is not None:
                    end = tokens[a + j][2]
            if kind is not None:
                mentions.append(Mention(start, end, kind, text[start:end]))
        return with_organisations_of_roles(mentions, text)


# "co-president of Public Citizen", "director of Human Rights Watch": two or more
# capitalised words after a role and "of" name an organisation, wherever the text
# writes them (the tagger reads "Public" and "Citizen" as common words).
_ROLE_OF = re.compile(
    r"\b(?:co-)?(?:president|chairman|chairwoman|chair|director|head|founder|co-founder|spokesman|spokeswoman|"
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
