"""Writing into the OpenSearch index with the bulk API, in bounded chunks.

A writer fits the same crash-safe queue flow as the Whoosh one (kb.ingest,
kb.indexing.write_queued): adds, replacements and deletions are buffered, sent a chunk
at a time, and made visible by `commit` (a refresh); the queue entries go only after
it. Every document's `_id` is its article id, so replaying the queue after a crash
writes the same documents again and never doubles one.
"""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Callable, Iterable

from index.base import CommitsOnSuccess
from index.opensearch.client import ClusterUnavailable, cluster_errors, opensearchpy
from index.opensearch.mapping import document_for
from kb.models import Article

CHUNK = 500  # documents per bulk request (a few MB of pre-analysed text)


def index_action(index: str, article: Article) -> dict:
    return {"_op_type": "index", "_index": index, "_id": article.id, "_source": document_for(article)}


def delete_action(index: str, article_id: str) -> dict:
    return {"_op_type": "delete", "_index": index, "_id": article_id}


def raise_failures(results: Iterable[tuple[bool, dict]]) -> int:
    """Consume bulk results; raise ClusterUnavailable for the first failure (deleting
    what is not there is no failure). Returns how many actions were done."""
    done = 0
    for ok, item in results:
        (operation, answer), = item.items()
        if not ok and not (operation == "delete" and answer.get("status") == 404):
            error = answer.get("error") or answer
            reason = error.get("reason", error) if isinstance(error, dict) else error
            raise ClusterUnavailable(f"OpenSearch refused to {operation} article {answer.get('_id')}: {reason}")
        done += 1
    return done


class OpenSearchWriter(CommitsOnSuccess):
    """Buffered changes to the index `index` (an alias); as a context manager it commits
    on success and cancels on error."""

    def __init__(self, client, index: str, settings):
        self.client, self.index, self.settings = client, index, settings
        self._actions: list[dict] = []

    def add(self, article: Article) -> None:
        self._buffer(index_action(self.index, article))

    def replace(self, article: Article) -> None:
        self._buffer(index_action(self.index, article))  # the same _id: the old copy is replaced

    def delete(self, article_id: str) -> None:
        self._buffer(delete_action(self.index, article_id))

    def _buffer(self, action: dict) -> None:
        self._actions.append(action)
        if len(self._actions) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        """Send the buffered changes (not yet visible to searches: `commit`)."""
        actions, self._actions = self._actions, []
        if actions:
            helpers = opensearchpy().helpers
            with cluster_errors(self.settings):
                raise_failures(helpers.streaming_bulk(self.client, actions, chunk_size=CHUNK, raise_on_error=False,
                                                      max_retries=3))

    def commit(self, merge: bool = True, segments: Iterable = ()) -> None:
        """Send what is buffered and make every change visible. (`merge` and `segments`
        are the Whoosh writer's: OpenSearch merges segments itself.)"""
        self.flush()
        with cluster_errors(self.settings):
            self.client.indices.refresh(index=self.index)

    def cancel(self) -> None:
        """Drop what is buffered. Chunks sent already stay: the queue still holds their
        articles, and writing them again changes nothing."""
        self._actions = []


def bulk_index(client, settings, index: str, batches: Iterable[list[Article]], threads: int,
               on_progress: Callable[[int], None] | None = None) -> int:
    """Index every article of `batches` into `index`, each batch as bulk requests sent by
    `threads` threads at once. Batches are read here, one at a time: the store's
    connection belongs to this thread, and memory stays bounded by a batch. (Threads of
    concurrent.futures, not opensearch-py's parallel_bulk: its multiprocessing ThreadPool
    fixes the process's start method to fork, which the Whoosh backend's parallel
    rebuild must choose itself, see index.directory.) Returns the number indexed."""
    helpers, done = opensearchpy().helpers, 0

    def send(actions: list[dict]) -> int:
        return raise_failures(helpers.streaming_bulk(client, actions, chunk_size=CHUNK, raise_on_error=False,
                                                     max_retries=3))

    with cluster_errors(settings), ThreadPoolExecutor(max(1, threads), thread_name_prefix="kb-bulk") as pool:
        for batch in batches:
            actions = [index_action(index, article) for article in batch]
            size = max(50, min(CHUNK, -(-len(actions) // max(1, threads))))
            done += sum(pool.map(send, [actions[i:i + size] for i in range(0, len(actions), size)]))
            if on_progress is not None:
                on_progress(done)
    return done
