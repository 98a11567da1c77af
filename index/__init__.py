"""The full-text index: everything Whoosh lives behind `SearchIndex`.

The index is derived data: SQLite is the source of truth and the index can always be
rebuilt from it. `SearchIndex` is the one seam the core uses.

>>> index = SearchIndex(Path("index"))
>>> index.rebuild([[Article("IRS shares data", "The IRS shared data with ICE.", id="a1")]])
1
>>> [hit.id for hit in index.search("IRS AND ICE", limit=10).hits]
['a1']
"""
from __future__ import annotations

import logging
import shutil
from contextlib import suppress
from pathlib import Path
from typing import Callable, Iterable

# First: it hides Whoosh's compile-time warnings, and checks the installed Whoosh.
from index.whoosh_internals import segment_list  # isort: skip

import numpy as np
from whoosh import query as wq

from index import directory
from index.base import CommitsOnSuccess
from index.directory import IndexBusy
from index.counting import count_matches, periods_between
from index.documents import document_for
from index.facets import column_values
from index.filters import filter_for, with_entity_names
from index.highlight import highlight_all, make_snippets
from index.matching import all_matches
from index.merging import merge_everything, merge_policy
from index.query import check_expansions, operator_hints, parse_query
from index.schema import ENTITY_FIELDS, INDEX_VERSION
from index.spelling import suggest_query
from index.searching import IndexHit, IndexPage, query_marks, run_search
from index.segments import SegmentBuilder, delete_in_new_segments
from index.settings import IndexSettings
from kb.errors import NotFoundError
from kb.models import Article, SearchFilters

__all__ = ["SearchIndex", "IndexWriter", "IndexSettings", "open_search_index", "SegmentBuilder", "IndexBusy", "IndexHit", "IndexPage",
           "periods_between", "ENTITY_FIELDS",
           "make_snippets", "highlight_all", "operator_hints"]

SIMILAR_TERMS = 25
LOGGER = logging.getLogger(__name__)
LOGGER.addHandler(logging.NullHandler())


DELETED_TOGETHER = 1000  # article ids a deletion query names


class IndexWriter(CommitsOnSuccess):
    """One open Whoosh writer (holding the index's write lock): add new articles, replace
    or delete others, then `commit()` or `cancel()`; as a context manager it commits on
    success and cancels on error."""

    def __init__(self, writer, path: Path | None = None):
        """`writer`: Whoosh's; with the index's `path`, the articles added go into a
        SegmentBuilder of this process (their postings packed whole, as an import's
        workers write theirs; Whoosh's writer takes a posting at a time), committed with
        the writer's changes. Without (a writer of several processes), into `writer`."""
        self._writer = writer
        self._builder = SegmentBuilder(path) if path is not None else None
        self._deleted: list[str] = []  # ids whose copies in the index go at the commit
        self._built: dict[str, list[int]] = {}  # ids added to the builder -> their document numbers there
        self._built_deleted: list[int] = []  # of those, the ones deleted after

    def add(self, article: Article) -> None:
        """Add an article whose id is not in the index yet."""
        if self._builder is not None:
            self._built.setdefault(article.id, []).append(self._builder.add(article))
        else:
            self._writer.add_document(**document_for(article, ENTITY_FIELDS))

    def replace(self, article: Article) -> None:
        """Add an article, removing every copy of it already in the index (Whoosh's own
        update_document removes only the first)."""
        self.delete(article.id)
        self.add(article)

    def delete(self, article_id: str) -> None:
        """Remove every copy of an article the index holds (when the writer commits),
        those this writer added before too."""
        self._deleted.append(article_id)
        self._built_deleted += self._built.pop(article_id, [])

    def commit(self, merge: bool = True, segments: Iterable = ()) -> None:
        """Make the changes visible, with the `segments` that SegmentBuilders finished
        (the writer's deletions apply to them too, and to its own articles added before);
        with `merge`, they are merged into one segment, and small segments are merged
        too (see index.merging). Deletions are looked up DELETED_TOGETHER at a time:
        Whoosh's writer opens every segment's reader again for each lookup."""
        segments = list(segments)
        for first in range(0, len(self._deleted), DELETED_TOGETHER):
            chosen = wq.Or([wq.Term("id", article_id) for article_id in self._deleted[first:first + DELETED_TOGETHER]])
            self._writer.delete_by_query(chosen)
            delete_in_new_segments(self._writer, segments, chosen)
        self._deleted = []
        built = self._builder.finish() if self._builder is not None else None
        for docnum in self._built_deleted:
            built.delete_document(docnum)
        self._built, self._built_deleted = {}, []
        self._writer.commit(mergetype=merge_policy(merge, [*segments, *([built] if built else [])]))

    def cancel(self) -> None:
        if self._builder is not None:
            self._builder.cancel()
        self._writer.cancel()


