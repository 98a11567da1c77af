"""How the index's files are read: as needed, through the file system's cache.

Whoosh maps each compound segment file into memory and then copies every part it opens
(postings, terms, columns) into a BytesIO: a searcher held the whole index in its memory
(1.3 GB at 100,000 articles) and each process start copied it again. Without the map it
reads a part through a sub-file of the one open file, which offers pickle no look-ahead:
unpickling a postings block's header then took 19 small reads. Here sub-files offer it.

Files are written through a file that counts what it writes: Whoosh's term dictionary
asks where it is (tell) twice a term, a system call each on a plain file.
"""
from __future__ import annotations

import os

from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile

from index.whoosh_internals import ReadAheadFile


class IndexStorage(FileStorage):
    """Whoosh's file storage with no memory maps, whose files' parts can be read ahead,
    and whose new files know where they are without asking the system."""

    def __init__(self, path: str):
        super().__init__(path, supports_mmap=False)

    def open_file(self, name, **kwargs):
        return ReadAheadFile(open(os.path.abspath(os.path.join(self.folder, name)), "rb"), name=name, **kwargs)

    def create_file(self, name, excl=False, mode="wb", **kwargs):
        created = super().create_file(name, excl=excl, mode=mode, **kwargs)
        return StructFile(CountingFile(created.raw_file()), name=name, **kwargs)


class CountingFile:
    """A new binary file written from its start (buffered), which keeps its position
    itself: tell() without a system call.

    >>> import io
    >>> out = CountingFile(io.BytesIO())
    >>> out.write(b"abc"), out.tell(), out.seek(1), out.write(b"Z"), out.tell()
    (3, 3, 1, 1, 2)
    """

    def __init__(self, file):
        self.file, self.position = file, file.tell()

    def write(self, data) -> int:
        written = self.file.write(data)
        self.position += written
        return written

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = 0) -> int:
        self.position = self.file.seek(offset, whence)
        return self.position

    def flush(self) -> None:
        self.file.flush()

    def fileno(self) -> int:
        return self.file.fileno()

    def close(self) -> None:
        self.file.close()

    @property
    def closed(self) -> bool:
        return self.file.closed
