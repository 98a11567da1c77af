"""Reading the records of many files for an import: what is passed over, what failed.

Lenient (the default): a malformed record or an unreadable file is reported in
`summary.failed` and the rest goes on. Strict: the first failure stops the import and
nothing of the file it happened in is stored (its articles are held back until the
file has been read to its end).
"""
from __future__ import annotations

from typing import Callable, Iterator

from kb.errors import InputError
from kb.models import Article, ImportSummary, Skipped


class StopImport(Exception):
    """A strict import met its first failure."""


def file_records(path, format, mapping, parse_file) -> Iterator[Article | Skipped]:
    """The records of one file; an unreadable file raises InputError (OSError as one)."""
    try:
        yield from parse_file(path, format, mapping)
    except OSError as error:
        raise InputError(str(path), error.strerror or str(error)) from None


def read_articles(paths: list[str], summary: ImportSummary, *, format: str | None = None,
                  mapping: dict[str, str] | None = None, strict: bool = False,
                  on_record: Callable[[ImportSummary], None] | None = None) -> Iterator[Article]:
    """The articles of every file under `paths`, counting skips and failures in `summary`."""
    from importers import iter_files, parse_file  # heavy parsers load only when importing

    try:
        files = list(iter_files(paths))
    except InputError as error:
        summary.failed.append(str(error))
        return
    for path in files:
        held: list[Article] = []
        try:
            for record in file_records(path, format, mapping, parse_file):
                if isinstance(record, Article):
                    if strict:
                        held.append(record)
                    else:
                        yield record
                elif record.malformed:
                    summary.failed.append(f"{record.location}: {record.reason}")
                    if strict:
                        raise StopImport
                else:
                    summary.skipped[record.reason] = summary.skipped.get(record.reason, 0) + 1
                if on_record:
                    on_record(summary)
        except InputError as error:
            summary.failed.append(str(error))
            if strict:
                return
            continue
        except StopImport:
            return
        yield from held