class SearchIndex:
    """The Whoosh index of one knowledge base, kept in the directory `path`.

    `entity_names(type, name)` gives every name of the entity a query names (the store
    keeps them: aliases grow after articles are indexed); without it, names are taken
    as written."""

    builds_segments = True  # import workers write segments for the writer's commit (index.segments)

    def __init__(self, path: Path, entity_names: Callable[[str, str], list[str]] | None = None):
        self.path = Path(path)
        self.entity_names = entity_names
        self._ix = None
        self._searcher = None
        self._checked: tuple[object, bool] | None = None  # (the files' stamp, is_current then)

    def is_current(self) -> bool:
        """True if the directory holds an index of this version; checked again only once
        its files have changed (opening the index to check costs a millisecond a search)."""
        stamp = directory.stamp(self.path)
        if self._checked is None or self._checked[0] != stamp:
            self._checked = (stamp, directory.is_current(self.path))
        return self._checked[1]

    def recreate(self) -> None:
        """Replace whatever is on disk with an empty index."""
        self.close()
        self._ix = directory.create(self.path)

    def delete(self) -> None:
        """Remove the index directory (when the knowledge base moves to another backend)."""
        self.close()
        shutil.rmtree(self.path, ignore_errors=True)

    @property
    def ix(self):
        if self._ix is None:
            self._ix = directory.open_index(self.path)
        return self._ix

    def searcher(self):
        """A searcher kept open between searches (opening segment files costs milliseconds),
        replaced by a new one when another commit has changed the index. (Not by
        Searcher.refresh(): whoosh3's keeps the readers of segments that a merge has
        removed, counting their documents twice; Whoosh 2.7's reuses no reader anyway.)"""
        if self._searcher is not None and not self._searcher.up_to_date():
            self._searcher.close()
            self._searcher = None
        if self._searcher is None:
            self._searcher = self.ix.searcher()
        return self._searcher

    # writing ---------------------------------------------------------------------------
    def writer(self, *, procs: int = 1, wait: bool = True) -> IndexWriter:
        """The index's writer, waiting for another process's lock (or not: IndexBusy)."""
        return IndexWriter(directory.open_writer(self.ix, wait=wait, procs=procs), self.path if procs == 1 else None)

    def optimize(self) -> int:
        """Merge every segment into one (fastest queries); returns the segments there were."""
        before = self.segment_count()
        directory.open_writer(self.ix).commit(mergetype=merge_everything)
        return before

    def segment_count(self) -> int:
        return len(segment_list(self.ix))

    def rebuild(self, batches: Iterable[list[Article]], procs: int = 1,
                on_progress: Callable[[int], None] | None = None) -> int:
        """Index every article of `batches` into a new index built beside this one, then
        swap it in. The old index's write lock is held meanwhile, so no other process
        writes into an index about to be replaced. An index of another version (written
        by an older newskb) is logged as rebuilt, in one line."""
        found = directory.found_version(self.path)
        if found is not None and found != INDEX_VERSION:
            LOGGER.warning("Rebuilding the index from SQLite: it is of index version %s, this newskb writes "
                           "version %s", found, INDEX_VERSION)
        guard = self.writer() if self.is_current() else None
        staged = directory.staging_path(self.path)
        staged_index, count = SearchIndex(staged), 0
        try:
            staged_index.recreate()
            with staged_index.writer(procs=procs) as writer:
                for batch in batches:
                    for article in batch:
                        writer.add(article)
                    count += len(batch)
                    if on_progress is not None:
                        on_progress(count)
            staged_index.close()
            self.close()
            directory.swap_in(staged, self.path)
        finally:
            staged_index.close()
            if staged.exists():
                shutil.rmtree(staged, ignore_errors=True)
            if guard is not None:
                with suppress(OSError):  # its directory is gone with the old index
                    guard.cancel()
        return count

    # reading ---------------------------------------------------------------------------
    def parse(self, text: str, searcher) -> wq.Query:
        """Parse `text` and refuse unbounded wildcard/fuzzy expansions (QueryError)."""
        query = parse_query(text, searcher.schema)  # ix.schema re-reads the table of contents
        check_expansions(query, searcher.reader())
        return with_entity_names(query, self.entity_names) if self.entity_names else query

    def validate(self, text: str) -> None:
        """Raise QueryError if `text` cannot be read."""
        self.parse(text, self.searcher())

    def filter(self, filters: SearchFilters | None, searcher):
        return filter_for(filters, searcher, self.entity_names)

    def search(self, text: str, *, filters: SearchFilters | None = None, limit: int = 10, offset: int = 0,
               sort: str = "relevance", facet_top: int = 10, facet_fields: tuple[str, ...] = ENTITY_FIELDS,
               collapse: bool = False) -> IndexPage:
        """Parse and run `text`; raises QueryError for a query that cannot be read."""
        searcher = self.searcher()
        return run_search(searcher, self.parse(text, searcher), filter=self.filter(filters, searcher),
                          limit=limit, offset=offset, sort=sort,
                          facet_fields=facet_fields if facet_top else (), facet_top=facet_top,
                          collapse=collapse)

    def count(self, text: str, by: str, filters: SearchFilters | None = None) -> list[tuple[str, int]]:
        """Matching articles per bucket (see `kb.vocabulary.BUCKETS`)."""
        searcher = self.searcher()
        return count_matches(searcher, self.parse(text, searcher), by, self.filter(filters, searcher))

    def matching_ids(self, text: str, filters: SearchFilters | None = None) -> list[str]:
        """The ids of every article matching `text` (unranked)."""
        searcher = self.searcher()
        matches = all_matches(searcher, self.parse(text, searcher), self.filter(filters, searcher))
        return [searcher.stored_fields(docnum)["id"] for docnum in matches.ids.tolist()]

    def marks_in(self, article_id: str, text: str) -> IndexHit:
        """What of query `text` to mark in article `article_id`: an IndexHit whose terms,
        phrases and entities are empty if the article does not match."""
        searcher = self.searcher()
        query = self.parse(text, searcher)
        if not len(all_matches(searcher, wq.And([query, wq.Term("id", article_id)])).ids):
            return IndexHit(article_id, 0.0)
        return IndexHit(article_id, 0.0, **query_marks(query, searcher.reader()))

    def similar(self, article_id: str, body: str, limit: int = 10) -> list[IndexHit]:
        """Articles most like this one (its most distinctive body terms, searched)."""
        searcher = self.searcher()
        docnum = searcher.document_number(id=article_id)
        if docnum is None:
            raise NotFoundError(f"no article with id {article_id!r} in the index")
        hits = searcher.more_like(docnum, "body", text=body, top=limit, numterms=SIMILAR_TERMS)
        return [IndexHit(hit["id"], float(hit.score or 0.0)) for hit in hits]

    def suggest(self, text: str) -> list[str]:
        """The query with each unknown word replaced by the closest indexed word (or nothing)."""
        searcher = self.searcher()
        suggestion = suggest_query(searcher.reader(), "body", text)
        return [suggestion] if suggestion else []

    def ids(self) -> set[str]:
        """The ids of every article in the index."""
        return set(self.id_counts())

    def id_counts(self) -> dict[str, int]:
        """How many live documents the index holds for each article id (1, unless damaged)."""
        counts: dict[str, int] = {}
        for fields in self.searcher().all_stored_fields():
            counts[fields["id"]] = counts.get(fields["id"], 0) + 1
        return counts

    def entity_names_by_article(self) -> dict[str, dict[str, list[str]]]:
        """The entity names each live document holds, by type (lower case, as indexed)."""
        searcher = self.searcher()
        live = [(docnum, fields["id"]) for docnum, fields in searcher.reader().iter_docs()]  # in order
        docnums, ids = np.array([d for d, _ in live], dtype=np.int64), [i for _, i in live]
        found: dict[str, dict[str, list[str]]] = {article_id: {} for article_id in ids}
        for field in ENTITY_FIELDS:
            for article_id, names in zip(ids, column_values(searcher, field, docnums)):
                if names:
                    found[article_id][field] = [name.decode("utf-8") for name in names]
        return found

    def close(self) -> None:
        if self._searcher is not None:
            self._searcher.close()
            self._searcher = None
        if self._ix is not None:
            self._ix.close()
            self._ix = None


def open_search_index(settings: IndexSettings, path: Path,
                      entity_names: Callable[[str, str], list[str]] | None = None):
    """The index of a knowledge base whose index settings are `settings` and whose index
    folder is `path`: Whoosh there, or the OpenSearch index the settings name.

    >>> open_search_index(IndexSettings(), Path("kb/index")).path
    PosixPath('kb/index')
    """
    if settings.backend == "opensearch":
        from index.opensearch import OpenSearchIndex  # the client loads only for knowledge bases on OpenSearch

        return OpenSearchIndex(settings, entity_names, path)
    return SearchIndex(path, entity_names=entity_names)
