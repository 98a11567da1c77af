"""The `none` extractor: no entities (imports that need only full-text search)."""
from __future__ import annotations

from kb.models import Mention


class NullExtractor:
    name = "none"

    def extract(self, text: str) -> list[Mention]:
        return []

    def extract_all(self, texts: list[str]) -> list[list[Mention]]:
        return [[] for _ in texts]
