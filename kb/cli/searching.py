"""Commands that find and read articles: `kb search`, `show`, `similar`, `count`."""
from __future__ import annotations

import click

from kb import render
from kb.cli.base import emit_json, filter_options, format_option, marker, pass_context, snippet_width
from kb.vocabulary import BUCKETS, SORTS


@click.command()
@click.argument("query")
@filter_options
@click.option("--lang", "languages", multiple=True, metavar="CODE", help="Only in this language: en finds en-US and en-GB too (repeatable).")
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)
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

    Operators AND, OR, NOT (upper case), "exact phrases", "near words"~10 (at most
    10 words apart, either order), (parentheses), +must -mustnot, prefix* (words as
    written), fuzzy~, and fields: title: body: source:
    author: person: org: place: lang: published:2025-01 published:>=2025-11
    published:[2025-01-01 TO 2025-06-30]. See the README for the whole language.

    \b
    kb search "IRS AND ICE"
    kb search 'org:ICE AND "taxpayer data"' --since 2025-01 --format json
    """
    output = "json" if as_json else output
    start = offset if offset is not None else (page - 1) * limit
    results = context.open().search(
        query, since=since, until=until, sources=sources, languages=languages, entities=entities, sort=sort,
        limit=limit, offset=start,
        facets=facet_top if output in ("text", "json") else 0,
        facet_types=[t.strip() for t in facet_types.split(",") if t.strip()], fragments=fragments, width=snippet_width(),
        collapse=collapse,
    )
    for hint in results.hints:
        click.echo(f"Hint: {hint}", err=True)
    beyond = render.past_the_end(results.total, limit, start, page if offset is None else None)
    if beyond:
        click.echo(f"Note: {beyond}", err=True)
    if output == "text":
        click.echo(render.search_text(results, marker(no_color)))
    elif output == "json":
        emit_json(render.search_json(results))
    elif results.hits:
        click.echo({"jsonl": render.hits_jsonl, "csv": render.hits_csv, "ids": render.hits_ids}[output](results.hits))


@click.command()
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


@click.command()
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


@click.command()
@click.argument("query")
@click.option("--by", type=click.Choice(BUCKETS), default="month", show_default=True,
              help="Bucket: a period of publication, the source, or an entity type.")
@filter_options
@format_option(("text", "csv", "json"))
@pass_context
def count(context, query, by, since, until, sources, entities, output):
    """Count matching articles per day, week, month, year, source or entity.

    The chart shows the periods with matches (and how many empty ones it leaves out);
    CSV and JSON hold every period from the first match to the last, empty ones as zero.
    Matches without a date, source or entity of the type are counted last: undated,
    (unknown), (none).

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
        click.echo(render.counts_text(counts, by))
