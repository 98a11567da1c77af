"""The importers never touch the network, and their heavy libraries load only when parsing."""
from __future__ import annotations

import io
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from helpers import DATA
from importers import delimited, feeds, html_page, warc_records
from kb.errors import InputError

SAMPLES = [
    (html_page, DATA / "html" / "wptavern-stack-overflow-jobs.html"),
    (html_page, DATA / "html" / "expapp-new-ceo.html"),
    (feeds, DATA / "feeds" / "huffpost-canada.xml"),
    (feeds, DATA / "feeds" / "uol-noticias-latin1.rss"),
    (delimited, DATA / "delimited" / "reuters-4-rows.csv"),
    (warc_records, DATA / "warc" / "sample.warc.gz"),
]


@pytest.fixture
def no_network(monkeypatch):
    # Load the libraries first: trafilatura's import-time annotations use `socket.socket` as a type.
    import feedparser, trafilatura, warcio.archiveiterator  # noqa: F401, E401

    def refuse(*args, **kwargs):
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket, "socket", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


@pytest.mark.parametrize("module, path", SAMPLES, ids=[p.name for _, p in SAMPLES])
def test_parsing_needs_no_network(no_network, module, path):
    with path.open("rb") as stream:
        records = list(module.IMPORTER.parse(stream, origin=str(path)))
    assert records


def test_text_that_is_a_url_is_not_fetched(no_network):
    [record] = html_page.parse(io.BytesIO(b"https://www.example.com/news/article.html"), origin="url.html")
    assert record.reason == "no HTML"
    with pytest.raises(InputError, match="RSS or Atom feed"):  # feedparser gets a stream, never a URL
        list(feeds.parse(io.BytesIO(b"https://www.example.com/feed.rss"), origin="url.rss"))


def test_heavy_libraries_load_lazily():
    code = ("import sys, importers, importers.html_page, importers.feeds, importers.delimited, "
            "importers.warc_records, importers.json_records, importers.json_lines, importers.finish; "
            "print(sorted(m for m in ('trafilatura', 'htmldate', 'feedparser', 'warcio', 'lxml', 'ijson', 'ftfy', "
            "'charset_normalizer', 'fasttext') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                            cwd=Path(__file__).resolve().parents[2])
    assert result.stdout.strip() == "[]"
