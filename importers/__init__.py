"""Importer registry: every source format behind one small interface.

An importer is an `Importer` value whose `parse(stream, origin=...)` reads a binary
stream and yields `Article`s (or `Skipped` records with a reason). Parsers are pure:
no network, no database. Each built-in module in `BUILTIN_MODULES` offers an
`IMPORTER` (or several as `IMPORTERS`); third parties publish an `Importer` under the
`newskb.importers` entry-point group, and the registry loads both alike.

>>> Path("news").mkdir()
>>> _ = Path("news/a.jsonl").write_text('{"title": "IRS shares data", "body": "The IRS shared data with ICE."}')
>>> [record.title for source in iter_sources(["news/"]) for record in parse_file(source)]
['IRS shares data']
"""
from __future__ import annotations

import importlib
import sys
import zlib
from dataclasses import dataclass
from functools import lru_cache
from importlib.metadata import entry_points
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, BinaryIO, Callable, Iterable, Iterator, Mapping, Union

from importers.selection import Selection
from kb.errors import InputError
from kb.models import Article, Skipped

if TYPE_CHECKING:
    from importers.containers import Source

Record = Union[Article, Skipped]
ENTRY_POINT_GROUP = "newskb.importers"
BUILTIN_MODULES = (
    "importers.scraped_text", "importers.json_records", "importers.json_lines", "importers.delimited",
    "importers.html_page", "importers.feeds", "importers.warc_records", "importers.reuters_sgml",
)
SNIFF_BYTES = 4096
MAX_NESTING = 3  # an archive in an archive in an archive, at most


@dataclass(frozen=True)
class Importer:
    """One source format: its name, file extensions, content sniffer and parser."""

    name: str
    description: str
    extensions: tuple[str, ...]
    parse: Callable[..., Iterator[Record]]  # parse(stream: BinaryIO, *, origin: str)
    sniff: Callable[[bytes], bool] | None = None  # True if the first bytes look like this format
    mapped: Callable[[Mapping[str, str]], "Importer"] | None = None  # the same, reading fields from named columns


def module_importers(module) -> tuple[Importer, ...]:
    """The importers a module offers: its `IMPORTERS`, else its one `IMPORTER`."""
    return getattr(module, "IMPORTERS", None) or (module.IMPORTER,)


def registry() -> dict[str, Importer]:
    """All importers by name: the built-ins, then those published as entry points."""
    return dict(_registry(tuple(sys.path)))


@lru_cache(maxsize=4)
def _registry(search_path: tuple[str, ...]) -> dict[str, Importer]:
    """The registry as the distributions on `search_path` make it: reading the entry points
    of every installed distribution took 60 ms, for each file of a folder import."""
    modules = [importlib.import_module(name) for name in BUILTIN_MODULES]
    importers = [importer for module in modules for importer in module_importers(module)]
    importers += [entry.load() for entry in entry_points(group=ENTRY_POINT_GROUP)]
    return {importer.name: importer for importer in importers}


def detect(path: PurePosixPath | Path, head: bytes, importers: dict[str, Importer]) -> Importer | None:
    """Choose the importer for a file by its extension, else by sniffing its first bytes."""
    suffixes = {path.suffix.lower(), "".join(path.suffixes[-2:]).lower()}  # .gz and .warc.gz
    by_extension = [imp for imp in importers.values() if suffixes & set(imp.extensions)]
    for importer in by_extension:
        if importer.sniff is None or importer.sniff(head):
            return importer
    for importer in importers.values():
        if importer.sniff is not None and importer.sniff(head):
            return importer
    return by_extension[0] if by_extension else None


def iter_sources(paths: Iterable[str | Path]) -> Iterator[Source]:
    """The files named, and the files under the folders named (with their path there as
    `relative`), in a stable order; `-` is standard input. Archives stay one item each:
    `parse_file` reads their members."""
    from importers.containers import STDIN, Source

    paths = [Path(path) for path in paths]
    require_paths(paths)
    for path in paths:
        if str(path) == STDIN:
            yield Source.stdin()
        elif path.is_dir():
            for found in sorted(path.rglob("*")):
                if found.is_file() and not found.name.startswith("."):
                    yield Source.from_path(found, relative=found.relative_to(path).as_posix())
        else:
            yield Source.from_path(path)


