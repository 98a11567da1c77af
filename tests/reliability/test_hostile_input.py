"""Hostile XML and HTML: external entities are never followed, entity bombs never expanded."""
from __future__ import annotations

import io

import pytest

from importers import feeds, html_page
from kb.errors import KBError
from kb.models import Article

SECRET = "TOP-SECRET-7731"
LAUGHS = "".join(f'<!ENTITY lol{n} "{("&lol" + str(n - 1) + ";") * 10}">' for n in range(1, 10))


@pytest.fixture
def secret_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


def records(parser, document: str) -> list:
    try:
        return list(parser.parse(io.BytesIO(document.encode()), origin="hostile"))
    except KBError:
        return []  # refusing the file with a clear error is fine too


def all_text(found: list) -> str:
    return " ".join(f"{r.title} {r.body}" for r in found if isinstance(r, Article))


def test_feed_external_entities_are_not_followed(secret_file):
    document = (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret_file}">]>'
                '<rss version="2.0"><channel><title>Feed</title><item><title>Leak &xxe;</title>'
                '<link>https://example.org/a</link><description>Body text &xxe; here, long enough to keep.'
                '</description></item></channel></rss>')
    assert SECRET not in all_text(records(feeds, document))


def test_feed_entity_bomb_is_not_expanded():
    document = (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol0 "lol">{LAUGHS}]>'
                '<rss version="2.0"><channel><title>Feed</title><item><title>Laughs</title>'
                '<link>https://example.org/b</link><description>&lol9;</description></item></channel></rss>')
    assert len(all_text(records(feeds, document))) < 100_000  # fully expanded it would be 3,000,000,000


def test_html_external_entities_and_bombs_are_harmless(secret_file):
    document = (f'<!DOCTYPE html [<!ENTITY xxe SYSTEM "file://{secret_file}"><!ENTITY lol0 "lol">{LAUGHS}]>'
                '<html><head><title>Hostile page</title></head><body><article><h1>Hostile page</h1>'
                '<p>The first paragraph of a perfectly ordinary article about the harbour &xxe; and more.</p>'
                '<p>A second paragraph &lol9; that goes on about the weather for a while longer.</p>'
                '</article></body></html>')
    text = all_text(records(html_page, document))
    assert SECRET not in text and len(text) < 100_000


def test_a_file_that_changes_while_it_is_read(tmp_path, articles_file):
    """Truncated and rewritten during the import: no traceback, at most the lines cut in two
    reported as malformed, and what is stored checks out."""
    import threading

    from kb import KnowledgeBase

    source, _ = articles_file
    moving = tmp_path / "moving.jsonl"
    moving.write_bytes(source.read_bytes() * 3)

    def meddle():
        with moving.open("r+b") as handle:
            handle.truncate(moving.stat().st_size // 2)
            handle.seek(0, 2)
            handle.write(b'{"title": "cut half-way", "bo')

    with KnowledgeBase(tmp_path / "kb", extractor="none") as kb:
        timer = threading.Timer(0.05, meddle)
        timer.start()
        summary = kb.import_paths([moving])
        timer.join()
        assert summary.imported + summary.duplicates > 0
        assert all(failure.startswith(f"{moving}:") for failure in summary.failed)  # a line cut mid-way
        assert len(summary.failed) <= 2 and kb.check()["ok"]
