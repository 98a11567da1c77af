"""Containers: gzip files, zip and tar archives, standard input, read as streams.

Nothing is ever extracted to disk: a member is read from the archive as a stream, and
its name (even `../../x` or `/etc/passwd`) is only a label, shown as the origin
`archive.zip:member/path`. A `Source` is anything readable with a display origin; the
registry parses a `Source` exactly like a plain file.

Zip bombs: a member may decompress to `MAX_MEMBER_BYTES` at most, and a member (or a
compressed stream) that expands more than `MAX_RATIO` times is refused once it passes
`RATIO_FLOOR`; both become a `Skipped` record with the reason.

>>> import zipfile
>>> with zipfile.ZipFile("news.zip", "w") as archive: archive.writestr("a.jsonl", "{}"); archive.writestr("b/c.json", "[]")
>>> [m.origin for m in members(Source.from_path("news.zip"), "zip")]
['news.zip:a.jsonl', 'news.zip:b/c.json']
"""
from __future__ import annotations

import gzip
import io
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Callable, Iterator

from kb.errors import InputError
from kb.models import Skipped

MAX_MEMBER_BYTES = 1 << 30  # 1 GiB decompressed, per member or per .gz file
MAX_RATIO = 100  # news text compresses 3-10 times; a bomb, thousands of times
RATIO_FLOOR = 8 << 20  # small members may compress absurdly well (a file of blanks) and do no harm
READ_SIZE = 1 << 16
GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz")
GZIP_SUFFIXES = (".gz", ".gzip")
PASSED_THROUGH = (".warc.gz",)  # the WARC importer reads gzip itself, record by record
STDIN = "-"


class OversizeError(InputError):
    """A member or compressed stream decompresses past the limits (a zip bomb?)."""


@dataclass(frozen=True)
class Source:
    """Something to parse: `origin` to show, `name` to choose a format by, `open` for its bytes.

    >>> with gzip.open("feed.jsonl.gz", "wt") as f: _ = f.write('{"title": "IRS"}')
    >>> source = Source("feed.jsonl.gz", "feed.jsonl", lambda: gzip.open("feed.jsonl.gz"))
    >>> str(source), source.name, source.open().read()
    ('feed.jsonl.gz', 'feed.jsonl', b'{"title": "IRS"}')
    """

    origin: str
    name: str
    open: Callable[[], BinaryIO]
    path: Path | None = None  # the file on disk, for a plain file (seekable, so zip archives can be read)
    # Its path under a folder named, or inside an archive, for --include/--exclude
    # (importers.selection); None for a file named on the command line.
    relative: str | None = None

    def __str__(self) -> str:
        return self.origin

    @classmethod
    def from_path(cls, path: str | Path, relative: str | None = None) -> "Source":
        path = Path(path)
        if str(path) == STDIN:
            return cls.stdin()
        return cls(str(path), path.name, lambda: path.open("rb"), path, relative)

    def member_path(self, name: str) -> str:
        """The `relative` of a member of this archive: `old/news.zip/a.jsonl`."""
        return f"{self.relative}/{name}" if self.relative is not None else name

    @classmethod
    def stdin(cls) -> "Source":
        """Standard input (`-`), read as bytes; its format is found by sniffing (or `--format`)."""
        return cls(STDIN, "", lambda: _Unclosed(sys.stdin.buffer if hasattr(sys.stdin, "buffer") else sys.stdin))


def container_kind(name: str, head: bytes) -> str | None:
    """"gzip", "zip" or "tar" for a container (by name, else by magic bytes), else None."""
    lower = name.lower()
    if lower.endswith(PASSED_THROUGH):
        return None
    if lower.endswith(".zip"):
        return "zip"
    if lower.endswith(TAR_SUFFIXES):
        return "tar"
    if lower.endswith(GZIP_SUFFIXES) or head.startswith(GZIP_MAGIC):
        return None if _gzipped_warc(head) else "gzip"
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head[257:262] == b"ustar":
        return "tar"
    return None


def _gzipped_warc(head: bytes) -> bool:
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, 64).startswith(b"WARC/")
    except zlib.error:
        return False


def inner_name(name: str) -> str:
    """The name of what a .gz file holds: `feed.jsonl.gz` -> `feed.jsonl`."""
    lower = name.lower()
    for suffix in GZIP_SUFFIXES:
        if lower.endswith(suffix):
            return name[: -len(suffix)]
    return name


def open_source(source: Source) -> tuple[BinaryIO, bytes]:
    """The stream of a source and its first bytes (for sniffing), which it still yields."""
    from importers import SNIFF_BYTES

    stream = source.open()
    if source.path is not None and hasattr(stream, "peek"):  # a file: peek gives a whole buffer
        return stream, stream.peek(SNIFF_BYTES)[:SNIFF_BYTES]
    head = b""
    while len(head) < SNIFF_BYTES:  # a pipe or a decompressor may give less than asked
        data = stream.read(SNIFF_BYTES - len(head))
        if not data:
            break
        head += data
    return io.BufferedReader(_Raw(stream, prefix=head), READ_SIZE), head


def members(source: Source, kind: str, stream: BinaryIO | None = None) -> Iterator[Source | Skipped]:
    """The members of a container as Sources (lazily, in archive order), or Skipped with a reason."""
    if kind == "gzip":
        yield _gzip_member(source, stream)
    elif kind == "zip":
        yield from _zip_members(source, stream)
    else:
        yield from _tar_members(source, stream)


