"""Entity-level evaluation and tagging speed of the CRF extractor on CoNLL-2003 dev.

Run from the repository root:

    .venv/bin/python benchmarks/ner_eval.py [--dev PATH] [--model PATH]

Scores: conlleval-style micro precision/recall/F1 over PER/ORG/LOC (exact span and
type; MISC ignored in gold and prediction), on the gold tokenisation of valid.txt,
documents tagged as wholes (as the extractor does with an article).

Speed, one core, feature extraction included:
  * cold  - a freshly loaded model (empty per-word cache) tags the whole dev split once;
  * warm  - the same again with the per-word cache filled, as in a long-running process;
  * text  - `CRFExtractor.extract` on each dev document as raw text (tokenisation,
            sentence splitting, tagging and mention building), warm.
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.corpora import CORPORA  # noqa: E402

DEFAULT_DEV = CORPORA / "conll2003-en" / "valid.txt"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev", default=str(DEFAULT_DEV))
    parser.add_argument("--model", default=None, help="stage-1 model (default: shipped)")
    parser.add_argument("--model2", default=None, help="stage-2 model (default: shipped; 'none' for stage 1 only)")
    args = parser.parse_args()
    try:  # one core
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    except (AttributeError, OSError):
        pass

    from kb.entities.conll import read_conll, spans
    from kb.entities.crf import STAGE2_NAME, CRFExtractor, Pipeline, model_path

    path = args.model or model_path()
    path2 = None if args.model2 == "none" else (args.model2 or model_path(STAGE2_NAME))
    docs = read_conll(args.dev)
    sentences = [[words for words, _ in doc] for doc in docs]
    n_tokens = sum(len(w) for doc in sentences for w in doc)

    t0 = time.perf_counter()
    model = Pipeline.load(path, path2)
    load = time.perf_counter() - t0

    def tag_all():
        return [model.tag_document(doc) for doc in sentences]

    t0 = time.perf_counter()
    predicted = tag_all()
    cold = time.perf_counter() - t0
    t0 = time.perf_counter()
    tag_all()
    warm = time.perf_counter() - t0

    labels = model.labels
    tp = n_pred = n_gold = 0
    per_type: dict[str, list[int]] = {}
    for doc, pred_doc in zip(docs, predicted):
        for (words, gold), pred in zip(doc, pred_doc):
            g = spans(gold)
            p = spans([labels[i] for i in pred])
            tp += len(g & p)
            n_gold += len(g)
            n_pred += len(p)
            for kind in ("PER", "ORG", "LOC"):
                c = per_type.setdefault(kind, [0, 0, 0])
                c[0] += sum(1 for s in g & p if s[2] == kind)
                c[1] += sum(1 for s in p if s[2] == kind)
                c[2] += sum(1 for s in g if s[2] == kind)

    def prf(tp, npred, ngold):
        p = tp / npred if npred else 0.0
        r = tp / ngold if ngold else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    texts = [" ".join(" ".join(words) for words in doc) for doc in sentences]
    extractor = CRFExtractor(model)
    t0 = time.perf_counter()
    for text in texts:
        extractor.extract(text)
    text_time = time.perf_counter() - t0

    p, r, f = prf(tp, n_pred, n_gold)
    print(f"model {path} ({Path(path).stat().st_size / 1e6:.2f} MB), loaded in {load:.2f}s")
    if model.stage2 is not None:
        print(f"stage 2 {path2} ({Path(path2).stat().st_size / 1e6:.2f} MB)")
    print(f"dev: {len(docs)} documents, {n_tokens} tokens, {n_gold} gold PER/ORG/LOC entities")
    print(f"micro  precision {p:.4f}  recall {r:.4f}  F1 {f:.4f}")
    for kind, (a, b, c) in per_type.items():
        print(f"{kind:6} precision {prf(a, b, c)[0]:.4f}  recall {prf(a, b, c)[1]:.4f}  F1 {prf(a, b, c)[2]:.4f}")
    print(f"speed (1 core): cold {n_tokens / cold:,.0f} tok/s, warm {n_tokens / warm:,.0f} tok/s, "
          f"raw text extract {n_tokens / text_time:,.0f} tok/s")


if __name__ == "__main__":
    main()
