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


def file_records(source, parse: Callable) -> Iterator[Article | Skipped]:
    """The records of one file; an unreadable file raises InputError (OSError as one)."""
    try:
        yield from parse(source)
    except OSError as error:
        raise InputError(str(source), error.strerror or str(error)) from None


def read_articles(paths: list[str], summary: ImportSummary, *, parse: Callable, strict: bool = False,
                  on_progress: Callable[[ImportSummary], None] | None = None) -> Iterator[Article]:
    """The articles of every file under `paths` (each read by `parse`, as
    `importers.parse_file` with the import's options), counting skips and failures in `summary`."""
    from importers import iter_sources  # heavy parsers load only when importing

    try:
        sources = list(iter_sources(paths))
    except InputError as error:
        summary.failed.append(str(error))
        return
    for source in sources:
        held: list[Article] = []
        try:
            for record in file_records(source, parse):
                summary.read += 1
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
                if on_progress:
                    on_progress(summary)
        except InputError as error:
            summary.failed.append(str(error))
            if strict:
                return
            continue
        except StopImport:
            return
        yield from held
