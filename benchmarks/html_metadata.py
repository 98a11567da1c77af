"""Metadata quality of the HTML importer: titles, dates, authors, site names, robustness.

On `readability-news-pages/` (47 real news pages with the metadata Mozilla Readability's
maintainers expect), each page's `source.html` goes through `importers.html_page` and is
compared with `expected-metadata.json`:
- title: equal to the expected `title` after whitespace normalisation only (exact case);
- date: the same calendar day as `publishedTime`, among the pages that have one (the day
  as written on the page, or that instant's UTC day: newskb stores UTC);
- authors: every name of the expected `byline` (a leading "By" dropped, split on commas,
  ";" and "and") is one of the authors (case-insensitive), among pages with a byline;
  Readability's bylines are loose (dates, job titles), so this figure is indicative;
- site name: `source` equals `siteName` (case-insensitive), among pages that have one.
On `newspaper-fulltext-fixtures/` (157 real pages), every page must import without a
failure: `html_page.parse` yields an Article or a Skipped and never raises.

    .venv/bin/python benchmarks/html_metadata.py [--corpora PATH] [--failures]
"""
from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpora import CORPORA  # noqa: E402

from importers import html_page  # noqa: E402
from importers.normalise import parse_date  # noqa: E402
from kb.models import Article, Skipped  # noqa: E402

DEFAULT_CORPORA = CORPORA
_SPACES = re.compile(r"\s+")


def normalise_space(text: str | None) -> str:
    return _SPACES.sub(" ", text or "").strip()


def expected_days(published: str) -> set[str]:
    """The day a `publishedTime` is written with, and the UTC day of that instant."""
    days = set()
    written = re.match(r"\d{4}-\d{2}-\d{2}", published.strip())
    if written:
        days.add(written.group(0))
    utc = parse_date(published)
    if utc:
        days.add(utc[:10])
    return days


@dataclass
class PageScore:
    """How one readability page fared; a check is None when the page has no expected value."""
    name: str
    title: bool
    date: bool | None
    authors: bool | None
    site: bool | None
    got: Article | Skipped | None
    expected: dict


def score_page(folder: Path) -> PageScore:
    expected = json.loads((folder / "expected-metadata.json").read_text(encoding="utf-8"))
    source = folder / "source.html"
    got = html_page.extract_article(html_page.decode_html(source.read_bytes()), origin=str(source))
    article = got if isinstance(got, Article) else None
    title = bool(article) and normalise_space(article.title) == normalise_space(expected.get("title"))
    date = authors = site = None
    if expected.get("publishedTime"):
        date = bool(article and article.published) and article.published[:10] in expected_days(
            expected["publishedTime"])
    if expected.get("byline"):
        names = {name.casefold() for name in (article.authors if article else [])}
        byline = re.sub(r"^\s*(by|par|por|von)\s+", "", expected["byline"], flags=re.IGNORECASE)
        wanted = html_page.split_authors(byline.replace(",", ";"))
        authors = bool(wanted) and all(name.casefold() in names for name in wanted)
    if expected.get("siteName"):
        site = bool(article) and normalise_space(article.source).casefold() == normalise_space(
            expected["siteName"]).casefold()
    return PageScore(folder.name, title, date, authors, site, got, expected)


def readability_scores(corpus: Path) -> list[PageScore]:
    """One PageScore per page of `readability-news-pages/`, in name order."""
    return [score_page(folder) for folder in sorted((corpus / "pages").iterdir()) if folder.is_dir()]


def rate(scores: list[PageScore], check: str) -> tuple[int, int]:
    """(passed, counted) for one check over the pages that have an expected value."""
    values = [getattr(score, check) for score in scores if getattr(score, check) is not None]
    return sum(values), len(values)


def import_failures(corpus: Path) -> tuple[int, list[tuple[str, str]]]:
    """(pages, failures) for `newspaper-fulltext-fixtures/html/*.html`: a failure is an
    exception, or a record that is neither an Article nor a Skipped."""
    pages = sorted((corpus / "html").glob("*.html"))
    failures = []
    for path in pages:
        try:
            with path.open("rb") as stream:
                records = list(html_page.parse(stream, origin=str(path)))
        except Exception as error:  # noqa: BLE001 - a benchmark counts every failure
            failures.append((path.name, repr(error)))
            continue
        if not records or not all(isinstance(record, (Article, Skipped)) for record in records):
            failures.append((path.name, f"unexpected records {records!r}"))
    return len(pages), failures


def _percent(passed: int, counted: int) -> str:
    return f"{passed}/{counted} ({100 * passed / counted:.0f}%)" if counted else "n/a"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpora", type=Path, default=DEFAULT_CORPORA)
    parser.add_argument("--failures", action="store_true", help="list each mismatch with the value found")
    args = parser.parse_args()
    readability, newspaper = args.corpora / "readability-news-pages", args.corpora / "newspaper-fulltext-fixtures"
    if not readability.exists() or not newspaper.exists():
        print(f"corpora not found under {args.corpora} (set NEWSKB_CORPORA or --corpora)", file=sys.stderr)
        return 2
    started = time.perf_counter()
    scores = readability_scores(readability)
    readability_time = time.perf_counter() - started
    started = time.perf_counter()
    pages, failures = import_failures(newspaper)
    newspaper_time = time.perf_counter() - started
    print("| check (readability-news-pages) | matches |")
    print("|---|---|")
    print(f"| title exact (whitespace normalised) | {_percent(*rate(scores, 'title'))} |")
    print(f"| date on the day (pages with a date) | {_percent(*rate(scores, 'date'))} |")
    print(f"| authors all found (pages with a byline) | {_percent(*rate(scores, 'authors'))} |")
    print(f"| site name (pages with one) | {_percent(*rate(scores, 'site'))} |")
    print(f"| newspaper-fulltext-fixtures imported without failure | {_percent(pages - len(failures), pages)} |")
    print(f"\ntime: readability {readability_time:.1f} s, newspaper fixtures {newspaper_time:.1f} s")
    for name, problem in failures:
        print(f"failed: {name}: {problem}")
    if args.failures:
        for score in scores:
            got = score.got if isinstance(score.got, Article) else None
            found = {"title": got and got.title, "date": got and got.published,
                     "authors": got and got.authors, "site": got and got.source}
            wanted = {"title": score.expected.get("title"), "date": score.expected.get("publishedTime"),
                      "authors": score.expected.get("byline"), "site": score.expected.get("siteName")}
            for check in ("title", "date", "authors", "site"):
                if getattr(score, check) is False:
                    print(f"{check} {score.name}: got {found[check]!r}, expected {normalise_space(wanted[check])!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
