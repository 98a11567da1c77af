"""Scraped page text: headline and article paragraphs in, site chrome out, by general rules."""
from __future__ import annotations

import io

from helpers import SEED, SEED_TITLE, sliced
from importers.scraped_text import parse, parse_page
from kb.models import Skipped

OTHER_SITE = """Menu

Home

Search

Floods close schools across the valley

By Jane Doe and John Roe

Updated: March 3, 2025 10:30 UTC

Share this article

Heavy rain closed 40 schools on Monday, officials said.

Advertisement

The river peaked at six metres overnight, the highest level since 1998, and crews worked to reinforce levees.

Related stories

Drought ends in the north after record rain across the region this spring
"""


def parse_text(text: str):
    return parse_page(text, "page.txt")


def test_seed_title_and_body_without_chrome_or_teasers():
    article = next(parse(SEED.open("rb"), origin=str(SEED)))
    assert article.title == SEED_TITLE
    assert article.body.startswith("The IRS illegally shared the taxpayer information")
    assert article.body.endswith("The IRS did not respond to a request for comment.")
    assert article.body.count("\n\n") == 8  # nine paragraphs
    for chrome in ("Published on", "Latest articles", "More like this", "Bondi", "Mamdani", "Epstein"):
        assert chrome not in article.body
    assert article.published is None  # "Published on" without a date is unknown, not today
    assert (article.origin, article.record) == (str(SEED), "file")


def test_general_rules_on_another_sites_page():
    article = parse_text(OTHER_SITE)
    assert article.title == "Floods close schools across the valley"
    assert article.authors == ["Jane Doe", "John Roe"]
    assert article.published == "2025-03-03T10:30:00Z"
    assert article.body.split("\n\n") == [
        "Heavy rain closed 40 schools on Monday, officials said.",
        "The river peaked at six metres overnight, the highest level since 1998, and crews worked to "
        "reinforce levees.",
    ]


def test_text_without_an_article_is_skipped_with_a_reason():
    result = parse_text("Home\n\nMenu\n\n")
    assert isinstance(result, Skipped) and result.reason == "no headline and body text found"


def test_plain_text_article_in_latin_1():
    path = sliced("bbc-news", "sport", "199.txt")
    article = next(parse(io.BytesIO(path.read_bytes()), origin=str(path)))
    assert article.title and len(article.body) > 200
    assert "\ufffd" not in article.body and "Ã" not in article.body


PASTED = ("Council approves new budget for schools\n"
          "The city council approved the new budget on Monday after a long debate.\n"
          "Mayor Jane Smith said the plan puts schools first.\n")


def test_a_pasted_article_with_single_line_breaks_is_headline_then_paragraphs():
    article = parse_text(PASTED)
    headline, *paragraphs = PASTED.strip().split("\n")
    assert article.title == headline
    assert article.body.split("\n\n") == paragraphs


def test_a_two_word_headline_on_the_first_line_before_a_sentence_but_not_two_menu_words():
    article = parse_text("Budget approved\n\nBy Jane Doe\n\nThe council approved the budget on Monday.\n")
    assert (article.title, article.authors) == ("Budget approved", ["Jane Doe"])
    assert article.body == "The council approved the budget on Monday."
    article = parse_text("Main menu\n\nCouncil approves new budget for schools\n\n"
                         "The council approved the budget on Monday.\n")
    assert article.title == "Council approves new budget for schools"


def test_lines_wrapped_mid_sentence_stay_one_paragraph():
    article = parse_text("Council approves new budget\nThe council approved the budget on Monday after\n"
                         "a long debate in the city hall.\nThe mayor was pleased.\n")
    assert article.body.split("\n\n") == [
        "The council approved the budget on Monday after a long debate in the city hall.",
        "The mayor was pleased.",
    ]
