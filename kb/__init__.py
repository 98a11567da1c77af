"""newskb: a searchable full-text news knowledge base.

>>> from kb import Article, KnowledgeBase
>>> kb = KnowledgeBase("my-kb")
>>> article_id = kb.add(Article("IRS shares data", "The IRS shared taxpayer data with ICE."))
>>> kb.search("IRS AND ICE").total
1
"""
from kb.errors import ImportInterrupted, InputError, KBError, NotFoundError, QueryError, StoreError
from kb.models import Article, EntityCount, FacetValue, Hit, ImportSummary, SearchResults, Snippet, Span

__all__ = [
    "KnowledgeBase", "Article", "EntityCount", "FacetValue", "Hit", "ImportSummary", "SearchResults",
    "Snippet", "Span", "KBError", "InputError", "NotFoundError", "QueryError", "StoreError", "ImportInterrupted",
]


def __getattr__(name: str):
    # KnowledgeBase pulls in Whoosh; loading it on first use keeps `index` -> `kb.errors`
    # imports acyclic and light commands fast.
    if name == "KnowledgeBase":
        from kb.api import KnowledgeBase

        return KnowledgeBase
    raise AttributeError(f"module 'kb' has no attribute {name!r}")