def _gzip_member(source: Source, stream: BinaryIO | None) -> Source:
    def open_inner() -> BinaryIO:
        counted = _Raw(stream if stream is not None else source.open())
        return _Raw(gzip.GzipFile(fileobj=counted, mode="rb"), origin=source.origin,
                    limit=MAX_MEMBER_BYTES, compressed=counted)

    relative = inner_name(source.relative) if source.relative is not None else None
    return Source(source.origin, inner_name(source.name), open_inner, relative=relative)


def _zip_members(source: Source, stream: BinaryIO | None) -> Iterator[Source | Skipped]:
    import zipfile

    if source.path is None:
        yield Skipped(source.origin, "file", "zip archive not on disk (name the file, or use tar)")
        return
    try:
        archive = zipfile.ZipFile(source.path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as error:
        raise InputError(source.origin, f"not a readable zip archive ({error})") from None
    with archive:
        for info in archive.infolist():
            if info.is_dir() or _hidden(info.filename):
                continue
            origin = f"{source.origin}:{info.filename}"
            refused = _refused(info.file_size, info.compress_size)
            if refused:
                yield Skipped(origin, "file", refused)
                continue

            def open_member(info=info, origin=origin) -> BinaryIO:
                try:
                    return _Raw(archive.open(info), origin=origin, limit=MAX_MEMBER_BYTES)
                except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as error:  # encrypted, bad method
                    raise InputError(origin, f"unreadable zip member ({error})") from None

            yield Source(origin, PurePosixPath(info.filename).name, open_member,
                         relative=source.member_path(info.filename))


def _tar_members(source: Source, stream: BinaryIO | None) -> Iterator[Source | Skipped]:
    import tarfile

    counted = _Raw(stream if stream is not None else source.open())
    # Streamed ("r|*"): members in order, never seeking, so a .tar.gz is decompressed once.
    try:
        archive = tarfile.open(fileobj=_Raw(_decompressed(counted), origin=source.origin,
                                            limit=None, compressed=counted), mode="r|")
    except tarfile.TarError as error:
        raise InputError(source.origin, f"not a readable tar archive ({error})") from None
    with archive:
        try:
            for info in archive:
                if not info.isfile() or _hidden(info.name):
                    continue  # directories, links and devices hold no data of their own
                origin = f"{source.origin}:{info.name}"
                refused = _refused(info.size, None)
                if refused:
                    yield Skipped(origin, "file", refused)
                    continue
                member = archive.extractfile(info)
                yield Source(origin, PurePosixPath(info.name).name,
                             lambda member=member, origin=origin: _Raw(member, origin=origin, limit=MAX_MEMBER_BYTES),
                             relative=source.member_path(info.name))
        except (tarfile.TarError, EOFError, zlib.error, OSError) as error:
            yield Skipped(source.origin, "file", f"unreadable tar archive ({error})")


def _decompressed(counted: BinaryIO) -> BinaryIO:
    """The tar stream inside a compressed stream (gzip, bzip2, xz), by its magic bytes."""
    reader = io.BufferedReader(counted, READ_SIZE)
    magic = reader.peek(6)[:6]
    if magic.startswith(GZIP_MAGIC):
        return gzip.GzipFile(fileobj=reader, mode="rb")
    if magic.startswith(b"BZh"):
        import bz2
        return bz2.BZ2File(reader)
    if magic.startswith(b"\xfd7zXZ\x00"):
        import lzma
        return lzma.LZMAFile(reader)
    return reader


def _refused(size: int, compressed: int | None) -> str | None:
    if size > MAX_MEMBER_BYTES:
        return f"member over {_size(MAX_MEMBER_BYTES)} uncompressed"
    if compressed is not None and size > RATIO_FLOOR and size > MAX_RATIO * max(compressed, 1):
        return f"compression ratio over {MAX_RATIO}:1 (zip bomb?)"
    return None


def _size(count: int) -> str:
    return f"{count >> 30} GiB" if count >= 1 << 30 else f"{count:,} bytes"


def _hidden(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return not parts or parts[0] == "__MACOSX" or parts[-1].startswith(".")


class _Raw(io.RawIOBase):
    """A raw read-only view of a stream: counts the bytes read, may replay `prefix` first,
    and with `limit`/`compressed` refuses to read past a size or an expansion ratio."""

    def __init__(self, stream: BinaryIO, *, prefix: bytes = b"", origin: str = "", limit: int | None = None,
                 compressed: "_Raw | None" = None):
        self.stream, self.prefix, self.origin = stream, prefix, origin
        self.limit, self.compressed, self.count = limit, compressed, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self.prefix:
            size = min(len(buffer), len(self.prefix))
            buffer[:size], self.prefix = self.prefix[:size], self.prefix[size:]
        else:
            data = self.stream.read(len(buffer))
            size = len(data)
            buffer[:size] = data
        self.count += size
        self._check()
        return size

    def _check(self) -> None:
        if self.limit is not None and self.count > self.limit:
            raise OversizeError(self.origin, f"member over {_size(self.limit)} uncompressed")
        if (self.compressed is not None and self.count > RATIO_FLOOR
                and self.count > MAX_RATIO * max(self.compressed.count, 1)):
            raise OversizeError(self.origin, f"compression ratio over {MAX_RATIO}:1 (zip bomb?)")

    def tell(self) -> int:
        return self.count

    def close(self) -> None:
        if not self.closed:
            try:
                self.stream.close()
            finally:
                super().close()


class _Unclosed(io.RawIOBase):
    """Standard input, left open when the parser closes its stream."""

    def __init__(self, stream: BinaryIO):
        self.stream = stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self.stream.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)
