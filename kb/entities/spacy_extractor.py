"""An extractor backed by an installed spaCy pipeline ("spacy:<pipeline>").

spaCy is an optional extra: it is imported only when such an extractor is made.
"""
from __future__ import annotations

from kb.errors import KBError
from kb.models import Mention

# spaCy label -> newskb type (everything else is dropped).
SPACY_TYPES = {"PERSON": "person", "PER": "person", "ORG": "org", "GPE": "place", "LOC": "place", "FAC": "place"}


class SpacyExtractor:
    def __init__(self, pipeline: str):
        try:
            import spacy
        except ImportError:
            raise KBError("spaCy is not installed: pip install spacy (and a pipeline) to use spacy:* extractors") from None
        try:
            self.nlp = spacy.load(pipeline, disable=["lemmatizer", "textcat"])
        except OSError:
            raise KBError(f"spaCy pipeline {pipeline!r} is not installed") from None
        self.name = "spacy:" + pipeline

    def extract(self, text: str) -> list[Mention]:
        return self.extract_all([text])[0]

    def extract_all(self, texts: list[str]) -> list[list[Mention]]:
        """The mentions of each text, through spaCy's batching `nlp.pipe`."""
        return [_mentions(doc, text) for doc, text in zip(self.nlp.pipe(texts), texts)]


def _mentions(doc, text: str) -> list[Mention]:
    """The mentions of newskb's types among a spaCy document's entities."""
    out = []
    for ent in doc.ents:
        kind = SPACY_TYPES.get(ent.label_)
        if kind is None:
            continue
        start, end = ent.start_char, ent.end_char
        # spaCy keeps a trailing possessive in some pipelines' spans: "Trump’s".
        span = text[start:end]
        for suffix in ("'s", "’s"):
            if span.endswith(suffix) and len(span) > 2:
                end -= 2
                span = span[:-2]
        out.append(Mention(start, end, kind, span))
    out.sort(key=lambda m: m.start)
    return out
