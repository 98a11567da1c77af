"""Fixtures for the reliability tests: real BBC articles, an empty knowledge base, `kb` as a process."""
from __future__ import annotations

import json
import shutil
import time

import pytest

from helpers import kb_command, sliced
from importers import parse_file
from kb.models import Article
from kb.store import content_hash

ARTICLES = 400


@pytest.fixture(scope="session")
def articles_file(tmp_path_factory):
    """400 real BBC articles as JSON Lines, and how many distinct ones they are (read only;
    built once: four modules import it)."""
    folder = sliced("bbc-news")
    records, hashes = [], set()
    for path in sorted(folder.glob("*/*.txt"))[:ARTICLES]:
        for article in parse_file(path):
            if isinstance(article, Article):
                records.append({"title": article.title, "body": article.body})
                hashes.add(content_hash(article))
    path = tmp_path_factory.mktemp("crash") / "articles.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    return path, len(hashes)


@pytest.fixture(scope="session")
def template(tmp_path_factory, articles_file):
    """An empty knowledge base, and how long a whole import into it takes here (built and
    timed once; tests copy it before importing into it)."""
    path = tmp_path_factory.mktemp("template") / "kb"
    kb_command(path, "init", "--ner", "none")
    trial = path.with_name("trial")
    shutil.copytree(path, trial)
    start = time.monotonic()
    assert kb_command(trial, "import", articles_file[0]).returncode == 0
    return path, time.monotonic() - start
