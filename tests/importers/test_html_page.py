"""HTML article pages: real saved pages in, title/date/authors/site/URL/main text out."""
from __future__ import annotations

import io

import pytest

from helpers import DATA
from importers import html_page
from kb.models import Article, Skipped

HTML = DATA / "html"


def parse_one(name: str):
    path = HTML / name
    with path.open("rb") as stream:
        records = list(html_page.parse(stream, origin=str(path)))
    assert len(records) == 1
    return records[0]


def test_wordpress_page_metadata_and_body():
    article = parse_one("wptavern-stack-overflow-jobs.html")
    assert isinstance(article, Article)
    assert article.title == ("Stack Overflow Jobs Data Shows ReactJS Skills in High Demand, "
                             "WordPress Market Oversaturated with Developers")
    assert article.published == "2017-03-09T23:16:02Z"
    assert article.source == "WordPress Tavern"
    assert article.authors == ["Sarah Gooding"]
    assert article.url == ("https://wptavern.com/stack-overflow-jobs-data-shows-reactjs-skills-"
                           "in-high-demand-wordpress-market-oversaturated-with-developers")
    assert article.language == "en-US"
    assert article.record == "file" and article.origin.endswith("wptavern-stack-overflow-jobs.html")
    assert article.body.startswith("Stack Overflow published its analysis of 2017 hiring trends")
    assert "The demand for backend, mobile, and database engineers is higher than the number" in article.body
    assert "window._wpemojiSettings" not in article.body and "_gaq" not in article.body


def test_paragraphs_are_separated_by_blank_lines():
    article = parse_one("wptavern-stack-overflow-jobs.html")
    paragraphs = article.body.split("\n\n")
    assert len(paragraphs) >= 5
    assert all(p.strip() == p and "\n" not in p for p in paragraphs)


def test_navigation_and_headline_left_out_of_body():
    article = parse_one("aclu-facebook-tracking.html")
    assert article.title == "Facebook Is Tracking Me Even Though I’m Not on Facebook"
    assert article.authors == ["Daniel Kahn Gillmor"]
    assert article.source == "American Civil Liberties Union"
    assert article.published == "2018-04-05T00:00:00Z"  # the page shows the day only
    assert article.body.startswith("I don't use Facebook. I'm not technophobic")
    for menu_text in ("Jump to navigation", "Skip navigation", "Renew Your Membership", "Know Your Rights"):
        assert menu_text not in article.body


def test_benchmark_page_matches_gold_text():
    article = parse_one("expapp-new-ceo.html")
    assert article.title == "Introducing Junior Gaspard, New CEO at Experience"
    assert article.published == "2018-04-09T16:02:25Z"
    assert article.source == "Experience"
    assert article.url == "https://www.expapp.com/blog/introducing-junior-gaspard-new-ceo-experience/"
    # First and last sentences of the human-written articleBody of the benchmark.
    assert article.body.startswith("Experience is thrilled to have Junior Gaspard, long time ExpApper, "
                                   "as our new President and CEO.")
    assert article.body.endswith("Thanks Junior!")


def test_page_without_article_text_is_skipped():
    page = b"<!DOCTYPE html><html><head><title>Menu</title></head><body><nav><a href='/'>Home</a></nav></body></html>"
    [record] = html_page.parse(io.BytesIO(page), origin="empty.html")
    assert record == Skipped("empty.html", "file", "no article text found")


@pytest.mark.parametrize("data", [b"", b"\x00\xff\xfe garbage \x89PNG", b"https://example.com/article",
                                  b"<html><body><p>unclosed <div><table><tr><td>"])
def test_broken_input_is_skipped_not_raised(data):
    [record] = html_page.parse(io.BytesIO(data), origin="broken.html")
    assert isinstance(record, Skipped) and record.origin == "broken.html"


def test_declared_charset_used_when_not_utf8():
    text = "<html><head><meta charset='iso-8859-1'></head><body><p>Café crème à Zürich</p></body></html>"
    assert html_page.decode_html(text.encode("latin-1")) == text
    assert html_page.decode_html(text.encode("utf-8")) == text  # valid UTF-8 wins over a stale declaration


@pytest.mark.parametrize("head, expected", [
    (b"<!DOCTYPE html>\n<html>", True), (b"\xef\xbb\xbf  <HTML lang='en'>", True),
    (b"<!--[if IE]><html class='ie'><![endif]-->", True), (b"<?xml version='1.0'?><rss>", False),
    (b"<htmlx>", False), (b"Title\n\nBody", False),
])
def test_sniff(head, expected):
    assert html_page.looks_like_html(head) is expected


def test_title_suffix_and_source_helpers():
    assert html_page.strip_title_suffix("Whales strand | The Guardian", ["The Guardian"]) == "Whales strand"
    assert html_page.strip_title_suffix("West Ham | Aktuálně.cz", ["Aktuálně.cz - Víte, co se děje"]) == "West Ham"
    assert html_page.strip_title_suffix("Cause - effect", ["Reuters"]) == "Cause - effect"
    assert html_page.source_name("", "https://news.bbc.co.uk/1/hi/x.stm") == "bbc.co.uk"
    assert html_page.source_name("www.tmz.com", "http://www.tmz.com/a") == "tmz.com"
    assert html_page.split_authors("Stella Kim; Jennifer Jett and Jo Roe") == ["Stella Kim", "Jennifer Jett", "Jo Roe"]
