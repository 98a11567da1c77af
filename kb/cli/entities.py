"""Entity commands: `kb entities` (list, merge, rename, retype, ignore) and `kb entity`."""
from __future__ import annotations

import click

from kb import render
from kb.cli.base import emit_json, format_option, pass_context
from kb.vocabulary import ENTITY_TYPES

type_option = click.option("--type", "entity_type", type=click.Choice(ENTITY_TYPES), help="Entity type.")


@click.group(invoke_without_command=True)
@type_option
@click.option("--query", metavar="QUERY", help="Only among the articles matching this search.")
@click.option("--limit", "-n", default=20, show_default=True, type=click.IntRange(1, 10_000))
@format_option(("text", "csv", "json"))
@click.pass_context
def entities(ctx, entity_type, query, limit, output):
    """List the most-mentioned entities, or correct them (merge, rename, retype, ignore).

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
    click.echo(render.entity_text(context.open().merge_entities(keep, other, type=entity_type)))


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
    click.echo(render.entity_text(context.open().rename_entity(name, new_name, type=entity_type)))


@entities.command()
@click.argument("name")
@click.argument("new_type", metavar="TYPE", type=click.Choice(ENTITY_TYPES))
@click.option("--type", "entity_type", type=click.Choice(ENTITY_TYPES),
              help="The entity's type now (when NAME names entities of several types).")
@pass_context
def retype(context, name, new_type, entity_type):
    """Give an entity another type (person, org or place); extracting it again keeps it.

    \b
    kb entities retype "Tony Blair" person
    """
    click.echo(render.entity_text(context.open().retype_entity(name, new_type, type=entity_type)))


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
    click.echo(render.entity_text(context.open().ignore_entity(name, type=entity_type, ignored=not undo)))


@click.command()
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
        click.echo(render.entity_text(profile))
