"""The full-text index: everything Whoosh lives behind `SearchIndex`.

The index is derived data: SQLite is the source of truth and the index can always be
rebuilt from it. `SearchIndex` is the one seam the core uses.

>>> index = SearchIndex(Path("kb/index"))
>>> index.recreate(); index.write(articles)
>>> page = index.search("IRS AND ICE", limit=10)
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

from index import directory
from index.documents import document_for
from index.highlight import make_snippets
from index.query import parse_query
from index.schema import ENTITY_FIELDS
from index.searching import SORTS, IndexHit, IndexPage, run_search
from kb.models import Article

__all__ = ["SearchIndex", "IndexHit", "IndexPage", "SORTS", "ENTITY_FIELDS", "make_snippets"]


class SearchIndex:
    """The Whoosh index of one knowledge base, kept in the directory `path`."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._ix = None

    def is_current(self) -> bool:
        """True if the directory holds an index of this version."""
        return directory.is_current(self.path)

    def recreate(self) -> None:
        """Replace whatever is on disk with an empty index."""
        self._ix = directory.create(self.path)

    @property
    def ix(self):
        if self._ix is None:
            self._ix = directory.open_index(self.path)
        return self._ix

    def write(self, articles: Iterable[Article], delete_ids: Iterable[str] = ()) -> None:
        """Add or replace `articles` and remove `delete_ids`, in one commit."""
        latest = {article.id: article for article in articles}  # one copy per id per writer
        writer = directory.open_writer(self.ix)
        try:
            for article_id in delete_ids:
                writer.delete_by_term("id", article_id)
            for article in latest.values():
                writer.update_document(**document_for(article, ENTITY_FIELDS))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    def rebuild(self, batches: Iterable[list[Article]]) -> int:
        """Index every article of `batches` into a freshly created index, in one commit."""
        self.recreate()
        writer = directory.open_writer(self.ix)
        count = 0
        try:
            for batch in batches:
                for article in batch:
                    writer.add_document(**document_for(article, ENTITY_FIELDS))
                count += len(batch)
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
        return count

    def search(self, text: str, *, limit: int = 10, offset: int = 0, sort: str = "relevance",
               facet_top: int = 10) -> IndexPage:
        """Parse and run `text`; raises QueryError for a query that cannot be read."""
        query = parse_query(text, self.ix.schema)
        with self.ix.searcher() as searcher:
            return run_search(searcher, query, limit=limit, offset=offset, sort=sort,
                              facet_fields=ENTITY_FIELDS if facet_top else (), facet_top=facet_top)

    def ids(self) -> set[str]:
        """The ids of every article in the index."""
        with self.ix.searcher() as searcher:
            return {fields["id"] for fields in searcher.all_stored_fields()}

    def close(self) -> None:
        if self._ix is not None:
            self._ix.close()
            self._ix = None
