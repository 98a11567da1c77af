"""Benchmark corpora as one JSON Lines file: BBC, Reuters-21578, or a scaled-up mix.

`--scale N` builds N articles by cycling the real ones, re-dating each copy by whole
days and varying it lightly (a numbered dateline sentence), so deduplication keeps them.
"""
from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from datetime import datetime, timedelta
from itertools import cycle, islice
from pathlib import Path
from typing import Iterator

from importers import iter_files, parse_file
from kb.models import Article
from kb.store import content_hash

ROOT = Path(__file__).resolve().parents[1]
# The shared corpora sit next to the checkout; NEWSKB_CORPORA names another folder (tests,
# benchmarks and tools all read this one variable).
CORPORA = Path(os.environ.get("NEWSKB_CORPORA") or ROOT.parent / "shared" / "corpora")
SOURCES = {"bbc": CORPORA / "bbc-news", "reuters": CORPORA / "reuters-21578"}
BBC_BASE_DATE = datetime(2005, 1, 3)


def real_articles(corpus: str) -> Iterator[Article]:
    """The distinct articles of a corpus as newskb's own importers read them (exact
    duplicates dropped, so both systems hold the same set)."""
    folder, seen = SOURCES[corpus], set()
    pattern = "*.txt" if corpus == "bbc" else "reut2-*.sgm"
    for path in sorted(p for p in iter_files([folder]) if p.match(pattern) and p.name != "README.txt"):
        for record in parse_file(path):
            if isinstance(record, Article) and content_hash(record) not in seen:
                seen.add(content_hash(record))
                yield record


def dated(article: Article, number: int) -> Article:
    """BBC articles carry no date: spread them over days so date queries have work to do."""
    if article.published is None:
        article.published = (BBC_BASE_DATE + timedelta(days=number % 365)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return article


def scaled(articles: list[Article], count: int) -> Iterator[Article]:
    """`count` articles: the real ones, then re-dated, lightly varied copies."""
    for number, article in enumerate(islice(cycle(articles), count)):
        round_ = number // len(articles)
        if round_:
            moment = datetime.fromisoformat(article.published.rstrip("Z")) + timedelta(days=round_)
            article = Article(title=article.title, body=f"{article.body}\n\nUpdate {round_}: story filed again.",
                              published=moment.strftime("%Y-%m-%dT%H:%M:%SZ"), source=article.source,
                              language=article.language)
        yield article


def write_jsonl(corpus: str, path: Path, scale: int | None = None, limit: int | None = None) -> tuple[int, int]:
    """Write the corpus to `path`; returns (articles, bytes of title and body text)."""
    articles = [dated(a, n) for n, a in enumerate(islice(real_articles(corpus), limit))]
    records, text_bytes = 0, 0
    with path.open("w", encoding="utf-8") as out:
        for article in scaled(articles, scale or len(articles)):
            out.write(json.dumps({"title": article.title, "body": article.body, "published": article.published,
                                  "source": article.source or corpus.upper(), "language": article.language or "en"},
                                 ensure_ascii=False) + "\n")
            records += 1
            text_bytes += len(article.title.encode()) + len(article.body.encode())
    return records, text_bytes


@contextmanager
def corpus_folder(corpus: str, limit: int | None, prefix: str) -> Iterator[tuple[Path, Path, int, int]]:
    """A temporary work folder holding the corpus (its first `limit` articles) as
    articles.jsonl, and says so: (folder, the JSON Lines file, articles, bytes of text)."""
    with tempfile.TemporaryDirectory(prefix=prefix) as folder:
        jsonl = Path(folder) / "articles.jsonl"
        count, text_bytes = write_jsonl(corpus, jsonl, limit=limit)
        print(f"{corpus}: {count:,} articles, {text_bytes / 1e6:.1f} MB of text")
        yield Path(folder), jsonl, count, text_bytes
