"""The other reference: plain Whoosh on the same articles, in one process.

    python benchmarks/whoosh_reference.py articles.jsonl INDEX_FOLDER   # prints seconds, CPU seconds
    python benchmarks/whoosh_reference.py articles.jsonl INDEX_FOLDER --exact-words

Only Whoosh, end to end: its own `Schema`, `create_in`, the default `ix.writer()` (its
W3Codec, one process, its default memory), `add_document` per record, `commit()`; its
own parser and searcher for the top 10. Nothing of newskb's is imported (but with
--exact-words, below), so it is the yardstick #17's targets are set against
(`import_cpu.py` measures newskb against it).

The same as newskb: the record's text (title, body, source, language, date) with
positions in the title and body for phrases; words as newskb reads them (word
characters, single dots inside), lower case, accents folded, no stop list, Porter
stems, the title boosted twice. Different: newskb's one-pass tokenizer also indexes each
exact word beside its stem (twice the postings), its own codec and positions format,
a story id, authors, entity fields with their facet columns, and SQLite beside it.

`--exact-words` is not the reference but a check of what the gap is made of: the title
and body go through newskb's own tokenizer (index/analysis.py, which needs this checkout
on PYTHONPATH), so that Whoosh's writer and codec write newskb's terms, exact words too.
"""
from __future__ import annotations

import argparse
import json
import time
from datetime import datetime
from pathlib import Path

from whoosh import index, query
from whoosh.analysis import CharsetFilter, LowercaseFilter, RegexTokenizer, StemFilter
from whoosh.fields import DATETIME, ID, TEXT, Schema
from whoosh.qparser import MultifieldParser
from whoosh.support.charset import accent_map

WORD_PATTERN = r"\w+(?:\.\w+)*"  # newskb's (index/analysis.py), written out: no newskb import
ONE_DAY_LESS_A_MOMENT = "T23:59:59"


def build_schema(exact_words: bool = False) -> Schema:
    """Whoosh's field types over the fields of a benchmark record (`exact_words`: see above).

    >>> sorted(build_schema().names())
    ['body', 'id', 'lang', 'published', 'source', 'title']
    """
    words = RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | CharsetFilter(accent_map)
    if exact_words:  # imported here: the reference itself imports nothing of newskb's
        from index.analysis import stemmed_text_analyzer
        stemmed = stemmed_text_analyzer()
    else:
        stemmed = words | StemFilter()
    return Schema(id=ID(stored=True, unique=True), title=TEXT(analyzer=stemmed, phrase=True, field_boost=2.0),
                  body=TEXT(analyzer=stemmed, phrase=True), source=TEXT(analyzer=words), lang=ID(),
                  published=DATETIME(sortable=True))


def parse_date(text: str | None) -> datetime | None:
    """ISO 8601 UTC text as a naive datetime.

    >>> parse_date("2005-03-01T00:00:00Z")
    datetime.datetime(2005, 3, 1, 0, 0)
    """
    return datetime.fromisoformat(text.replace("Z", "")) if text else None


def document(number: int, record: dict) -> dict:
    """The fields of one JSON Lines record, empty ones left out."""
    fields = {"id": str(number), "title": record["title"], "body": record["body"], "source": record.get("source"),
              "lang": (record.get("language") or "").lower(), "published": parse_date(record.get("published"))}
    return {name: value for name, value in fields.items() if value}


def index_seconds(jsonl: Path, path: Path, exact_words: bool = False) -> tuple[float, float]:
    """(seconds, CPU seconds of this process) to index every record of `jsonl` into a
    new index at `path`."""
    path.mkdir(parents=True, exist_ok=True)
    ix = index.create_in(str(path), build_schema(exact_words))
    start, cpu_start = time.perf_counter(), time.process_time()
    writer = ix.writer()
    with jsonl.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            writer.add_document(**document(number, json.loads(line)))
    writer.commit()
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    ix.close()
    return seconds, cpu_seconds


def search(searcher, bench_query) -> int:
    """Whoosh's top 10 for a benchmark query (its parser over title and body, its date
    range; the plain index has no entities, so an entity filter is left out); returns how
    many hits it scored."""
    parsed = MultifieldParser(["title", "body"], searcher.schema).parse(bench_query.text)
    dates = None
    if bench_query.since or bench_query.until:
        dates = query.DateRange("published", parse_date(bench_query.since),
                                parse_date(bench_query.until and bench_query.until + ONE_DAY_LESS_A_MOMENT))
    return searcher.search(parsed, limit=10, filter=dates).scored_length()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("jsonl", type=Path)
    parser.add_argument("index", type=Path, help="a new folder for the index")
    parser.add_argument("--exact-words", action="store_true", help="newskb's terms (not the reference)")
    args = parser.parse_args()
    seconds, cpu_seconds = index_seconds(args.jsonl, args.index, args.exact_words)
    print(f"{seconds:.3f} {cpu_seconds:.3f}")
