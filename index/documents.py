"""Turn an article into the Whoosh document that indexes it."""
from __future__ import annotations

from datetime import datetime

from kb.entity_table import name_key
from kb.models import Article


def entity_terms(article: Article, entity_type: str) -> str:
    """The article's entity names of one type, comma-separated as the KEYWORD field
    expects. (Aliases are not indexed: a query's entity name stands for every name of its
    entity, from the store, at search time.)"""
    names = dict.fromkeys(name_key(e.name) for e in article.entities if e.type == entity_type)
    return ",".join(names)


def parse_published(published: str | None) -> datetime | None:
    """ISO 8601 UTC text ("2025-03-03T00:00:00Z") to a naive UTC datetime."""
    if not published:
        return None
    return datetime.fromisoformat(published.replace("Z", "+00:00")).replace(tzinfo=None)


def entity_document(article: Article, entity_fields: tuple[str, ...]) -> dict:
    """The entity fields of the document for `article` (those naming an entity).

    >>> from kb.models import EntityCount
    >>> entity_document(Article("T", "B", entities=[EntityCount("org", "IRS", 2)]), ("org", "person"))
    {'org': 'irs'}
    """
    return {field: names for field in entity_fields if (names := entity_terms(article, field))}


def document_for(article: Article, entity_fields: tuple[str, ...]) -> dict:
    """The fields Whoosh indexes for `article` (of its entities, the `entity_fields`);
    empty values are left out."""
    document = {
        "id": article.id,
        "title": article.title,
        "body": article.body,
        "source": article.source,
        "author": " ; ".join(article.authors),
        "lang": (article.language or "").lower(),
        "story": article.story_id or article.id,
        "published": parse_published(article.published),
    }
    return {name: value for name, value in document.items() if value} | entity_document(article, entity_fields)
