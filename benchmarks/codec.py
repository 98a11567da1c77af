"""Whoosh's W3Codec against newskb's PackedCodec: index size, build time, query latency.

    python benchmarks/codec.py                   # the whole Reuters-21578 ($NEWSKB_CORPORA), else the slice
    python benchmarks/codec.py --limit 5000 --turns 2 --runs 5

Indexes the same articles (newskb's schema and documents) with each codec, in turns
(W3, packed, W3, packed...), into uncompounded segments (so the postings file's size
shows), and prints the size on disk, the build's wall and CPU seconds (medians of the
turns), then the median of each query (Whoosh's own searcher: every match, and the top
10), run in turns on the last builds. Figures only: nothing is asserted.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from itertools import islice
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(HERE))

from whoosh.codec.whoosh3 import W3Codec  # noqa: E402
from whoosh.filedb.filestore import FileStorage  # noqa: E402
from whoosh.qparser import MultifieldParser  # noqa: E402

from benchmarks.corpora import SOURCES, real_articles  # noqa: E402
from importers import parse_file  # noqa: E402
from index.codec import PackedCodec  # noqa: E402
from index.documents import document_for  # noqa: E402
from index.schema import ENTITY_FIELDS, build_schema  # noqa: E402
from kb.models import Article  # noqa: E402

CODECS = {"w3": W3Codec, "packed": PackedCodec}
SLICE = HERE / "tests" / "data" / "corpora" / "reuters-21578" / "reut2-000.sgm"
QUERIES = ("oil", "said", "oil prices", "oil AND gas", "wheat OR corn OR grain", "bank NOT england",
           '"crude oil"', '"the company said"', "export*", "title:oil AND body:prices")


def articles(limit: int | None) -> tuple[str, list[Article]]:
    if SOURCES["reuters"].exists():
        return str(SOURCES["reuters"]), list(islice(real_articles("reuters"), limit))
    found = [record for record in parse_file(SLICE) if isinstance(record, Article)]
    return str(SLICE), found[:limit]


def build(folder: Path, codec, documents: list[dict]) -> tuple[float, float]:
    """Index `documents` into `folder`; (wall seconds, CPU seconds)."""
    ix = FileStorage(str(folder)).create_index(build_schema())
    wall, cpu = time.perf_counter(), time.process_time()
    with ix.writer(codec=codec, compound=False, limitmb=256) as writer:
        for document in documents:
            writer.add_document(**document)
    return time.perf_counter() - wall, time.process_time() - cpu


def sizes(folder: Path) -> tuple[int, int]:
    """(bytes of the whole index, bytes of its postings files)."""
    files = [path for path in folder.iterdir() if path.is_file()]
    return sum(p.stat().st_size for p in files), sum(p.stat().st_size for p in files if p.suffix == ".pst")


def query_times(folder: Path, runs: int) -> dict[tuple[str, int | None], list[float]]:
    """Milliseconds of each (query, limit), `runs` times each."""
    ix = FileStorage(str(folder)).open_index()
    parser = MultifieldParser(["title", "body"], ix.schema)
    times = {}
    with ix.searcher() as searcher:
        for text in QUERIES:
            query = parser.parse(text)
            for limit in (None, 10):
                samples = times.setdefault((text, limit), [])
                for _ in range(runs):
                    start = time.perf_counter()
                    len(searcher.search(query, limit=limit))
                    samples.append((time.perf_counter() - start) * 1000)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--limit", type=int, help="Only the first N articles.")
    parser.add_argument("--turns", type=int, default=2, help="Builds and query rounds of each codec, in turns.")
    parser.add_argument("--runs", type=int, default=5, help="Runs of each query per turn.")
    args = parser.parse_args()

    source, found = articles(args.limit)
    documents = []
    for number, article in enumerate(found):
        article.id = f"a{number}"
        documents.append(document_for(article, ENTITY_FIELDS))
    print(f"{len(documents):,} articles of {source}")

    with tempfile.TemporaryDirectory(prefix="newskb-codec-") as work:
        built = {name: [] for name in CODECS}
        folders = {}
        for turn in range(args.turns):
            for name, codec in CODECS.items():
                folders[name] = Path(work) / f"{name}-{turn}"
                folders[name].mkdir()
                built[name].append(build(folders[name], codec(), documents))
        for name in CODECS:
            total, postings = sizes(folders[name])
            walls, cpus = zip(*built[name])
            print(f"{name:7} index {total / 1e6:8.2f} MB (postings {postings / 1e6:7.2f} MB), "
                  f"build {statistics.median(walls):6.2f} s wall, {statistics.median(cpus):6.2f} s CPU "
                  f"(turns: {', '.join(f'{w:.2f}' for w in walls)})")

        samples = {name: {} for name in CODECS}
        for _ in range(args.turns):
            for name in CODECS:
                for key, times in query_times(folders[name], args.runs).items():
                    samples[name].setdefault(key, []).extend(times)
        print(f"\nquery medians, ms ({args.turns} turns x {args.runs} runs)")
        print(f"{'query':34} {'limit':>5} {'w3':>9} {'packed':>9} {'ratio':>6}")
        medians = {name: [] for name in CODECS}
        for key in samples["w3"]:
            w3, packed = (statistics.median(samples[name][key]) for name in CODECS)
            medians["w3"].append(w3)
            medians["packed"].append(packed)
            print(f"{key[0]:34} {str(key[1] or 'all'):>5} {w3:9.3f} {packed:9.3f} {packed / w3:6.2f}")
        w3, packed = (statistics.median(medians[name]) for name in CODECS)
        print(f"{'median of the medians':34} {'':>5} {w3:9.3f} {packed:9.3f} {packed / w3:6.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
