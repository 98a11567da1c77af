"""Turn an article into the Whoosh document that indexes it."""
from __future__ import annotations

import hashlib
from datetime import datetime

from kb.models import Article


def entity_terms(article: Article, entity_type: str) -> str:
    """The article's entity names of one type, comma-separated as the KEYWORD field expects."""
    names = (e.name.replace(",", " ") for e in article.entities if e.type == entity_type)
    return ",".join(names)


def parse_published(published: str | None) -> datetime | None:
    """ISO 8601 UTC text ("2025-03-03T00:00:00Z") to a naive UTC datetime."""
    if not published:
        return None
    return datetime.fromisoformat(published.replace("Z", "+00:00")).replace(tzinfo=None)


def body_key(body: str) -> str:
    """A key equal for bodies that differ only in case and spacing (syndicated copies)."""
    return hashlib.sha1(" ".join(body.casefold().split()).encode("utf-8")).hexdigest()[:16]


def document_for(article: Article, entity_fields: tuple[str, ...]) -> dict:
    """The fields Whoosh indexes for `article`; empty values are left out."""
    document = {
        "id": article.id,
        "title": article.title,
        "body": article.body,
        "source": article.source,
        "author": " ; ".join(article.authors),
        "lang": (article.language or "").lower(),
        "body_key": body_key(article.body),
        "published": parse_published(article.published),
    }
    document.update({name: entity_terms(article, name) for name in entity_fields})
    return {name: value for name, value in document.items() if value}
