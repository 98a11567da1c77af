"""New segments written outside the process that holds the index's write lock.

An import's helper processes each analyse the articles they are given into a segment of
their own (Whoosh's SegmentWriter without the lock, as its MpWriter does, its postings
kept in memory by index.codec.pool and packed whole when it finishes); the process
holding the lock adds the finished segments to the index when it commits. Whoosh deletes
segment files that no commit names, so a builder only writes while that lock is held.
"""
from __future__ import annotations

from pathlib import Path

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

    def add(self, article: Article) -> None:
        if self._writer is None:
            self._writer = UnlockedSegmentWriter(open_index(self.path), segment_codec(), GroupedPostingPool())
        self._writer.add_document(**document_for(article, ENTITY_FIELDS))

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

