"""The import pipeline: records -> duplicates out -> entities -> SQLite -> index.

Entity extraction, story signatures and language detection run in worker processes
(kb.workers), one per core, while this process stores: each batch goes to a worker for
analysis, is stored here in one SQLite transaction that also queues it for indexing,
and goes to the first worker, the indexer, to be written into the import's index
segment. One segment for all workers: merging one segment per worker at the commit
cost more CPU, and as much time, as indexing in parallel saved (benchmarks/README.md,
stop 32). The index commits every COMMIT_EVERY articles and at the end, taking the
indexer's segment, finished then with the entities as stored by then (the import's
votes change articles of its earlier batches: see index.segments), so that each article
is analysed for the index once. After the commit the queue entries it covered go. If
the import dies in between, the queue holds what the index lacks and the next command
catches it up.

Batches start small and grow to STORE_BATCH, and each is stored as soon as its analysis
is back, so the counts a progress display shows grow from the first seconds. `stop`
(Ctrl-C) ends the analysis under way and drops the batches not stored yet; what was
stored is committed as at the end of any import.
"""
from __future__ import annotations

import gc
import multiprocessing
from collections import deque
from contextlib import suppress
from typing import Callable

from index import IndexBusy
from kb.indexing import write_queued
from kb.models import Article, ImportSummary
from kb.shingles import Signature
from kb.store import content_hash, utc_now
from kb.workers import Worker, analyse_all, release_free_memory

STORE_BATCH = 200  # articles per SQLite transaction and per worker request
FIRST_BATCH = 25  # the first batch; each next one twice as big, up to STORE_BATCH
BATCHES_AHEAD = 3  # batches being analysed while this process stores
ID_LENGTH = 16
# Articles per index commit in a long import. Until it commits, each worker keeps its
# segment's postings in memory (index.codec.pool: about 8 KB a BBC article, 3 KB a
# Reuters one); committing as it goes bounds them, and makes a long import searchable
# (and safe) part by part.
COMMIT_EVERY = 20_000


