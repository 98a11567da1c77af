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
COUNT_BUCKETS = ("day", "week", "month", "year", "source", "person", "org", "place")
HIT_FORMATS = ("text", "json", "jsonl", "csv", "ids")


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1  # a failure newskb explains in one line
    USAGE = 2  # a bad invocation (Click's own code)
    PARTIAL = 3  # an import that stored what it could but had failed files
    NOTHING_NEW = 1  # `kb watch run` found no new match (the shell's "false")


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


def marker(no_color: bool):
    """How matches are marked: colour on a terminal, [brackets] elsewhere."""
    if color_enabled(no_color):
        return lambda text: click.style(text, bold=True, fg="yellow")
    return render.bracket


def emit_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def snippet_width() -> int:
    """Fragments of about two terminal lines (minus the indent); 240 characters off a terminal."""
    if not sys.stdout.isatty():
        return 240
    return max(60, (click.get_terminal_size()[0] - 6) * 2)


def parse_entity(ctx, param, values):
    """`--entity org:ICE` -> ("org", "ICE")."""
    pairs = []
    for value in values:
        kind, sep, name = value.partition(":")
        if not sep or not name.strip():
            raise click.BadParameter(f"{value!r}: use TYPE:NAME, e.g. org:ICE or person:\"Kristi Noem\"")
        pairs.append((kind.strip().lower(), name.strip()))
    return pairs


