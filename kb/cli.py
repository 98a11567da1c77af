"""The `kb` command: parses options, calls the KnowledgeBase API, renders the answer."""
from __future__ import annotations

import json
import os
import sys
from enum import IntEnum

import click

from kb import render
from kb.errors import KBError

SORT_CHOICES = ("relevance", "newest", "oldest")


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1  # a failure newskb explains in one line
    USAGE = 2  # a bad invocation (Click's own code)
    PARTIAL = 3  # an import that stored what it could but had failed files


class Context:
    """What every command shares: the knowledge base location, opened on demand."""

    def __init__(self, kb_path: str | None, debug: bool):
        self.kb_path, self.debug = kb_path, debug
        self._kb = None

    def open(self, create: bool = False):
        if self._kb is None:
            from kb.api import KnowledgeBase

            self._kb = KnowledgeBase(self.kb_path, create=create)
        return self._kb


pass_context = click.make_pass_decorator(Context)


class Group(click.Group):
    """Maps every failure to one line on stderr (a traceback only with --debug)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except (KBError, Exception) as error:
            if isinstance(error, click.exceptions.ClickException) or ctx.obj is None or ctx.obj.debug:
                raise
            message = str(error) if isinstance(error, KBError) else (
                f"unexpected {type(error).__name__}: {error} (run with --debug for the traceback)")
            click.echo(f"Error: {render.safe(message)}", err=True)
            ctx.exit(ExitCode.ERROR)


def color_enabled(no_color: bool) -> bool:
    return not no_color and "NO_COLOR" not in os.environ and sys.stdout.isatty()


def emit_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group(cls=Group)
@click.version_option(package_name="newskb")
@click.option("--kb", "kb_path", metavar="PATH",
              help="Knowledge base folder (default: $KB_PATH, else ~/.local/share/newskb).")
@click.option("--debug", is_flag=True, help="Show tracebacks instead of one-line errors.")
@click.pass_context
def cli(ctx, kb_path, debug):
    """newskb: a searchable full-text news knowledge base.

    \b
    kb import articles/
    kb search "IRS AND ICE"
    """
    ctx.obj = Context(kb_path, debug)


@cli.command(name="import")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "format_name", metavar="NAME", help="Read every file as this format (see `kb importers`).")
@pass_context
def import_(context, paths, format_name):
    """Import files and folders (recursively) into the knowledge base.

    Prints a summary: imported, duplicates, skipped (with reasons), failed.

    \b
    kb import news/ feed.jsonl page.txt
    """
    summary = context.open(create=True).import_paths(paths, format=format_name)
    for failure in summary.failed:
        click.echo(f"Error: {render.safe(failure)}", err=True)
    click.echo(render.summary_text(summary))
    if summary.failed:
        sys.exit(ExitCode.PARTIAL if summary.imported or summary.duplicates else ExitCode.ERROR)


@cli.command()
@click.argument("query")
@click.option("--limit", "-n", default=10, show_default=True, type=click.IntRange(1, 10_000), help="Hits per page.")
@click.option("--page", default=1, show_default=True, type=click.IntRange(1), help="Page of hits to show.")
@click.option("--sort", type=click.Choice(SORT_CHOICES), default="relevance", show_default=True)
@click.option("--fragments", default=2, show_default=True, type=click.IntRange(0, 20),
              help="Snippet fragments per hit.")
@click.option("--facets", "facet_top", default=10, show_default=True, type=click.IntRange(0, 1000),
              help="Entities shown per facet (0: none).")
@click.option("--format", "output", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option("--no-color", is_flag=True, help="Mark matches as [term] even on a terminal.")
@pass_context
def search(context, query, limit, page, sort, fragments, facet_top, output, as_json, no_color):
    """Search the knowledge base.

    Operators AND, OR, NOT (upper case), "quoted phrases", (parentheses), +must
    -mustnot, fuzzy~, and fields: title: body: source: author: person: org: place:
    lang: published:[2025-01-01 TO 2025-06-30].

    \b
    kb search "IRS AND ICE"
    kb search 'org:ICE AND "taxpayer data"' --json
    """
    width = max(80, min(click.get_terminal_size()[0], 200)) * 2 if sys.stdout.isatty() else 240
    results = context.open().search(query, limit=limit, offset=(page - 1) * limit, sort=sort,
                                    facets=facet_top, fragments=fragments, width=width)
    if as_json or output == "json":
        emit_json(render.search_json(results))
        return
    if color_enabled(no_color):
        click.echo(render.search_text(results, lambda t: click.style(t, bold=True, fg="yellow")))
    else:
        click.echo(render.search_text(results))


@cli.command()
@click.argument("article_id")
@click.option("--json", "as_json", is_flag=True, help="Print the article as JSON.")
@pass_context
def show(context, article_id, as_json):
    """Print one article: metadata, entities and text.

    \b
    kb show 3f2a9c01d4e5b6a7
    """
    article = context.open().get(article_id)
    if as_json:
        emit_json(render.article_json(article))
    else:
        click.echo(render.article_text(article))


@cli.command()
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


@cli.command()
@pass_context
def reindex(context):
    """Rebuild the full-text index from the SQLite store alone.

    \b
    kb reindex
    """
    count = context.open().reindex()
    click.echo(f"Indexed {count} article{'s' if count != 1 else ''}")


@cli.command()
def importers():
    """List the import formats, with their file extensions.

    \b
    kb importers
    """
    from importers import registry

    for importer in registry().values():
        click.echo(f"{importer.name:<8} {' '.join(importer.extensions):<20} {importer.description}")


main = cli
