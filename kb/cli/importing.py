"""Commands that bring articles in: `kb init`, `kb import`, `kb importers`."""
from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import click

from kb import render
from kb.cli.base import ExitCode, index_options, pass_context
from kb.config import DB_NAME, kb_folder
from kb.errors import ArgumentError, ImportInterrupted, KBError
from kb.vocabulary import language_tag


@click.command()
@click.option("--ner", metavar="NAME", default="crf", show_default=True,
              help="Entity extractor: crf (built in), none, or spacy:PIPELINE (needs spaCy).")
@click.option("--story-days", type=click.FloatRange(min=0, min_open=True), metavar="DAYS",
              help="Days from a story's first article within which a near-copy joins it [default: 3].")
@index_options
@pass_context
def init(context, ner, story_days, index):
    """Create a knowledge base (an import creates one too, with the defaults).

    \b
    kb init --ner none
    kb --kb ~/news init --story-days 7
    kb init --index opensearch --url https://localhost:9200 --index-name news
    """
    path = Path(kb_folder(context.kb_path))
    if (path / DB_NAME).exists():
        raise KBError(f"a knowledge base already exists at {path}")
    knowledge_base = context.open(create=True, extractor=ner, index=index)
    if story_days is not None:
        knowledge_base.set_story_days(story_days)
    where = knowledge_base.index_settings
    index_text = "" if where.backend == "whoosh" else f", index: OpenSearch {where.index_name} at {where.url}"
    click.echo(f"Created a knowledge base at {path} (entities: {ner}{index_text})")


MAX_FAILURES_SHOWN = 20


class ImportProgress:
    """A one-line progress display on a terminal's stderr: records read, and the articles
    imported and duplicates passed over as batches are stored. Drawn again when those
    counts change, else at most every `every` seconds."""

    def __init__(self, every: float = 0.25):
        self.clock, self.every = time.monotonic, every
        self.started = self.shown = self.clock()
        self.counts: tuple[int, int] | None = None  # (imported, duplicates) as last drawn

    def __call__(self, summary) -> None:
        now = self.clock()
        counts = (summary.imported, summary.duplicates)
        if counts == self.counts and now - self.shown < self.every:
            return
        self.shown, self.counts = now, counts
        rate = summary.read / max(now - self.started, 1e-6)
        click.echo(f"\rRead {summary.read:,} records: {summary.imported:,} imported, "
                   f"{summary.duplicates:,} duplicates, {len(summary.failed):,} failed ({rate:,.0f}/s)  ",
                   err=True, nl=False)

    def clear(self) -> None:
        if self.counts is not None:
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


LANGUAGE_CODE = re.compile(r"([A-Za-z]{2,3})((?:-[A-Za-z0-9]{2,8})*)")


def parse_language(ctx, param, value):
    """`EN` -> `en`, `pt-br` -> `pt-BR`: a language code as articles are stored with it."""
    if value is None:
        return None
    if LANGUAGE_CODE.fullmatch(value.strip().replace("_", "-")) is None:
        raise click.BadParameter(f"{value!r}: use a language code such as en, pt or pt-BR")
    return language_tag(value)


def parse_nonempty(ctx, param, value):
    """A value that must hold a word, spaces around it dropped."""
    if value is not None and not value.strip():
        raise click.BadParameter("must not be empty")
    return value.strip() if value is not None else None


def parse_globs(ctx, param, values):
    return tuple(parse_nonempty(ctx, param, value) for value in values)


def exit_code(summary) -> ExitCode:
    """How an import ends: interrupted; partial (some files failed); nothing imported (every
    record skipped or failed, and none a duplicate); or OK."""
    nothing = not (summary.imported or summary.duplicates)
    if summary.interrupted:
        return ExitCode.INTERRUPTED
    if summary.failed:
        return ExitCode.ERROR if nothing else ExitCode.PARTIAL
    return ExitCode.NOTHING_IMPORTED if nothing and summary.skipped else ExitCode.OK


