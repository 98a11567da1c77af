"""How the index's files are read: as needed, through the file system's cache.

Whoosh maps each compound segment file into memory and then copies every part it opens
(postings, terms, columns) into a BytesIO: a searcher held the whole index in its memory
(1.3 GB at 100,000 articles) and each process start copied it again. Without the map it
reads a part through a sub-file of the one open file, which offers pickle no look-ahead:
unpickling a postings block's header then took 19 small reads. Here sub-files offer it.
"""
from __future__ import annotations

import os

from whoosh.filedb.filestore import FileStorage

from index.whoosh_internals import ReadAheadFile


class IndexStorage(FileStorage):
    """Whoosh's file storage with no memory maps, whose files' parts can be read ahead."""

    def __init__(self, path: str):
        super().__init__(path, supports_mmap=False)

    def open_file(self, name, **kwargs):
        return ReadAheadFile(open(os.path.abspath(os.path.join(self.folder, name)), "rb"), name=name, **kwargs)

