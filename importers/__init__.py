"""Importer registry: every source format behind one small interface.

An importer is an `Importer` value whose `parse(stream, origin=...)` reads a binary
stream and yields `Article`s (or `Skipped` records with a reason). Parsers are pure:
no network, no database. Each built-in module in `BUILTIN_MODULES` offers an
`IMPORTER` (or several as `IMPORTERS`); third parties publish an `Importer` under the
`newskb.importers` entry-point group, and the registry loads both alike.

>>> for path in iter_files(["news/"]):
...     for record in parse_file(path):
...         print(record.title)
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import BinaryIO, Callable, Iterable, Iterator, Mapping, Union

from kb.errors import InputError
from kb.models import Article, Skipped

Record = Union[Article, Skipped]
ENTRY_POINT_GROUP = "newskb.importers"
BUILTIN_MODULES = (
    "importers.scraped_text", "importers.json_records", "importers.json_lines", "importers.delimited",
    "importers.html_page", "importers.feeds", "importers.warc_records", "importers.reuters_sgml",
)
SNIFF_BYTES = 4096


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
    modules = [importlib.import_module(name) for name in BUILTIN_MODULES]
    importers = [importer for module in modules for importer in module_importers(module)]
    importers += [entry.load() for entry in entry_points(group=ENTRY_POINT_GROUP)]
    return {importer.name: importer for importer in importers}


def detect(path: Path, head: bytes, importers: dict[str, Importer]) -> Importer | None:
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


def iter_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Yield the files named, and the files under the folders named, in a stable order."""
    for path in map(Path, paths):
        if path.is_dir():
            yield from (p for p in sorted(path.rglob("*")) if p.is_file() and not p.name.startswith("."))
        elif path.exists():
            yield path
        else:
            raise InputError(str(path), "no such file or folder")


def parse_file(path: Path, format: str | None = None, mapping: Mapping[str, str] | None = None) -> Iterator[Record]:
    """Parse one file with the importer chosen by `format`, else by detection; `mapping`
    names the column of each field ({"body": "text"}) for formats that take one."""
    importers = registry()
    with path.open("rb") as stream:
        head = stream.peek(SNIFF_BYTES)[:SNIFF_BYTES] if hasattr(stream, "peek") else b""
        if format is not None:
            if format not in importers:
                raise InputError(str(path), f"unknown format {format!r} (see `kb importers`)")
            importer = importers[format]
        else:
            importer = detect(path, head, importers)
        if importer is None:
            yield Skipped(str(path), "file", f"unknown format ({path.suffix or 'no extension'})")
            return
        if mapping:
            if importer.mapped is None:
                raise InputError(str(path), f"the {importer.name} format takes no column mapping")
            importer = importer.mapped(mapping)
        yield from importer.parse(stream, origin=str(path))
