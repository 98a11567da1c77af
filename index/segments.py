"""New segments written outside the process that holds the index's write lock.

An import's helper processes each analyse the articles they are given into a segment of
their own (Whoosh's SegmentWriter without the lock, as its MpWriter does); the process
holding the lock adds the finished segments to the index when it commits. Whoosh deletes
segment files that no commit names, so a builder only writes while that lock is held.
"""
from __future__ import annotations

from pathlib import Path
from pickle import HIGHEST_PROTOCOL, dump, load

from whoosh.writing import PostingPool, SegmentWriter

from index.directory import WRITER_MEMORY_MB, open_index
from index.documents import document_for
from index.schema import ENTITY_FIELDS
from index.segment_cache import LENGTH_OF_CODE, length_codes
from kb.models import Article

RUN_CHUNK = 512  # postings per pickle in the pool's runs (a run being merged holds one chunk)


class SegmentBuilder:
    """Writes articles into one new segment of the index at `path` at a time."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._writer: SegmentWriter | None = None

    def add(self, article: Article) -> None:
        if self._writer is None:
            self._writer = _UnlockedWriter(open_index(self.path))
        self._writer.add_document(**document_for(article, ENTITY_FIELDS))

    def finish(self):
        """The segment written since the last call, for `IndexWriter.commit(segments=...)`;
        None if no article was added."""
        writer, self._writer = self._writer, None
        if writer is None:
            return None
        segment = writer._finalize_segment()  # noqa: SLF001 (as Whoosh's MpWriter does)
        writer.temp_storage().destroy()
        return segment

    def cancel(self) -> None:
        """Drop the segment being written (its files go at the next commit)."""
        writer, self._writer = self._writer, None
        if writer is not None:
            writer.cancel()


class _UnlockedWriter(SegmentWriter):
    """Whoosh's SegmentWriter without the lock, its temporary files in a folder of its
    own: Whoosh's writers share one, which each removes when it finishes or cancels,
    under the feet of the others."""

    def __init__(self, ix):
        super().__init__(ix, _lk=False, limitmb=WRITER_MEMORY_MB)
        self._tempstorage = self.storage.temp_storage(f"build-{self.newsegment.segment_id()}.tmp")
        self.pool = _ChunkedPostingPool(self._tempstorage, self.newsegment, limitmb=WRITER_MEMORY_MB)

    def _flush_segment(self):
        """Whoosh's, with the field lengths read whole for the postings writer."""
        self.perdocwriter.close()
        lengths = _WholeLengths(self.per_document_reader())
        self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
        self.fieldwriter.close()
        lengths.close()


class _ChunkedPostingPool(PostingPool):
    """Whoosh's posting pool, its sorted runs written and read back RUN_CHUNK postings
    per pickle: Whoosh pickles each posting alone, a fifth of the time of indexing."""

    def _write_run(self, f, items):
        chunk = []
        for item in items:
            chunk.append(item)
            if len(chunk) == RUN_CHUNK:
                dump(chunk, f, HIGHEST_PROTOCOL)
                chunk = []
        if chunk:
            dump(chunk, f, HIGHEST_PROTOCOL)
        f.close()

    def _read_run(self, path):
        f = self._open_run(path)
        try:
            while True:
                yield from load(f)
        except EOFError:
            return
        finally:
            f.close()
            self._remove_run(path)


class _WholeLengths:
    """The new segment's field lengths, each field's read whole, for the postings writer,
    which asks for the length of every posting (Whoosh's per-document reader reads the
    column once per posting: an eighth of the time of indexing)."""

    def __init__(self, per_document_reader):
        self._reader, self._lengths = per_document_reader, {}

    def doc_field_length(self, docnum: int, fieldname: str, default=0):
        if fieldname not in self._lengths:
            codes = length_codes(self._reader, fieldname, self._reader.doc_count_all())
            self._lengths[fieldname] = None if codes is None else [LENGTH_OF_CODE[c] or None for c in codes.tolist()]
        lengths = self._lengths[fieldname]
        return default if lengths is None else lengths[docnum]

    def close(self) -> None:
        self._reader.close()
