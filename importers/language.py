"""The language of an article's text, offline: py3langid (langid.py's model, shipped in
the package; nothing is downloaded). ISO 639-1 codes: "en", "pt", "de".

The model loads on first use (about half a second), so only imports that meet an
article without a language pay for it.
"""
from __future__ import annotations

from functools import lru_cache

SAMPLE_CHARS = 2000  # the first paragraphs say enough; long bodies would only cost time
MIN_CHARS = 20
MIN_CONFIDENCE = 0.5  # short or mixed text gets no language rather than a wrong one


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier  # lazy: numpy and the model

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of the language `text` is in, or None when too short or unsure.

    >>> detect_language("O governo federal anunciou hoje novas medidas para a economia.")
    'pt'
    """
    sample = text[:SAMPLE_CHARS]
    if sum(char.isalpha() for char in sample) < MIN_CHARS:
        return None
    language, confidence = _identifier().classify(sample)
    return language if confidence >= MIN_CONFIDENCE else None
