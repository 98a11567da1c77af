"""How the index's files are read: as needed, through the file system's cache.

Whoosh maps each compound segment file into memory and then copies every part it opens
(postings, terms, columns) into a BytesIO: a searcher held the whole index in its memory
(1.3 GB at 100,000 articles) and each process start copied it again. Without the map it
reads a part through a sub-file of the one open file, which offers pickle no look-ahead:
unpickling a postings block's header then took 19 small reads. Here sub-files offer it.
"""
from __future__ import annotations

from whoosh.filedb.compound import SubFile
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile


class IndexStorage(FileStorage):
    """Whoosh's file storage with no memory maps, whose files' parts can be read ahead."""

    def __init__(self, path: str):
        super().__init__(path, supports_mmap=False)

    def open_file(self, name, **kwargs):
        return _File(open(self._fpath(name), "rb"), name=name, **kwargs)


class _File(StructFile):
    """A segment's compound file, whose parts are _Parts."""

    def subset(self, offset, length, name=None):
        return StructFile(_Part(self.file, offset, length), name=name or self._name)


class _Part(SubFile):
    """Whoosh's sub-file (a part of a compound file), with look-ahead."""

    def peek(self, size: int = 1) -> bytes:
        """The bytes ahead, not consumed (pickle reads what it needs from them at once)."""
        self._file.seek(self._offset + self._pos)
        return self._file.peek(size)[:self._length - self._pos]