def report(summary) -> None:
    """Failures, notes and the outcome on stderr, the summary on stdout."""
    for failure in summary.failed[:MAX_FAILURES_SHOWN]:
        click.echo(f"Error: {render.safe(failure)}", err=True)
    if len(summary.failed) > MAX_FAILURES_SHOWN:
        click.echo(f"Error: ... and {len(summary.failed) - MAX_FAILURES_SHOWN} more failures", err=True)
    for note in summary.notes:
        click.echo(f"Note: {render.safe(note)}", err=True)
    click.echo(render.summary_text(summary))
    if summary.interrupted:
        click.echo("Interrupted: the articles imported are kept; import again to go on "
                   "(they are passed over as duplicates)", err=True)
    elif exit_code(summary) == ExitCode.NOTHING_IMPORTED and not summary.failed:
        click.echo("Error: nothing was imported: every record was skipped (the summary says why)", err=True)


@click.command(name="import")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "format_name", metavar="NAME", help="Read every file as this format (see `kb importers`).")
@click.option("--map", "mapping", metavar="FIELD=COLUMN,...", callback=parse_mapping,
              help="CSV/TSV columns of the article fields, e.g. body=text,published=date.")
@click.option("--include", multiple=True, metavar="GLOB", callback=parse_globs,
              help="Only the files found in folders and archives that match, e.g. '*.sgm' (repeatable).")
@click.option("--exclude", multiple=True, metavar="GLOB", callback=parse_globs,
              help="Not the files found in folders and archives that match, e.g. 'drafts/*' (repeatable).")
@click.option("--source", metavar="NAME", callback=parse_nonempty,
              help="The source of articles that give none (rather than their URL's domain).")
@click.option("--lang", "language", metavar="CODE", callback=parse_language,
              help="The language of articles that give none (rather than detecting it), e.g. en.")
@click.option("--strict", is_flag=True, help="Stop at the first failure, storing nothing of that file.")
@click.option("--jobs", type=click.IntRange(min=1), metavar="N",
              help="Processes for extraction and indexing [default: one per core]; 1 takes the least memory.")
@pass_context
def import_(context, paths, format_name, mapping, include, exclude, source, language, strict, jobs):
    """Import files and folders (recursively; also .gz, .zip, .tar archives, and - for
    standard input) into the knowledge base.

    Formats: scraped page text, JSON, JSON Lines, CSV/TSV, HTML pages, RSS/Atom
    feeds, WARC archives, Reuters SGML (see `kb importers`). Files that are no
    articles (README, LICENSE, manifests, word lists, data) are skipped, saying why.
    A malformed record is reported as file:line: reason and the rest imports (exit 3;
    1 if nothing did, or if everything was skipped). Ctrl-C stops, keeping what was
    stored (exit 130). Prints a summary: imported, duplicates, skipped (with reasons), failed.

    \b
    kb import news/ feed.jsonl page.txt
    kb import stories.tsv --map body=story,published=date
    kb import corpus/ --include '*.sgm' --source Reuters --lang en
    """
    from importers import require_paths

    require_paths(paths)  # before a knowledge base is made for nothing
    knowledge_base = context.open(create=True)
    if knowledge_base.created:
        click.echo(f"Created a knowledge base at {knowledge_base.path}", err=True)
    progress = ImportProgress() if sys.stderr.isatty() else None
    try:
        summary = knowledge_base.import_paths(paths, format=format_name, mapping=mapping, strict=strict,
                                              include=include, exclude=exclude, source=source,
                                              language=language, on_progress=progress, jobs=jobs)
    except ImportInterrupted as interrupted:
        summary = interrupted.summary
    except KeyboardInterrupt:  # a second Ctrl-C, before the import could commit
        summary = None
    finally:
        if progress:
            progress.clear()
    if summary is None:
        click.echo("Interrupted: what was stored is kept; the next command brings the index up to date", err=True)
        sys.exit(ExitCode.INTERRUPTED)
    report(summary)
    if exit_code(summary) != ExitCode.OK:
        sys.exit(exit_code(summary))
