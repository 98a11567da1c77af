"""Training the CoNLL-2003 CRF (used by tools/train_ner.py)."""
from __future__ import annotations

import time
from pathlib import Path

from kb.entities import features as F
from kb.entities.conll import bilou_labels, read_conll
from kb.entities.crf import save_arrays

DEFAULT_PARAMS = {
    "c1": 0.05,
    "c2": 0.1,  # was 0.01: stage-1 dev F1 0.918 -> 0.923 (BILOU states; 0.3: 0.923, 1.0: 0.921)
    "max_iterations": 150,
    "feature.minfreq": 2,
    "feature.possible_transitions": True,
}


def document_items(doc):
    """(attribute lists, BILOU tags) per sentence of one CoNLL document: a span's last
    and single tokens are states of their own, which tells the CRF where names end."""
    sentences = [words for words, _ in doc]
    titled, lowered = F.doc_sets(sentences)
    for words, tags in doc:
        yield F.sentence_attributes(words, titled, lowered), bilou_labels(tags)


def train(train_path: str | Path, model_path: str | Path, params: dict | None = None, verbose: bool = True) -> None:
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    t0 = time.time()
    n = 0
    for doc in read_conll(train_path):
        for attrs, tags in document_items(doc):
            trainer.append(pycrfsuite.ItemSequence(attrs), tags)
            n += len(tags)
    trainer.select("lbfgs")
    trainer.set_params({**DEFAULT_PARAMS, **(params or {})})
    if verbose:
        print(f"{n} tokens read in {time.time() - t0:.1f}s; training with {trainer.get_params()}", flush=True)
    t0 = time.time()
    Path(model_path).parent.mkdir(parents=True, exist_ok=True)
    trainer.train(str(model_path))
    save_arrays(model_path)  # the form the tagger reads
    if verbose:
        last = trainer.logparser.last_iteration
        print(f"trained in {time.time() - t0:.1f}s; last iteration: {last}", flush=True)


def _train_docs(docs, model_path: str, params: dict | None, extras=None) -> None:
    import pycrfsuite

    trainer = pycrfsuite.Trainer(verbose=False)
    for k, doc in enumerate(docs):
        more = extras[k] if extras is not None else None
        for j, (attrs, tags) in enumerate(document_items(doc)):
            if more is not None:
                for i, extra in more[j].items():
                    attrs[i] = attrs[i] + extra
            trainer.append(pycrfsuite.ItemSequence(attrs), tags)
    trainer.select("lbfgs")
    trainer.set_params({**DEFAULT_PARAMS, **(params or {})})
    trainer.train(str(model_path))
    save_arrays(model_path)  # the form the tagger reads


def _fold_predictions(job):
    """Train stage 1 without fold k, return its labels for the documents of fold k."""
    import tempfile

    from kb.entities.crf import CRFModel

    train_docs, held_out, params = job
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "fold.crfsuite"
        _train_docs(train_docs, str(path), params)
        model = CRFModel(path)
        return [model.tag_labels([w for w, _ in doc]) for doc in held_out]


def train_stacked(train_path, model1, model2, params: dict | None = None, folds: int = 5,
                  processes: int = 2, verbose: bool = True) -> None:
    """Stage 1 on all of train; stage 2 on train with cross-validated stage-1 predictions."""
    from multiprocessing import Pool

    from kb.entities.stacking import prediction_features

    docs = read_conll(train_path)
    t0 = time.time()
    jobs = []
    for k in range(folds):
        held = [d for i, d in enumerate(docs) if i % folds == k]
        rest = [d for i, d in enumerate(docs) if i % folds != k]
        jobs.append((rest, held, params))
    with Pool(processes) as pool:
        results = pool.map(_fold_predictions, jobs)
        stage1 = pool.apply_async(_train_docs, (docs, str(model1), params))
        predicted: list = [None] * len(docs)
        for k, labels in enumerate(results):
            for j, i in enumerate(range(k, len(docs), folds)):
                predicted[i] = labels[j]
        if verbose:
            print(f"{folds}-fold stage-1 predictions in {time.time() - t0:.0f}s", flush=True)
        extras = [prediction_features([w for w, _ in doc], pred) for doc, pred in zip(docs, predicted)]
        if processes == 1:
            stage1.get()  # one process: the two stages one after the other
        _train_docs(docs, str(model2), params, extras)
        stage1.get()
    if verbose:
        print(f"stage 1 and 2 trained in {time.time() - t0:.0f}s", flush=True)
