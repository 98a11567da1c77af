"""Mapping a record with common field names (JSON object, CSV row) to an Article."""
from __future__ import annotations

import re
from typing import Any, Mapping

from importers.normalise import clean_line, clean_text, parse_date
from kb.models import Article, Skipped

FIELD_NAMES = {
    "title": ("title", "headline", "name"),
    "body": ("body", "text", "content", "article", "full_text", "description", "summary"),
    "url": ("url", "link", "canonical_url", "permalink"),
    "published": ("published", "date", "published_at", "publishedAt", "pubDate", "datetime", "created_at"),
    "source": ("source", "site", "site_name", "publisher", "outlet"),
    "authors": ("authors", "author", "byline", "creator"),
    "language": ("language", "lang"),
}


def first_value(record: Mapping[str, Any], names: tuple[str, ...]) -> Any:
    for name in names:
        value = record.get(name)
        if value not in (None, "", [], {}):
            return value
    return None


def as_text(value: Any) -> str:
    """A field value as text: strings as they are, `{"name": ...}` objects by name, lists joined."""
    if isinstance(value, dict):
        return as_text(first_value(value, ("name", "title", "text", "value")) or "")
    if isinstance(value, list):
        return "\n\n".join(as_text(v) for v in value)
    return "" if value is None else str(value)


def as_authors(value: Any) -> list[str]:
    if isinstance(value, list):
        return [name for v in value for name in as_authors(v)]
    text = clean_line(as_text(value))
    return [n.strip() for n in re.split(r";|\band\b|\s&\s", text) if n.strip()] if text else []


def article_from_record(record: Any, origin: str, where: str,
                        field_names: Mapping[str, tuple[str, ...]] = FIELD_NAMES) -> Article | Skipped:
    """The article a record describes, or Skipped saying what it lacks."""
    if not isinstance(record, Mapping):
        return Skipped(origin, where, f"not an object ({type(record).__name__})", malformed=True)
    body = clean_text(as_text(first_value(record, field_names["body"])))
    if not body:
        return Skipped(origin, where, "no body text", malformed=True)
    title = clean_line(as_text(first_value(record, field_names["title"])))
    source = first_value(record, field_names["source"])
    return Article(
        title=title or body.split("\n\n")[0][:120],
        body=body,
        url=clean_line(as_text(first_value(record, field_names["url"]))) or None,
        published=parse_date(as_text(first_value(record, field_names["published"]))),
        source=clean_line(as_text(source)) or None,
        authors=as_authors(first_value(record, field_names["authors"])),
        language=clean_line(as_text(first_value(record, field_names["language"]))) or None,
        origin=origin,
        record=where,
    )
