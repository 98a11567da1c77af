"""New segments written outside the process that holds the index's write lock.

An import's helper processes each analyse the articles they are given into a segment of
their own (Whoosh's SegmentWriter without the lock, as its MpWriter does, its postings
kept in memory by index.codec.pool and packed whole when it finishes); the process
holding the lock adds the finished segments to the index when it commits. Whoosh deletes
segment files that no commit names, so a builder only writes while that lock is held.

An article's entities can change after it is added (an import's votes change articles
of its earlier batches): a builder indexes the entity fields of its articles when it
finishes, with the entities then given for those that changed, so that no article is
analysed twice or left in the segment as a stale copy.
"""
from __future__ import annotations

from pathlib import Path
from types import MappingProxyType
from typing import Mapping

from whoosh.reading import SegmentReader
from whoosh.searching import Searcher

from index.codec.pool import GroupedPostingPool
from index.directory import open_index, segment_codec
from index.documents import document_for, entity_document
from index.schema import ENTITY_FIELDS
from index.whoosh_internals import UnlockedSegmentWriter, finish_segment
from kb.models import Article


class SegmentBuilder:
    """Writes articles into one new segment of the index at `path` at a time."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._writer: UnlockedSegmentWriter | None = None
        self._added: list[tuple[str, dict]] = []  # each document's article id and entity fields

    def add(self, article: Article) -> int:
        """Add an article (its entity fields are indexed by `finish`); returns its
        document number in the segment."""
        if self._writer is None:
            self._writer = UnlockedSegmentWriter(open_index(self.path), segment_codec(), GroupedPostingPool())
        docnum = self._writer.docnum
        self._writer.add_document(**document_for(article, entity_fields=()))
        self._added.append((article.id, entity_document(article, ENTITY_FIELDS)))
        return docnum

    def finish(self, changed: Mapping[str, Article] = MappingProxyType({})):
        """The segment written since the last call, for `IndexWriter.commit(segments=...)`,
        its articles' entity fields indexed now: those of the articles in `changed` (by
        id) as they are there. None if no article was added."""
        writer, self._writer, added, self._added = self._writer, None, self._added, []
        if writer is None:
            return None
        for docnum, (article_id, entities) in enumerate(added):
            if article_id in changed:
                entities = entity_document(changed[article_id], ENTITY_FIELDS)
            writer.add_late_fields(docnum, entities)
        return finish_segment(writer)

    def cancel(self) -> None:
        """Drop the segment being written (its files go at the next commit)."""
        writer, self._writer, self._added = self._writer, None, []
        if writer is not None:
            writer.cancel()


def delete_in_new_segments(writer, segments: list, query) -> None:
    """Mark the documents that `query` matches deleted in `segments` (built, not yet
    committed: Whoosh's writer deletes only in the index's segments), so that the commit
    adding them, and any merge of them, leaves those documents out."""
    for segment in segments:
        with Searcher(SegmentReader(writer.storage, writer.schema, segment)) as searcher:
            for docnum in searcher.docs_for_query(query):
                segment.delete_document(docnum)