class Ingest:
    """Feeds articles through the pipeline; use as a context manager around `add` calls.

    >>> from kb import KnowledgeBase
    >>> kb = KnowledgeBase("my-kb")
    >>> with Ingest(kb.store, kb.index, kb.extractor, ImportSummary(run_id=None)) as ingest:
    ...     ingest.add(Article("IRS shares data", "The IRS shared data with ICE."))
    >>> ingest.summary.imported
    1
    """

    def __init__(self, store, index, extractor, summary: ImportSummary, *, jobs: int = 1,
                 on_progress: Callable[[ImportSummary], None] | None = None):
        self.store, self.index, self.extractor, self.summary = store, index, extractor, summary
        self.jobs = jobs  # worker processes
        self.on_progress = on_progress or (lambda summary: None)
        self.batch: list[Article] = []
        self.batch_size = min(FIRST_BATCH, STORE_BATCH)
        self.stopping = False  # stopped (Ctrl-C): nothing more is analysed or stored
        self.stop_workers = None  # the event that tells the workers to stop analysing
        # Batches being analysed: the articles, and the worker analysing them (or, when this
        # process analysed them, the analysis).
        self.in_flight: deque[tuple[list[tuple[Article, str]], Worker | list]] = deque()
        self.hashes_in_flight: set[str] = set()
        self.workers: list[Worker] = []
        self.frozen = False  # objects moved out of the garbage collector's reach while workers run
        self.submitted = 0
        self.indexed_ids: list[str] = []
        self.handed_over: set[str] = set()  # ids of the articles in the indexer's segment
        self.changed: set[str] = set()  # of those, the ones the votes have changed since
        self._writer = None

    def __enter__(self) -> "Ingest":
        self._open_writer()
        return self

    def _open_writer(self) -> None:
        """Take the index's write lock (after catching up what an earlier run left queued);
        if another process holds it past the timeout, store anyway and leave the index
        work queued."""
        try:
            self._writer = self.index.writer()
        except IndexBusy as busy:
            self.summary.notes.append(f"{busy}: the new articles are stored and will be indexed "
                                      "by the next command")
            return
        self.indexed_ids = write_queued(self.store, self._writer)

    def _commit(self) -> None:
        """Commit the index writer with the indexer's segment (the entities of the
        articles the votes changed as stored now) and the articles queued besides (those
        the votes changed that were indexed before: indexed again here, their first
        copies deleted), then drop the queue entries it covered."""
        indexer = self.indexer
        if indexer is not None:
            indexer.finish_segment(self.store.get_articles(sorted(self.changed)))  # while this process catches up
        self.handed_over, self.changed = set(), set()
        self.indexed_ids += write_queued(self.store, self._writer, besides=set(self.indexed_ids))
        segment = indexer.result() if indexer is not None else None
        self._writer.commit(segments=[segment] if segment is not None else [])
        self._writer = None
        self.store.dequeue(self.indexed_ids)
        self.indexed_ids = []

    @property
    def indexer(self) -> Worker | None:
        """The worker that writes the import's index segment: the first (None until the
        workers start)."""
        return self.workers[0] if self.workers else None

    def add(self, article: Article) -> None:
        self.batch.append(article)
        if len(self.batch) >= self.batch_size:
            self._submit(self.batch, full=True)
            self.batch = []
            self.batch_size = min(2 * self.batch_size, STORE_BATCH)
        self._store_ready()

    def stop(self) -> None:
        """Stop: the analysis under way ends (at the next article), batches not stored are
        dropped, and leaving the context commits what was stored. Safe in a signal handler."""
        self.stopping = True
        if self.stop_workers is not None:
            self.stop_workers.set()

    def __exit__(self, kind, error, traceback) -> None:
        try:
            if error is None:
                if not self.stopping:
                    self._submit(self.batch, full=False)
                self._store_all()
                if self._writer is not None:
                    self._commit()
        finally:
            failed = self._writer is not None
            if failed:
                with suppress(OSError):  # cancelling cleans up files, which a full disk may refuse
                    self._writer.cancel()
            for worker in self.workers:
                worker.stop(cancel=failed)
            if self.frozen:
                gc.unfreeze()

    def _submit(self, articles: list[Article], full: bool) -> None:
        """Drop duplicates, then send the rest for analysis (to a worker once it pays: a
        full batch, or any batch once the workers run)."""
        fresh = []
        for article in articles:
            digest = content_hash(article)
            if digest in self.hashes_in_flight or self.store.find_duplicate(digest, article.url):
                self.summary.duplicates += 1
                continue
            self.hashes_in_flight.add(digest)
            fresh.append((article, digest))
        self.on_progress(self.summary)
        if not fresh:
            return
        texts = [(article.title, article.body, article.language) for article, _ in fresh]
        if full or self.workers:  # the workers' model is loaded already
            worker = self._next_worker()
            worker.analyse(texts)
            self.in_flight.append((fresh, worker))
        else:
            self.in_flight.append((fresh, analyse_all(self.extractor, texts, lambda: self.stopping)))
        while len(self.in_flight) > BATCHES_AHEAD:
            self._store_oldest()
        if len(self.indexed_ids) >= COMMIT_EVERY:
            self._store_all()
            self._commit()
            self._open_writer()

    def _next_worker(self) -> Worker:
        """The workers in turn, started when first needed."""
        if not self.workers:
            self._start_workers()
        worker = self.workers[self.submitted % len(self.workers)]
        self.submitted += 1
        return worker

    def _start_workers(self) -> None:
        """Fork the workers from this process once the models are loaded and frozen out of
        the garbage collector, whose passes would otherwise write to (and so copy) every
        page holding them: the workers share those pages, and no server process is needed
        to hold them (the index's lock is not inherited: see index.directory). All start
        at once, before any queue's thread does: forking a process with threads can copy
        a lock while held."""
        analyse_all(self.extractor, [("Warm-up", "The models load on their first use, here.", None)], lambda: False)
        gc.freeze()
        self.frozen = True
        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
        self.stop_workers = context.Event()
        if self.stopping:
            self.stop_workers.set()
        self.workers = [Worker(context, self.extractor.name, self.index.path, self.stop_workers)
                        for _ in range(self.jobs)]

    def _store_all(self) -> None:
        while self.in_flight:
            self._store_oldest()

    def _store_ready(self) -> None:
        """Store the oldest batches whose analysis is back, without waiting for any."""
        while self.in_flight and is_ready(self.in_flight[0][1]):
            self._store_oldest()

    def _store_oldest(self) -> None:
        """Store the oldest analysed batch in one transaction and have it indexed (by the
        indexer, once the workers run)."""
        fresh, analysis = self.in_flight.popleft()
        results = analysis.result() if isinstance(analysis, Worker) else analysis
        if results is None:  # stopped before its analysis was done: not stored
            self.hashes_in_flight.difference_update(digest for _, digest in fresh)
            return
        now = utc_now()
        with self.store.transaction():
            for (article, digest), (entities, story_signature, language) in zip(fresh, results):
                article.id, article.imported_at, article.run_id = digest[:ID_LENGTH], now, self.summary.run_id
                article.entities, article.language = entities, language
                self.store.insert_article(article, digest, self.extractor.name)
                joined = self.store.stories.assign(article.id, Signature.from_bytes(story_signature),
                                                   article.published, article.body)
                article.story_id = joined.story_id if joined else article.id
        for article, digest in fresh:
            self.hashes_in_flight.discard(digest)
        if self._writer is not None:
            articles = [article for article, _ in fresh]
            if self.indexer is not None and self.index.builds_segments:
                self.indexer.index(articles)
                self.handed_over.update(article.id for article in articles)
            else:
                for article in articles:
                    self._writer.add(article)
            self.indexed_ids += [article.id for article in articles]
        if self.store.requeued:  # changed by the votes: the indexer's articles take their entities at the commit,
            self.changed |= self.store.requeued & self.handed_over  # the others are indexed again then (left queued)
            indexed_again = self.store.requeued - self.handed_over
            self.indexed_ids = [i for i in self.indexed_ids if i not in indexed_again]
            self.store.requeued.clear()
        self.summary.imported += len(fresh)
        self.on_progress(self.summary)
        release_free_memory()


def is_ready(analysis: Worker | list) -> bool:
    """Whether a batch's analysis is back: done here, or a reply waits from its worker."""
    return not isinstance(analysis, Worker) or analysis.has_reply()
