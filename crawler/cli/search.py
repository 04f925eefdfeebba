"""``sourcekeeper search``."""

from __future__ import annotations

import click

from crawler import api, config
from crawler.cli import cli
from crawler.cli.options import db_option


@cli.command()
@click.argument("query")
@db_option
@click.option("--limit", default=config.SEARCH_LIMIT, show_default=True,
              type=click.IntRange(min=1), help="Show at most N matches.")
def search(query, db, limit):
    """Search the archived text of sources and documents.

    Every word must match (stemmed: "troops" finds "troop"); "quote a phrase".

    \b
    Example:
      sourcekeeper search '"withdraw troops" Crimea' --db archive.db
    """
    results = api.search(query, db=db, limit=limit)
    if not results:
        click.echo("no matches", err=True)
    for result in results:
        title = f"  {result.title}" if result.title else ""
        click.echo(f"{result.kind}  {result.where}{title}  {result.date}")
        click.echo(f"    {' '.join(result.snippet.split())}")
