"""The default entity extractor: a linear-chain CRF trained on CoNLL-2003 English.

The model (kb/entities/models/crf-conll2003.crfsuite) is read once per process with
python-crfsuite's Tagger; its weights are then laid out as numpy arrays so that a
token is scored by adding a few cached per-word vectors (see kb.entities.features)
and each document is decoded by one batched Viterbi pass over its sentences. The
result is the same labelling crfsuite's own ``Tagger.tag`` gives (tested), just faster.
"""
from __future__ import annotations

import re
import threading
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


def _slot_attributes(word: str) -> list[list[str]]:
    """A word's attributes in each of the table's slots (F.PAD: only as a neighbour)."""
    neighbour = [F.context(word, k) for k in F.OFFSETS]
    if word == F.PAD:
        return [[], *neighbour, []]
    return [F.local(word), *neighbour, F.initial(word)]


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
        attr_ids, targets = [], []
        get = self.attr_ids.get
        for row, word in enumerate(words, start=self._size):
            for slot, attrs in enumerate(_slot_attributes(word)):
                for attr in attrs:
                    i = get(attr)
                    if i is not None:
                        attr_ids.append(i)
                        targets.append(row * _SLOTS + slot)
            self._ids[word] = row
            self._words.append(word)
        self._size = size
        if attr_ids:  # targets ascend: each (row, slot) sums one run of attribute rows
            targets = np.asarray(targets)
            firsts = np.flatnonzero(np.concatenate(([True], targets[1:] != targets[:-1])))
            slots = self._table.reshape(-1, len(self._iob))
            slots[targets[firsts]] = np.add.reduceat(self.weights[attr_ids], firsts, axis=0)

    def tag_document(self, sentences: list[list[str]], extra: list[dict[int, list[str]]] | None = None,
                     doc: tuple[set[str], set[str]] | None = None) -> list[list[int]]:
        """Label ids of every token of every sentence of one document.

        `extra` adds attributes to some tokens: per sentence, {token index: [attr, ...]}.
        """
        if not sentences:
            return []
        seq = [0, 0]
        positions = []
        initial = []
        final = []
        with self._lock:
            if self._size > MAX_CACHED_WORDS:
                self._keep_most_used_words()
            ids = self._ids
            new = [w for w in dict.fromkeys(w for words in sentences for w in words) if w not in ids]
            if new:
                self._add_words(new)
            for words in sentences:
                base = len(seq)
                seq.extend(map(ids.__getitem__, words))
                positions.extend(range(base, base + len(words)))
                initial.append(base)
                final.append(base + len(words) - 1)
                seq.append(0)
                seq.append(0)
            table = self._table
            seq_a = np.asarray(seq)
            pos = np.asarray(positions)
            np.add.at(self._uses, seq_a[pos], 1)
            emit = (
                table[seq_a[pos], 0]
                + table[seq_a[pos - 2], 1]
                + table[seq_a[pos - 1], 2]
                + table[seq_a[pos + 1], 3]
                + table[seq_a[pos + 2], 4]
            )
            # Sentence-initial and -final slots; positions map to rows of `emit`.
            row_of = np.empty(len(seq), dtype=np.intp)
            row_of[pos] = np.arange(len(pos))
            init_a = np.asarray(initial)
            emit[row_of[init_a]] += table[seq_a[init_a], 5]
        emit[row_of[np.asarray(final)]] += self.eos
        # Document-level flags.
        titled, lowered = doc if doc is not None else F.doc_sets(sentences)
        if titled or lowered:
            flag_tc = []
            flag_lc = []
            r = 0
            for words in sentences:
                for w in words:
                    if w[:1].isupper():
                        low = w.lower()
                        if low in titled:
                            flag_tc.append(r)
                        if low in lowered:
                            flag_lc.append(r)
                    r += 1
            if flag_tc:
                emit[flag_tc] += self.doc_tc
            if flag_lc:
                emit[flag_lc] += self.doc_lc
        if extra:
            r = 0
            vector = self._attrs_vector
            for words, more in zip(sentences, extra):
                for i, attrs in more.items():
                    emit[r + i] += vector(attrs)
                r += len(words)
        return self._viterbi(emit, [len(s) for s in sentences])

    def _viterbi(self, emit: np.ndarray, lengths: list[int]) -> list[list[int]]:
        """Batched Viterbi over the sentences of a document (longest first, so the
        sentences still running at step t are always a prefix of the batch)."""
        lens = np.asarray(lengths)
        order = np.argsort(-lens, kind="stable")
        lens_s = lens[order]
        width = int(lens_s[0])
        n_sent = len(lengths)
        starts = np.concatenate(([0], np.cumsum(lens)[:-1]))[order]
        steps = np.arange(width)
        rows = starts[:, None] + np.minimum(steps[None, :], lens_s[:, None] - 1)
        grid = emit[rows]  # (S, W, L), sorted by length
        running = (lens_s[None, :] > steps[:, None]).sum(axis=1).tolist()  # sentences alive at t
        delta = grid[:, 0].copy()
        back = np.zeros((n_sent, width, emit.shape[1]), dtype=np.intp)
        trans = self.trans[None]
        for t in range(1, width):
            k = running[t]
            scores = delta[:k, :, None] + trans
            back[:k, t] = scores.argmax(axis=1)
            delta[:k] = scores.max(axis=1) + grid[:k, t]
        cur = delta.argmax(axis=1)
        out = np.zeros((n_sent, width), dtype=np.intp)
        for t in range(width - 1, -1, -1):
            k = running[t]
            out[:k, t] = cur[:k]
            if t:
                cur[:k] = back[np.arange(k), t, cur[:k]]
        result: list[list[int]] = [[]] * n_sent
        for row, i, k in zip(self._iob[out].tolist(), order.tolist(), lens_s.tolist()):
            result[i] = row[:k]
        return result

    def tag_labels(self, sentences: list[list[str]], extra=None, doc=None) -> list[list[str]]:
        labels = self.labels
        return [[labels[i] for i in row] for row in self.tag_document(sentences, extra, doc)]

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
        if self.stage2 is None:
            labels = self.stage1.tag_document(sentences)
        else:
            doc = F.doc_sets(sentences)
            first = self.stage1.tag_labels(sentences, doc=doc)
            labels = self.stage2.tag_document(sentences, prediction_features(sentences, first), doc)
        for words, labs in zip(sentences, labels):
            self._common_word_places(words, labs)
        return labels

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
        tokens = tokenize(text)
        if not tokens:
            return []
        model = self.model
        bounds = split_sentences(text, tokens)
        sentences = [[tok[0] for tok in tokens[a:b]] for a, b in bounds]
        labels = model.tag_document(sentences)
        kinds = model.kinds
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
