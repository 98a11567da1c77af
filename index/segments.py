"""New segments written outside the process that holds the index's write lock.

An import's helper processes each analyse the articles they are given into a segment of
their own (Whoosh's SegmentWriter without the lock, as its MpWriter does); the process
holding the lock adds the finished segments to the index when it commits. Whoosh deletes
segment files that no commit names, so a builder only writes while that lock is held.
"""
from __future__ import annotations

from pathlib import Path

from index.directory import WRITER_MEMORY_MB, open_index, segment_codec
from index.documents import document_for
from index.schema import ENTITY_FIELDS
from index.segment_cache import LENGTH_OF_CODE
from index.whoosh_internals import UnlockedSegmentWriter, finish_segment
from kb.models import Article


class SegmentBuilder:
    """Writes articles into one new segment of the index at `path` at a time."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._writer: UnlockedSegmentWriter | None = None

    def add(self, article: Article) -> None:
        if self._writer is None:
            self._writer = UnlockedSegmentWriter(open_index(self.path), WRITER_MEMORY_MB, WholeLengths,
                                                 segment_codec())
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


class WholeLengths:
    """The new segment's field lengths, each field's taken whole from the codec's arrays,
    for the postings writer, which asks for the length of every posting (Whoosh's
    per-document reader reads the column once per posting: an eighth of the time of
    indexing)."""

    def __init__(self, arrays):
        self._arrays, self._lengths = arrays, {}

    def doc_field_length(self, docnum: int, fieldname: str, default=0):
        lengths = self._of_field(fieldname)
        return default if lengths is None else lengths[docnum]

    def doc_field_length_reader(self, fieldname: str, default=0):
        """doc_field_length of one field, as a function of the document number (whoosh3's
        postings writer asks for it, once per field)."""
        lengths = self._of_field(fieldname)
        return (lambda docnum: default) if lengths is None else lengths.__getitem__

    def _of_field(self, fieldname: str) -> list | None:
        if fieldname not in self._lengths:
            codes = self._arrays.length_codes(fieldname)
            self._lengths[fieldname] = None if codes is None else [LENGTH_OF_CODE[c] or None for c in codes.tolist()]
        return self._lengths[fieldname]
