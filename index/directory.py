"""The index directory on disk: created, opened, version-checked, written with a lock timeout
and newskb's codec (index.codec: every segment is written with it; a reader takes the
codec each segment was written with, which Whoosh keeps in the segment)."""
from __future__ import annotations

import os
import shutil
import weakref
from contextlib import suppress
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import LockError

from index.codec import PackedCodec
from index.schema import INDEX_VERSION, build_schema
from index.storage import IndexStorage
from kb.errors import StoreError

VERSION_FILE = "newskb-index-version"
WRITE_LOCK_TIMEOUT = 30.0
WRITER_MEMORY_MB = 8


def is_current(path: Path) -> bool:
    """True if `path` holds an index of this version that Whoosh can open."""
    return found_version(path) == INDEX_VERSION and whoosh_index.exists_in(str(path))


def found_version(path: Path) -> int | None:
    """The version of the index at `path` (None where there is none, or no version file)."""
    try:
        return int((path / VERSION_FILE).read_text())
    except (OSError, ValueError):
        return None


def segment_codec() -> PackedCodec:
    """The codec every segment newskb writes is written with (new, merged or optimized)."""
    return PackedCodec()


def stamp(path: Path):
    """What changes when the index at `path` is replaced, rewritten or committed to: the
    version file's identity and time, and the names of its table-of-contents files."""
    try:
        version = (path / VERSION_FILE).stat()
        tables = sorted(name for name in os.listdir(path) if name.endswith(".toc"))
    except OSError:
        return None
    return version.st_ino, version.st_mtime_ns, tables


class IndexBusy(StoreError):
    """Another process holds the index's write lock."""


def create(path: Path):
    """Create an empty index at `path`, replacing whatever was there."""
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    ix = IndexStorage(str(path)).create_index(build_schema())
    (path / VERSION_FILE).write_text(f"{INDEX_VERSION}\n")
    return ix


def staging_path(path: Path) -> Path:
    """Where a replacement index is built before it takes `path`'s place."""
    return path.with_name(f"{path.name}.new-{os.getpid()}")


def swap_in(staged: Path, path: Path) -> None:
    """Put the index built at `staged` in place of `path` (readers of the old one keep
    their open files); the old one is removed."""
    retired = path.with_name(f"{path.name}.old-{os.getpid()}")
    if path.exists():
        path.rename(retired)
    staged.rename(path)
    shutil.rmtree(retired, ignore_errors=True)


def open_index(path: Path):
    """The index at `path`, its files read as needed (see index.storage)."""
    return IndexStorage(str(path)).open_index()


# The write locks this process holds through open_writer, closed in forked children: a
# flock stays held while any process keeps its file open, so a child that outlived its
# killed parent would otherwise keep the index locked.
_HELD_LOCKS: weakref.WeakSet = weakref.WeakSet()


def _close_inherited_locks() -> None:
    for lock in list(_HELD_LOCKS):
        if getattr(lock, "fd", None) is not None:
            with suppress(OSError):
                os.close(lock.fd)
            lock.fd = None
    _HELD_LOCKS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_inherited_locks)


def open_writer(ix, wait: bool = True, procs: int = 1):
    """A writer, waiting up to WRITE_LOCK_TIMEOUT seconds for another process's write lock
    (or not at all); with `procs` > 1, documents are analysed in that many processes, one
    new segment each. Raises IndexBusy when the lock stays taken."""
    # Whoosh buffers postings up to `limitmb` in each writing process before spilling to
    # disk; measured on 6,000 articles, 8 MB rather than 16 saved 7 MB a process at no
    # cost in speed.
    options = {"procs": procs, "multisegment": True} if procs > 1 else {}  # (the helpers get the codec too)
    if procs > 1:
        _start_processes_cleanly()
    timeout = WRITE_LOCK_TIMEOUT if wait else 0.0
    try:
        writer = ix.writer(timeout=timeout, limitmb=WRITER_MEMORY_MB, codec=segment_codec(), **options)
    except LockError:
        raise IndexBusy(f"the index is being written by another process (waited {timeout:.0f}s)") from None
    _HELD_LOCKS.add(writer.writelock)
    return writer


def _start_processes_cleanly() -> None:
    """Whoosh's writing processes (its MpWriter takes multiprocessing's default start
    method) start from a clean server, not forked from this process with its open
    database, searchers and caches; unless the program chose a start method itself."""
    import multiprocessing  # here: a search needn't load it

    if multiprocessing.get_start_method(allow_none=True) is None:
        methods = multiprocessing.get_all_start_methods()
        multiprocessing.set_start_method("forkserver" if "forkserver" in methods else "spawn")
