"""Commands that bring articles in: `kb init`, `kb import`, `kb importers`."""
from __future__ import annotations

import sys
import time

import click

from kb import render
from kb.cli.base import ExitCode, cli, pass_context
from kb.config import DB_NAME, resolve_path
from kb.errors import ArgumentError, KBError


@cli.command()
@click.option("--ner", metavar="NAME", default="crf", show_default=True,
              help="Entity extractor: crf (built in), none, or spacy:PIPELINE (needs spaCy).")
@pass_context
def init(context, ner):
    """Create a knowledge base (an import creates one too, with the defaults).

    \b
    kb init --ner none
    kb --kb ~/news init
    """
    path = resolve_path(context.kb_path)
    if (path / DB_NAME).exists():
        raise KBError(f"a knowledge base already exists at {path}")
    context.open(create=True, extractor=ner)
    click.echo(f"Created a knowledge base at {path} (entities: {ner})")


MAX_FAILURES_SHOWN = 20


class ImportProgress:
    """A one-line progress display on a terminal's stderr: records, imported, rate."""

    def __init__(self, every: float = 0.25):
        self.clock, self.every = time.monotonic, every
        self.started = self.shown = self.clock()
        self.records = 0

    def __call__(self, summary) -> None:
        self.records += 1
        now = self.clock()
        if now - self.shown >= self.every:
            self.shown = now
            rate = self.records / max(now - self.started, 1e-6)
            click.echo(f"\rRead {self.records:,} records: {summary.imported:,} imported, "
                       f"{summary.duplicates:,} duplicates, {len(summary.failed):,} failed ({rate:,.0f}/s)  ",
                       err=True, nl=False)

    def clear(self) -> None:
        if self.shown != self.started:
            click.echo("\r\033[K", err=True, nl=False)


def parse_mapping(ctx, param, value):
    """`body=text,published=date` -> {"body": "text", "published": "date"}."""
    if not value:
        return None
    from importers.delimited import check_mapping

    pairs = [item.partition("=") for item in value.split(",")]
    if any(not field.strip() or not sep or not column.strip() for field, sep, column in pairs):
        raise click.BadParameter(f"{value!r}: use FIELD=COLUMN pairs, e.g. body=text,published=date")
    try:
        return check_mapping({field.strip(): column.strip() for field, _, column in pairs})
    except ArgumentError as error:
        raise click.BadParameter(str(error)) from None


@cli.command(name="import")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "format_name", metavar="NAME", help="Read every file as this format (see `kb importers`).")
@click.option("--map", "mapping", metavar="FIELD=COLUMN,...", callback=parse_mapping,
              help="CSV/TSV columns of the article fields, e.g. body=text,published=date.")
@click.option("--strict", is_flag=True, help="Stop at the first failure, storing nothing of that file.")
@click.option("--jobs", type=click.IntRange(min=1), metavar="N",
              help="Processes for extraction and indexing [default: one per core]; 1 takes the least memory.")
@pass_context
def import_(context, paths, format_name, mapping, strict, jobs):
    """Import files and folders (recursively; also .gz, .zip, .tar archives, and - for
    standard input) into the knowledge base.

    Formats: scraped page text, JSON, JSON Lines, CSV/TSV, HTML pages, RSS/Atom
    feeds, WARC archives, Reuters SGML (see `kb importers`). A malformed record is
    reported as file:line: reason and the rest imports (exit 3; 1 if nothing did).
    Prints a summary: imported, duplicates, skipped (with reasons), failed.

    \b
    kb import news/ feed.jsonl page.txt
    kb import stories.tsv --map body=story,published=date
    """
    progress = ImportProgress() if sys.stderr.isatty() else None
    try:
        summary = context.open(create=True).import_paths(paths, format=format_name, mapping=mapping,
                                                         strict=strict, on_record=progress, jobs=jobs)
    finally:
        if progress:
            progress.clear()
    for failure in summary.failed[:MAX_FAILURES_SHOWN]:
        click.echo(f"Error: {render.safe(failure)}", err=True)
    if len(summary.failed) > MAX_FAILURES_SHOWN:
        click.echo(f"Error: ... and {len(summary.failed) - MAX_FAILURES_SHOWN} more failures", err=True)
    for note in summary.notes:
        click.echo(f"Note: {render.safe(note)}", err=True)
    click.echo(render.summary_text(summary))
    if summary.failed:
        sys.exit(ExitCode.PARTIAL if summary.imported or summary.duplicates else ExitCode.ERROR)
