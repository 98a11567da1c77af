"""Whole real corpora through the importers: robustness on every page and feed, and the
HTML metadata quality figures of benchmarks/html_metadata.py (rates, never times)."""
from __future__ import annotations

import functools
import importlib.util
import io
import sys
from pathlib import Path

import pytest

from helpers import corpus, sliced
from importers import feeds, html_page
from importers.html_text import html_to_text
from kb.models import Article, Skipped

ROOT = Path(__file__).resolve().parents[2]


@functools.cache
def _benchmark():
    """benchmarks/html_metadata.py as a module (benchmarks/ is not an installed package)."""
    spec = importlib.util.spec_from_file_location("newskb_html_metadata", ROOT / "benchmarks" / "html_metadata.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def newspaper_records() -> dict[str, list | Exception]:
    """Each page of newspaper-fulltext-fixtures through html_page.parse (all 157, about
    4 s): its records, or the exception it raised."""
    outcomes = {}
    for path in sorted(corpus("newspaper-fulltext-fixtures", "html").glob("*.html")):
        try:
            with path.open("rb") as stream:
                outcomes[path.name] = list(html_page.parse(stream, origin=path.name))
        except Exception as error:  # noqa: BLE001 - collected, so one report lists them all
            outcomes[path.name] = error
    return outcomes


@pytest.mark.corpora
def test_every_newspaper_fixture_page_imports_without_failure(newspaper_records):
    assert len(newspaper_records) == 157
    failures = {name: outcome for name, outcome in newspaper_records.items()
                if isinstance(outcome, Exception) or len(outcome) != 1
                or not isinstance(outcome[0], (Article, Skipped))}
    assert failures == {}


@pytest.mark.corpora
def test_newspaper_fixture_articles_have_titles_and_bodies(newspaper_records):
    articles = [outcome[0] for outcome in newspaper_records.values()
                if isinstance(outcome, list) and outcome and isinstance(outcome[0], Article)]
    assert len(articles) >= 140  # the rest are meta-refresh stubs and front pages
    assert all(article.title.strip() and len(article.body) >= html_page.MIN_BODY_CHARS for article in articles)


@pytest.fixture(scope="module")
def readability_scores():
    return _benchmark().readability_scores(corpus("readability-news-pages"))


@pytest.mark.corpora
def test_readability_titles_match_exactly(readability_scores):
    passed, counted = _benchmark().rate(readability_scores, "title")
    assert counted == 47
    assert passed / counted >= 0.90, [s.name for s in readability_scores if not s.title]


@pytest.mark.corpora
def test_readability_dates_on_the_day(readability_scores):
    passed, counted = _benchmark().rate(readability_scores, "date")
    assert counted == 18
    assert passed / counted >= 0.80, [s.name for s in readability_scores if s.date is False]


FEED_FILES = ["feedjira/HuffPostCanada.xml", "feedjira/TechCrunch.xml", "feedjira/google_alerts_atom.xml",
              "rss-parser/customfields.rss", "rss-parser/encoding.rss", "rss-parser/guardian.rss",
              "rss-parser/heise.atom", "rss-parser/rss-1.rss", "rss-parser/uolNoticias.rss"]


def _source_items(data: bytes) -> list[dict]:
    import feedparser

    return feedparser.parse(io.BytesIO(data), resolve_relative_uris=False).entries


@pytest.mark.parametrize("name", FEED_FILES)
def test_real_feed_imports_every_item(name):
    """One record per item, no exception: every item with any text (a headline at least)
    gives an Article with a title and its link; only an item with no text at all is
    Skipped, as malformed."""
    path = sliced("news-feeds", name)
    data = path.read_bytes()
    records = list(feeds.parse(io.BytesIO(data), origin=name))
    items = _source_items(data)
    assert len(records) == len(items) > 0
    for record, item in zip(records, items):
        if isinstance(record, Skipped):
            text = " ".join([item.get("summary") or "", *(c.get("value") or "" for c in item.get("content") or [])])
            text += " " + (item.get("title") or "")
            assert record.malformed and not html_to_text(text).strip(), (name, record)
            continue
        assert isinstance(record, Article), (name, record)
        assert record.title.strip(), (name, record.record)
        if (item.get("link") or "").strip():
            assert record.url == item["link"].strip(), (name, record.record)


def test_real_feeds_item_count():
    total = sum(len(_source_items(sliced("news-feeds", name).read_bytes())) for name in FEED_FILES)
    assert total == 251
