"""Commands beyond search: `kb timeline`, `network`, `watch`, `stories`, `story`."""
from __future__ import annotations

import sys

import click

from kb import render
from kb.cli.base import ExitCode, emit_json, format_option, pass_context
from kb.errors import ArgumentError
from kb.timeline import series_split
from kb.vocabulary import ENTITY_TYPES, PERIODS


@click.command()
@click.argument("queries", nargs=-1, required=True)
@click.option("--by", type=click.Choice(PERIODS), default="month", show_default=True)
@click.option("--by-source", is_flag=True, help="One series per top source of the (one) query.")
@click.option("--by-entity", type=click.Choice(ENTITY_TYPES), help="One series per top entity.")
@click.option("--top", default=5, show_default=True, type=click.IntRange(1, 50), help="Series with --by-source/-entity.")
@click.option("--since", metavar="DATE")
@click.option("--until", metavar="DATE")
@format_option(("text", "csv", "json"))
@click.option("--plot", type=click.Path(dir_okay=False), help="Also draw a chart to FILE.png or FILE.svg (matplotlib).")
@pass_context
def timeline(context, queries, by, by_source, by_entity, top, since, until, output, plot):
    """Attention over time: matching articles per period, for one or several queries.

    The chart shows the periods with matches (and how many empty ones it leaves out);
    CSV and JSON hold every period from the first match to the last, empty ones as zero.

    \b
    kb timeline "IRS" "ICE" --by month
    kb timeline ICE --by week --by-entity org --plot ice.png
    """
    try:
        series_split(queries, by_source, by_entity)
    except ArgumentError as error:
        raise click.UsageError(str(error)) from None
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


@click.command()
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


@click.group()
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


@click.command()
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


@click.command()
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