def require_paths(paths: Iterable[str | Path]) -> None:
    """Raise InputError for the first path that names nothing (`-` is standard input)."""
    from importers.containers import STDIN

    for path in map(Path, paths):
        if str(path) != STDIN and not path.exists():
            raise InputError(str(path), "no such file or folder")


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path | Source]:
    """`iter_sources` as paths (standard input stays a `Source`)."""
    for source in iter_sources(paths):
        yield source.path if source.path is not None else source


def parse_file(path: Path | str | Source, format: str | None = None, mapping: Mapping[str, str] | None = None,
               selection: Selection = Selection(), source: str | None = None,
               language: str | None = None) -> Iterator[Record]:
    """Parse one file (or archive, or `Source`) with the importer chosen by `format`, else by
    detection; `mapping` names the column of each field ({"body": "text"}) for formats that
    take one. Archive members and .gz files are read as streams, each by its own format;
    a file found in a folder or archive that `selection` leaves out is Skipped with the
    reason; every article passes through `importers.finish` (size limit; `source` and
    `language` for the articles that give none).

    >>> import gzip
    >>> with gzip.open("news.jsonl.gz", "wt") as f: _ = f.write('{"title": "IRS shares data", "body": "IRS data."}')
    >>> [article.title for article in parse_file("news.jsonl.gz")]
    ['IRS shares data']
    """
    from importers.containers import Source
    from importers.finish import finished

    file_source = path if isinstance(path, Source) else Source.from_path(path)
    importers = registry()
    if format is not None and format not in importers:
        raise InputError(file_source.origin, f"unknown format {format!r} (see `kb importers`)")
    yield from finished(parse_source(file_source, importers, format, mapping, selection), source, language)


def parse_source(source: Source, importers: dict[str, Importer], format: str | None = None,
                 mapping: Mapping[str, str] | None = None, selection: Selection = Selection(),
                 depth: int = 0) -> Iterator[Record]:
    """The records of one source: a plain stream by its importer, a container member by member.

    A member that cannot be read is Skipped with the reason, and the archive goes on.
    """
    from importers import containers

    stream, head = containers.open_source(source)
    with stream:
        kind = None if format == "warc" else containers.container_kind(source.name, head)
        if kind is None:
            refusal = selection.refusal(source.relative)
            if refusal:
                yield Skipped(source.origin, "file", refusal)
            else:
                yield from _parse_stream(source, stream, head, importers, format, mapping)
            return
        if depth >= MAX_NESTING:
            yield Skipped(source.origin, "file", "archive nested too deep")
            return
        for member in containers.members(source, kind, stream):
            if isinstance(member, Skipped):
                yield member
                continue
            try:
                yield from parse_source(member, importers, format, mapping, selection, depth + 1)
            except containers.OversizeError as error:
                yield Skipped(error.origin, "file", error.message)
                if error.origin == source.origin:  # the archive's own stream: nothing after it is safe
                    return
            except InputError as error:
                if kind == "gzip":  # one file, compressed: its failure is the file's
                    raise
                yield Skipped(member.origin, f"line {error.line}" if error.line else "file", error.message)
            except (OSError, EOFError, zlib.error) as error:
                if kind == "gzip":
                    raise InputError(source.origin, f"not a readable gzip file ({error})") from None
                yield Skipped(member.origin, "file", f"unreadable archive member ({error})")


def _parse_stream(source: Source, stream: BinaryIO, head: bytes, importers: dict[str, Importer],
                  format: str | None, mapping: Mapping[str, str] | None) -> Iterator[Record]:
    from importers.normalise import BINARY_FILE, looks_binary

    name = PurePosixPath(source.name or "-")
    importer = importers[format] if format is not None else detect(name, head, importers)
    if importer is None and not source.name:  # piped text with no recognisable shape: an article as text
        importer = importers.get("text")
    recognised = importer is not None and importer.sniff is not None and importer.sniff(head)
    if not recognised and looks_binary(head):
        yield Skipped(source.origin, "file", BINARY_FILE)
        return
    if importer is None:
        yield Skipped(source.origin, "file", f"unknown format ({name.suffix or 'no extension'})")
        return
    if mapping:
        if importer.mapped is None:
            raise InputError(source.origin, f"the {importer.name} format takes no column mapping")
        importer = importer.mapped(mapping)
    yield from importer.parse(stream, origin=source.origin)
