"""New segments written outside the process that holds the index's write lock.

An import's helper processes each analyse the articles they are given into a segment of
their own (Whoosh's SegmentWriter without the lock, as its MpWriter does, its postings
kept in memory by index.codec.pool and packed whole when it finishes); the process
holding the lock adds the finished segments to the index when it commits. Whoosh deletes
segment files that no commit names, so a builder only writes while that lock is held.
"""
from __future__ import annotations

from pathlib import Path

from whoosh.reading import SegmentReader
from whoosh.searching import Searcher

from index.codec.pool import GroupedPostingPool
from index.directory import open_index, segment_codec
from index.documents import document_for
from index.schema import ENTITY_FIELDS
from index.whoosh_internals import UnlockedSegmentWriter, finish_segment
from kb.models import Article


class SegmentBuilder:
    """Writes articles into one new segment of the index at `path` at a time."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._writer: UnlockedSegmentWriter | None = None

    def add(self, article: Article) -> int:
        """Add an article; returns its document number in the segment."""
        if self._writer is None:
            self._writer = UnlockedSegmentWriter(open_index(self.path), segment_codec(), GroupedPostingPool())
        docnum = self._writer.docnum
        self._writer.add_document(**document_for(article, ENTITY_FIELDS))
        return docnum

    def finish(self):
        """The segment written since the last call, for `IndexWriter.commit(segments=...)`;
        None if no article was added."""
        writer, self._writer = self._writer, None
        if writer is None:
            return None
        return finish_segment(writer)

    def cancel(self) -> None:
        """Drop the segment being written (its files go at the next commit)."""
        writer, self._writer = self._writer, None
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
