"""newskb: a searchable full-text news knowledge base.

>>> from kb import Article, KnowledgeBase
>>> kb = KnowledgeBase("my-kb")
>>> article_id = kb.add(Article("IRS shares data", "The IRS shared taxpayer data with ICE."))
>>> kb.search("IRS AND ICE").total
1
"""
from kb.errors import ImportInterrupted, InputError, KBError, NotFoundError, QueryError, StoreError

__all__ = [
    "KnowledgeBase", "Article", "EntityCount", "FacetValue", "Hit", "ImportSummary", "SearchResults",
    "Snippet", "Span", "KBError", "InputError", "NotFoundError", "QueryError", "StoreError", "ImportInterrupted",
]

# Loaded on first use: KnowledgeBase pulls in Whoosh (and loading it later keeps `index` ->
# `kb.errors` imports acyclic), and the models' dataclasses cost `kb search` a resident
# searcher answers (kb.resident) more than the rest of its start-up.
LAZY = {"KnowledgeBase": "kb.api",
        **dict.fromkeys(("Article", "EntityCount", "FacetValue", "Hit", "ImportSummary", "SearchResults", "Snippet",
                         "Span"), "kb.models")}


def __getattr__(name: str):
    if name in LAZY:
        import importlib

        return getattr(importlib.import_module(LAZY[name]), name)
    raise AttributeError(f"module 'kb' has no attribute {name!r}")
