"""The import pipeline: records -> duplicates out -> entities -> SQLite -> index.

Entity extraction, story signatures and language detection run in worker processes
while this process stores and indexes, so both cores work. Each batch is one SQLite
transaction that also queues its articles for indexing; the index writer commits every
COMMIT_EVERY articles and at the end, after which the queue entries it covered go. If
the import dies in between, the queue holds what the index lacks and the next command
catches it up.
"""
from __future__ import annotations

import multiprocessing
from collections import deque
from contextlib import suppress
from concurrent.futures import Future, ProcessPoolExecutor

from importers.language import detect_language
from index import IndexBusy
from kb.indexing import clean_start_method, write_queued
from kb.entities import count_entities, get_extractor
from kb.models import Article, EntityCount, ImportSummary
from kb.shingles import Signature, signature
from kb.store import content_hash, utc_now

STORE_BATCH = 200  # articles per SQLite transaction and per extraction task
BATCHES_AHEAD = 3  # extraction tasks in flight while this process stores and indexes
ID_LENGTH = 16
# Articles per index commit in a long import. Until it commits, a writer keeps its sorted
# postings in temporary files (about 40 KB an article); committing as it goes bounds
# them, and makes a long import searchable (and safe) part by part.
COMMIT_EVERY = 20_000

_worker_extractor = None


def _start_worker(extractor_name: str) -> None:
    global _worker_extractor
    _worker_extractor = get_extractor(extractor_name)


Text = tuple[str, str, "str | None"]  # an article's title, body and language (None: unknown)
Derived = tuple[list[EntityCount], bytes, "str | None"]


def analyse(extractor, text: Text) -> Derived:
    """What an import derives from an article's text: its entities, its story signature,
    and its language when the source gave none."""
    title, body, language = text
    return (count_entities(extractor.extract(body)), signature(body).to_bytes(),
            language or detect_language(f"{title}\n\n{body}"))


def _analyse_batch(texts: list[Text]) -> list[Derived]:
    return [analyse(_worker_extractor, text) for text in texts]


class Ingest:
    """Feeds articles through the pipeline; use as a context manager around `add` calls.

    >>> with Ingest(store, index, extractor, summary) as ingest:
    ...     for article in articles:
    ...         ingest.add(article)
    """

    def __init__(self, store, index, extractor, summary: ImportSummary, *, large: bool = False, jobs: int = 1):
        self.store, self.index, self.extractor, self.summary = store, index, extractor, summary
        self.jobs = jobs  # extraction processes; in a large import, index-writing processes too
        # Whoosh starts its writer processes with the default start method: only when that
        # is not "fork" may they run (see clean_start_method).
        self.procs = jobs if large and multiprocessing.get_start_method() != "fork" else 1
        self.batch: list[Article] = []
        self.in_flight: deque[tuple[list[tuple[Article, str]], Future | list]] = deque()
        self.hashes_in_flight: set[str] = set()
        self.pool: ProcessPoolExecutor | None = None
        self.indexed_ids: list[str] = []
        self._writer = None

    def __enter__(self) -> "Ingest":
        self._open_writer()
        return self

    def _open_writer(self) -> None:
        """Take the index's write lock (after catching up what an earlier run left queued);
        if another process holds it past the timeout, store anyway and leave the index
        work queued."""
        try:
            self._writer = self.index.writer(procs=self.procs)
        except IndexBusy as busy:
            self.summary.notes.append(f"{busy}: the new articles are stored and will be indexed "
                                      "by the next command")
            return
        self.indexed_ids = write_queued(self.store, self._writer)

    def _commit(self, merge: bool = True) -> None:
        """Commit the index writer, then drop the queue entries it covered."""
        self._writer.commit(merge=merge)
        self._writer = None
        self.store.dequeue(self.indexed_ids)
        self.indexed_ids = []

    def add(self, article: Article) -> None:
        self.batch.append(article)
        if len(self.batch) >= STORE_BATCH:
            self._submit(self.batch)
            self.batch = []

    def __exit__(self, kind, error, traceback) -> None:
        try:
            if error is None:
                self._submit(self.batch)
                while self.in_flight:
                    self._store_oldest()
                if self._writer is not None:
                    self._commit()
                    if self.procs > 1:
                        self.index.merge_small_segments()
        finally:
            if self._writer is not None:
                with suppress(OSError):  # cancelling cleans up files, which a full disk may refuse
                    self._writer.cancel()
            if self.pool is not None:
                self.pool.shutdown(cancel_futures=True)

    def _submit(self, articles: list[Article]) -> None:
        """Drop duplicates, then send the bodies for extraction (in a worker once it pays:
        a full batch, or any batch once the workers run)."""
        fresh = []
        for article in articles:
            digest = content_hash(article)
            if digest in self.hashes_in_flight or self.store.find_duplicate(digest, article.url):
                self.summary.duplicates += 1
                continue
            self.hashes_in_flight.add(digest)
            fresh.append((article, digest))
        if not fresh:
            return
        texts = [(article.title, article.body, article.language) for article, _ in fresh]
        if len(articles) >= STORE_BATCH or self.pool is not None:  # the pool's model is loaded already
            derived: Future | list = self._pool().submit(_analyse_batch, texts)
        else:
            derived = [analyse(self.extractor, text) for text in texts]
        self.in_flight.append((fresh, derived))
        while len(self.in_flight) > BATCHES_AHEAD:
            self._store_oldest()

    def _pool(self) -> ProcessPoolExecutor:
        if self.pool is None:
            self.pool = ProcessPoolExecutor(self.jobs, mp_context=multiprocessing.get_context(clean_start_method()),
                                            initializer=_start_worker, initargs=(self.extractor.name,))
        return self.pool

    def _store_oldest(self) -> None:
        """Store the oldest extracted batch in one transaction and hand it to the index writer."""
        fresh, derived = self.in_flight.popleft()
        results = derived.result() if isinstance(derived, Future) else derived
        now = utc_now()
        with self.store.transaction():
            for (article, digest), (entities, story_signature, language) in zip(fresh, results):
                article.id, article.imported_at, article.run_id = digest[:ID_LENGTH], now, self.summary.run_id
                article.entities, article.language = entities, language
                self.store.insert_article(article, digest, self.extractor.name)
                joined = self.store.stories.assign(article.id, Signature.from_bytes(story_signature))
                article.story_id = joined.story_id if joined else article.id
        for article, digest in fresh:
            self.hashes_in_flight.discard(digest)
        if self._writer is not None:
            for article, _ in fresh:
                self._writer.add(article)
            self.indexed_ids += [article.id for article, _ in fresh]
            if len(self.indexed_ids) >= COMMIT_EVERY:
                # No merge midway: at 260k articles Whoosh's merge in this process stalled
                # the import for minutes at twice its memory. The end of the import merges.
                self._commit(merge=False)
                self._open_writer()
        self.summary.imported += len(fresh)