def filter_options(command):
    """--since/--until/--source/--entity, shared by search and count."""
    options = [
        click.option("--since", metavar="DATE", help="Published on or after (2025, 2025-01 or 2025-01-31)."),
        click.option("--until", metavar="DATE", help="Published on or before (2025, 2025-01 or 2025-01-31)."),
        click.option("--source", "sources", multiple=True, metavar="NAME", help="Only from this source (repeatable)."),
        click.option("--entity", "entities", multiple=True, metavar="TYPE:NAME", callback=parse_entity,
                     help="Only articles mentioning this entity, e.g. org:ICE (repeatable)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def format_option(choices=HIT_FORMATS):
    return click.option("--format", "output", type=click.Choice(choices), default="text", show_default=True,
                        help="Output format.")


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
    from kb.api import KnowledgeBase
    from kb.config import DB_NAME, resolve_path

    path = resolve_path(context.kb_path)
    if (path / DB_NAME).exists():
        raise KBError(f"a knowledge base already exists at {path}")
    KnowledgeBase(path, extractor=ner).close()
    click.echo(f"Created a knowledge base at {path} (entities: {ner})")


MAX_FAILURES_SHOWN = 20


class ImportProgress:
    """A one-line progress display on a terminal's stderr: records, imported, rate."""

    def __init__(self, every: float = 0.25):
        import time

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
    pairs = [item.partition("=") for item in value.split(",")]
    if any(not field.strip() or not sep or not column.strip() for field, sep, column in pairs):
        raise click.BadParameter(f"{value!r}: use FIELD=COLUMN pairs, e.g. body=text,published=date")
    return {field.strip(): column.strip() for field, _, column in pairs}


@cli.command(name="import")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--format", "format_name", metavar="NAME", help="Read every file as this format (see `kb importers`).")
@click.option("--map", "mapping", metavar="FIELD=COLUMN,...", callback=parse_mapping,
              help="CSV/TSV columns of the article fields, e.g. body=text,published=date.")
@click.option("--strict", is_flag=True, help="Stop at the first failure, storing nothing of that file.")
@pass_context
def import_(context, paths, format_name, mapping, strict):
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
                                                         strict=strict, on_record=progress)
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


@cli.command()
@click.argument("query")
@filter_options
@click.option("--lang", "languages", multiple=True, metavar="CODE", help="Only in this language (repeatable).")
@click.option("--sort", type=click.Choice(SORT_CHOICES), default="relevance", show_default=True)
@click.option("--limit", "-n", default=10, show_default=True, type=click.IntRange(1, 10_000), help="Hits per page.")
@click.option("--page", default=1, show_default=True, type=click.IntRange(1), help="Page of hits to show.")
@click.option("--offset", type=click.IntRange(0), help="Hits to skip (instead of --page).")
@click.option("--fragments", default=2, show_default=True, type=click.IntRange(0, 20),
              help="Snippet fragments per hit.")
@click.option("--facet", "facet_types", default="person,org,place", show_default=True, metavar="TYPES",
              help="Entity facets to count over all matches (comma-separated; '' for none).")
@click.option("--facet-limit", "facet_top", default=10, show_default=True, type=click.IntRange(0, 1000),
              help="Entities shown per facet.")
@click.option("--collapse", is_flag=True, help="One hit per story: fold near-copies from other sources into it.")
@format_option()
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option("--no-color", is_flag=True, help="Mark matches as [term] even on a terminal.")
@pass_context
def search(context, query, since, until, sources, entities, languages, sort, limit, page, offset, fragments,
           facet_types, facet_top, collapse, output, as_json, no_color):
    """Search the knowledge base.

    Operators AND, OR, NOT (upper case), "quoted phrases", "near words"~10,
    (parentheses), +must -mustnot, prefix*, fuzzy~, and fields: title: body: source:
    author: person: org: place: lang: published:2025-01 published:>=2025-11
    published:[2025-01-01 TO 2025-06-30]. See the README for the whole language.

    \b
    kb search "IRS AND ICE"
    kb search 'org:ICE AND "taxpayer data"' --since 2025-01 --format json
    """
    output = "json" if as_json else output
    results = context.open().search(
        query, since=since, until=until, sources=sources, languages=languages, entities=entities, sort=sort,
        limit=limit, offset=offset if offset is not None else (page - 1) * limit,
        facets=facet_top if output in ("text", "json") else 0,
        facet_types=[t.strip() for t in facet_types.split(",") if t.strip()], fragments=fragments, width=snippet_width(),
        collapse=collapse,
    )
    for hint in results.hints:
        click.echo(f"Hint: {hint}", err=True)
    if output == "text":
        click.echo(render.search_text(results, marker(no_color)))
    elif output == "json":
        emit_json(render.search_json(results))
    elif results.hits:
        click.echo({"jsonl": render.hits_jsonl, "csv": render.hits_csv, "ids": render.hits_ids}[output](results.hits))


@cli.command()
@click.argument("article_id")
@click.option("--highlight", "query", metavar="QUERY", help="Mark this query's matches in the text.")
@click.option("--json", "as_json", is_flag=True, help="Print the article as JSON.")
@click.option("--no-color", is_flag=True, help="Mark matches as [term] even on a terminal.")
@pass_context
def show(context, article_id, query, as_json, no_color):
    """Print one article: metadata, entities and text (ids may be shortened to 6+ characters).

    \b
    kb show 3f2a9c01d4e5b6a7 --highlight "IRS AND ICE"
    """
    kb = context.open()
    article = kb.get(article_id)
    if as_json:
        emit_json(render.article_json(article))
        return
    body = render.highlight_snippet(kb.highlight(article.id, query), marker(no_color)) if query else None
    click.echo(render.article_text(article, body))


@cli.command()
@click.argument("article_id")
@click.option("--limit", "-n", default=10, show_default=True, type=click.IntRange(1, 1000))
@format_option()
@pass_context
def similar(context, article_id, limit, output):
    """List the articles most like one article ("more like this").

    \b
    kb similar 3f2a9c01d4e5b6a7 --limit 5
    """
    hits = context.open().similar(article_id, limit=limit)
    renderers = {"text": render.hits_text, "jsonl": render.hits_jsonl, "csv": render.hits_csv,
                 "ids": render.hits_ids}
    if output == "json":
        emit_json([render.hit_json(hit) for hit in hits])
    elif hits:
        click.echo(renderers[output](hits))


@cli.command()
@click.argument("query")
@click.option("--by", type=click.Choice(COUNT_BUCKETS), default="month", show_default=True,
              help="Bucket: a period of publication, the source, or an entity type.")
@filter_options
@format_option(("text", "csv", "json"))
@pass_context
def count(context, query, by, since, until, sources, entities, output):
    """Count matching articles per day, week, month, year, source or entity.

    Periods run from the first match to the last, empty ones shown as zero.

    \b
    kb count "IRS AND ICE" --by month
    kb count ICE --by org --format csv
    """
    counts = context.open().count(query, by=by, since=since, until=until, sources=sources, entities=entities)
    if output == "json":
        emit_json([{"key": key, "count": n} for key, n in counts])
    elif output == "csv":
        click.echo(render.counts_csv(counts, by))
    else:
        click.echo(render.counts_text(counts))


@cli.command()
@click.argument("queries", nargs=-1, required=True)
@click.option("--by", type=click.Choice(("day", "week", "month", "year")), default="month", show_default=True)
@click.option("--by-source", is_flag=True, help="One series per top source of the (one) query.")
@click.option("--by-entity", type=click.Choice(("person", "org", "place")), help="One series per top entity.")
@click.option("--top", default=5, show_default=True, type=click.IntRange(1, 50), help="Series with --by-source/-entity.")
@click.option("--since", metavar="DATE")
@click.option("--until", metavar="DATE")
@format_option(("text", "csv", "json"))
@click.option("--plot", type=click.Path(dir_okay=False), help="Also draw a chart to FILE.png or FILE.svg (matplotlib).")
@pass_context
def timeline(context, queries, by, by_source, by_entity, top, since, until, output, plot):
    """Attention over time: matching articles per period, for one or several queries.

    Every period from the first match to the last is shown, empty ones as zero.

    \b
    kb timeline "IRS" "ICE" --by month
    kb timeline ICE --by week --by-entity org --plot ice.png
    """
    if by_source and by_entity:
        raise click.UsageError("--by-source and --by-entity cannot be used together")
    found = context.open().timeline(queries, by=by, by_source=by_source, by_entity=by_entity, top=top,
                                    since=since, until=until)
    if plot:
        from kb.plotting import plot_timeline

        plot_timeline(found, plot)
    if output == "json":
        emit_json({"by": found.by, "periods": found.periods, "series": found.series, "undated": found.undated})
    elif output == "csv":
        click.echo(render.rows_csv(found.rows()))
    else:
        click.echo(render.timeline_text(found))


@cli.command()
@click.argument("query", required=False)
@click.option("--type", "types", default="person,org,place", show_default=True, metavar="TYPES",
              help="Entity types to connect (comma-separated).")
@click.option("--min-count", default=2, show_default=True, type=click.IntRange(1), help="Fewest shared articles.")
@click.option("--limit", "-n", default=100, show_default=True, type=click.IntRange(1, 100_000))
@format_option(("text", "json", "csv", "graphml"))
@pass_context
def network(context, query, types, min_count, limit, output):
    """Who appears with whom: entity pairs in the same articles (of QUERY, or all), strongest first.

    \b
    kb network "IRS OR ICE" --type person,org --min-count 2
    kb network --format graphml > entities.graphml
    """
    found = context.open().network(query, types=[t.strip() for t in types.split(",") if t.strip()],
                                   min_count=min_count, limit=limit)
    if output == "json":
        emit_json(found)
    else:
        click.echo({"text": render.network_text, "csv": render.network_csv,
                    "graphml": render.network_graphml}[output](found))


@cli.group()
def watch():
    """Saved searches that report what is new since they last ran (for cron and scripts).

    \b
    kb watch add irs-ice "IRS AND ICE"
    kb watch run --format json
    """


@watch.command(name="add")
@click.argument("name")
@click.argument("query")
@pass_context
def watch_add(context, name, query):
    """Save QUERY as NAME; `kb watch run` reports articles imported from now on.

    \b
    kb watch add irs-ice "IRS AND ICE"
    """
    saved = context.open().watches.add(name, query)
    click.echo(f"Watching {render.safe(saved['name'])}: {render.safe(saved['query'])}")


@watch.command(name="list")
@format_option(("text", "json"))
@pass_context
def watch_list(context, output):
    """List the saved searches.

    \b
    kb watch list
    """
    saved = context.open().watches.list()
    if output == "json":
        emit_json(saved)
    else:
        for item in saved:
            click.echo(f"{render.safe(item['name'])}\t{render.safe(item['query'])}\t"
                       f"last run {item['last_run_at'] or 'never'}")


@watch.command(name="remove")
@click.argument("name")
@pass_context
def watch_remove(context, name):
    """Forget a saved search.

    \b
    kb watch remove irs-ice
    """
    context.open().watches.remove(name)


@watch.command(name="run")
@click.argument("name", required=False)
@format_option(("text", "json"))
@pass_context
def watch_run(context, name, output):
    """Print what matches each saved search (or NAME) among the articles imported since it
    last ran; exit 0 when something is new, 1 when nothing is.

    \b
    kb watch run irs-ice || echo "nothing new"
    """
    found = context.open().watches.run(name)
    if output == "json":
        emit_json({watch: [render.article_json(a) for a in articles]
                   for watch, articles in found.items()})
    else:
        for watch_name, articles in found.items():
            click.echo(f"{render.safe(watch_name)}: {render.plural(len(articles), 'new article')}")
            for article in articles:
                click.echo(f"  {(article.published or 'undated')[:10]}  {render.safe(article.title)}  "
                           f"[{article.id}]")
    sys.exit(ExitCode.OK if any(found.values()) else ExitCode.NOTHING_NEW)


@cli.command()
@click.option("--limit", "-n", default=20, show_default=True, type=click.IntRange(1, 10_000))
@format_option(("text", "json"))
@pass_context
def stories(context, limit, output):
    """List the biggest stories: groups of near-copies (the same wire story republished).

    \b
    kb stories --limit 10
    """
    found = context.open().stories(limit=limit)
    if output == "json":
        emit_json(found)
    else:
        click.echo(render.stories_text(found))


@cli.command()
@click.argument("story_id")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_context
def story(context, story_id, as_json):
    """Show a story's copies (story or article id) and what differs between them.

    \b
    kb story 3f2a9c01d4e5b6a7
    """
    found = context.open().story(story_id)
    if as_json:
        emit_json(found)
    else:
        click.echo(render.story_text(found))


ENTITY_TYPES = ("person", "org", "place")
type_option = click.option("--type", "entity_type", type=click.Choice(ENTITY_TYPES), help="Entity type.")


@cli.group(invoke_without_command=True)
@type_option
@click.option("--query", metavar="QUERY", help="Only among the articles matching this search.")
@click.option("--limit", "-n", default=20, show_default=True, type=click.IntRange(1, 10_000))
@format_option(("text", "csv", "json"))
@click.pass_context
def entities(ctx, entity_type, query, limit, output):
    """List the most-mentioned entities, or correct them (merge, rename, ignore).

    \b
    kb entities --type org --limit 10
    kb entities --query "IRS AND ICE"
    kb entities merge "Department of Homeland Security" "Homeland Security"
    """
    if ctx.invoked_subcommand is not None:
        return
    rows = ctx.obj.open().entities(type=entity_type, query=query, limit=limit)
    if output == "json":
        emit_json(rows)
    elif output == "csv":
        click.echo(render.rows_csv(rows))
    else:
        click.echo(render.entities_text(rows))


def print_entity(profile: dict) -> None:
    click.echo(render.entity_text(profile))


@entities.command()
@click.argument("keep")
@click.argument("other")
@type_option
@pass_context
def merge(context, keep, other, entity_type):
    """Fold entity OTHER into KEEP: one facet row, OTHER becomes an alias.

    \b
    kb entities merge "Department of Homeland Security" DHS
    """
    print_entity(context.open().merge_entities(keep, other, type=entity_type))


@entities.command()
@click.argument("name")
@click.argument("new_name")
@type_option
@pass_context
def rename(context, name, new_name, entity_type):
    """Give an entity a new name (the old one stays an alias).

    \b
    kb entities rename "Kristi Noem" "Kristi L. Noem"
    """
    print_entity(context.open().rename_entity(name, new_name, type=entity_type))


@entities.command()
@click.argument("name")
@type_option
@click.option("--undo", is_flag=True, help="Show the entity again.")
@pass_context
def ignore(context, name, entity_type, undo):
    """Make an entity a stop-entity: left out of facets, filters and listings.

    \b
    kb entities ignore "Reuters"
    """
    print_entity(context.open().ignore_entity(name, type=entity_type, ignored=not undo))


@cli.command()
@click.argument("name")
@type_option
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@pass_context
def entity(context, name, entity_type, as_json):
    """One entity: type, aliases, articles, first/last seen, who appears with it, latest articles.

    \b
    kb entity DHS
    """
    profile = context.open().entity(name, type=entity_type)
    if as_json:
        emit_json(profile)
    else:
        print_entity(profile)


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


@cli.command()
@pass_context
def reindex(context):
    """Rebuild the full-text index from the SQLite store alone.

    \b
    kb reindex
    """
    count = context.open().reindex()
    click.echo(f"Indexed {render.plural(count, 'article')}")


@cli.command()
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


@cli.command()
@pass_context
def optimize(context):
    """Merge the full-text index into one segment: quickest searches after many imports.

    Imports already merge small segments as they go; this is the full merge.

    \b
    kb optimize
    """
    before = context.open().optimize()
    click.echo(f"Merged {render.plural(before, 'segment')} into 1")


@cli.command()
def importers():
    """List the import formats, with their file extensions.

    \b
    kb importers
    """
    from importers import registry

    for importer in registry().values():
        click.echo(f"{importer.name:<8} {' '.join(importer.extensions):<20} {importer.description}")


def main(**options) -> None:
    """The `kb` command. Helper processes (entity extraction, parallel index writing) start
    from a clean server rather than by forking this one: see kb.indexing.clean_start_method."""
    import multiprocessing

    from kb.indexing import clean_start_method

    method = clean_start_method()
    multiprocessing.set_start_method(method, force=True)
    if method == "forkserver":
        multiprocessing.set_forkserver_preload(["kb.ingest", "kb.entities.preload"])
    cli(**options)
