"""Keeping a knowledge base in shape: `kb stats`, `check`, `reextract`, `reindex`, `optimize`."""
from __future__ import annotations

import sys
import time

import click

from kb import render
from kb.cli.base import ExitCode, emit_json, index_options, pass_context


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@pass_context
def stats(context, as_json):
    """Print counts: articles, entities by type, sources, import runs.

    \b
    kb stats
    """
    counts = context.open().stats()
    if as_json:
        emit_json(counts)
        return
    for key, value in counts.items():
        if isinstance(value, dict):
            value = ", ".join(f"{k} {v}" for k, v in sorted(value.items())) or "0"
        click.echo(f"{key.replace('_', ' '):>16}: {value if value is not None else '-'}")


@click.command()
@click.option("--ner", metavar="NAME", help="Switch to this extractor first: crf, none, spacy:PIPELINE.")
@click.option("--all", "everything", is_flag=True, help="Every article, not only those another extractor did.")
@pass_context
def reextract(context, ner, everything):
    """Extract entities again after a change of extractor (facets follow).

    \b
    kb reextract --ner spacy:en_core_web_sm
    """
    count = context.open().reextract(extractor=ner, everything=everything)
    click.echo(f"Re-extracted {render.plural(count, 'article')}")


@click.command()
@index_options
@pass_context
def reindex(context, index):
    """Rebuild the full-text index from the SQLite store alone; with --index, move the
    knowledge base to that index (Whoosh in its folder, or an OpenSearch cluster).

    \b
    kb reindex
    kb reindex --index opensearch --url https://localhost:9200 --index-name news
    kb reindex --index whoosh
    """
    progress = ReindexProgress() if sys.stderr.isatty() else None
    count = context.open().reindex(index=index, on_progress=progress)
    if progress is not None:
        progress.done()
    click.echo(f"Indexed {render.plural(count, 'article')}")


class ReindexProgress:
    """The articles indexed so far, on one line of a terminal's stderr, at most every `every` seconds."""

    def __init__(self, every: float = 0.25):
        self.every, self.shown = every, 0.0

    def __call__(self, count: int) -> None:
        now = time.monotonic()
        if now - self.shown >= self.every:
            self.shown = now
            click.echo(f"\rIndexed {count:,} articles  ", nl=False, err=True)

    def done(self) -> None:
        if self.shown:
            click.echo("", err=True)


@click.command()
@click.option("--repair", is_flag=True, help="Fix what differs: index the missing, drop orphans and doubles.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_context
def check(context, repair, as_json):
    """Compare the SQLite store with the index (ids, counts, versions); exit 1 if they differ.

    \b
    kb check
    kb check --repair
    """
    kb = context.open()
    report = kb.repair() if repair else kb.check()
    if as_json:
        emit_json(report)
    else:
        click.echo(render.check_text(report, repaired=repair))
    if not report["ok"] and not repair:
        sys.exit(ExitCode.ERROR)


@click.command()
@pass_context
def optimize(context):
    """Merge the full-text index into one segment: quickest searches after many imports.

    Imports already merge small segments as they go; this is the full merge.

    \b
    kb optimize
    """
    before = context.open().optimize()
    click.echo(f"Merged {render.plural(before, 'segment')} into 1")


@click.command()
def importers():
    """List the import formats, with their file extensions.

    \b
    kb importers
    """
    from importers import registry

    for importer in registry().values():
        click.echo(f"{importer.name:<8} {' '.join(importer.extensions):<20} {importer.description}")
