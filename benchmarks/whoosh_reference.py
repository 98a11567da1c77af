"""The other reference: plain Whoosh on the same articles, in one process.

Indexing: the records straight into a new index with newskb's schema (one writer, no
entities, no SQLite). Searching: Whoosh's own search for the top 10, with newskb's
parsed query and filters, and neither snippets nor facets. Both show what Whoosh alone
does on this machine, the yardstick the issue's targets were set against.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from index import SearchIndex
from index.filters import filter_for
from kb.models import Article, SearchFilters


def index_seconds(jsonl: Path, path: Path) -> float:
    """Seconds to index every record of `jsonl` into a new index at `path`."""
    index = SearchIndex(path)
    index.recreate()
    start = time.perf_counter()
    with jsonl.open(encoding="utf-8") as lines, index.writer() as writer:
        for number, line in enumerate(lines):
            record = json.loads(line)
            writer.add(Article(id=str(number), title=record["title"], body=record["body"],
                               published=record.get("published"), source=record.get("source"),
                               language=record.get("language")))
    seconds = time.perf_counter() - start
    index.close()
    return seconds


def search(index: SearchIndex, query) -> int:
    """Whoosh's top 10 for a benchmark query (Whoosh skips blocks that cannot reach it);
    returns how many hits it scored."""
    searcher = index.searcher()
    filters = SearchFilters(query.since, query.until, [], [], list(query.entities))
    results = searcher.search(index.parse(query.text, searcher), limit=10, filter=filter_for(filters, searcher))
    return results.scored_length()
