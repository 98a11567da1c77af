"""The same article is stored once, whatever file or format it comes in."""
from __future__ import annotations

import csv
import json

from helpers import DATA


def test_same_canonical_url_from_html_json_and_feed_is_stored_once(invoke, tmp_path):
    page = DATA / "html" / "wptavern-stack-overflow-jobs.html"
    assert invoke("import", page).stdout.startswith("Imported 1 article")
    url = ("HTTPS://WPTavern.com/stack-overflow-jobs-data-shows-reactjs-skills-in-high-demand-wordpress-market-"
           "oversaturated-with-developers/?utm_source=twitter&utm_medium=social#comments")
    shared = tmp_path / "shared.json"
    shared.write_text(json.dumps({"title": "ReactJS in demand (shared copy)", "url": url,
                                  "body": "A shortened copy of the story, shared on social media."}))
    result = invoke("import", shared)
    assert result.stdout.startswith("Imported 0 articles, 1 duplicate")


def test_same_text_from_json_csv_and_text_is_stored_once(invoke, tmp_path):
    title, body = "Harbour reopens after storm", "The harbour reopened on Monday after a week of repairs."
    (tmp_path / "a.json").write_text(json.dumps({"headline": title, "content": body}))
    with (tmp_path / "b.csv").open("w", newline="") as handle:
        csv.writer(handle).writerows([["title", "text"], [title.upper(), "  " + body.replace(" ", "   ")]])
    (tmp_path / "c.txt").write_text(f"{title}\n\n{body}\n")
    summary = invoke("import", tmp_path / "a.json", tmp_path / "b.csv", tmp_path / "c.txt").stdout
    assert summary.startswith("Imported 1 article, 2 duplicates")
    again = invoke("import", tmp_path).stdout
    assert again.startswith("Imported 0 articles, 3 duplicates")
