"""Turn an article into the Whoosh document that indexes it."""
from __future__ import annotations

from datetime import datetime

from kb.models import Article


def entity_terms(article: Article, entity_type: str, with_aliases: bool) -> str:
    """The article's entity names of one type (and their aliases), comma-separated as the
    KEYWORD field expects."""
    names = [name for e in article.entities if e.type == entity_type
             for name in ([e.name, *e.aliases] if with_aliases else [e.name])]
    return ",".join(name.replace(",", " ") for name in names)


def parse_published(published: str | None) -> datetime | None:
    """ISO 8601 UTC text ("2025-03-03T00:00:00Z") to a naive UTC datetime."""
    if not published:
        return None
    return datetime.fromisoformat(published.replace("Z", "+00:00")).replace(tzinfo=None)


def document_for(article: Article, entity_fields: tuple[str, ...]) -> dict:
    """The fields Whoosh indexes for `article`; empty values are left out."""
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
    for field in entity_fields:
        # Searchable terms include aliases (org:DHS finds the Department); the facet column
        # holds canonical names only, so each entity is one facet row.
        document[field] = entity_terms(article, field, with_aliases=True)
        document[f"_stored_{field}"] = entity_terms(article, field, with_aliases=False)
    return {name: value for name, value in document.items() if value}
