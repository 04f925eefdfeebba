"""``sourcekeeper changes``."""

from __future__ import annotations

import click

from crawler import api
from crawler.cli import cli
from crawler.cli.options import db_option, echo_json, json_option, shown_time, utc_option


@cli.command()
@db_option
@click.option("--all", "everything", is_flag=True,
              help="Also list churn (time stamps, counters, link lists, markup).")
@click.option("--document", metavar="PATH|ID", help="Only the URLs this document cites.")
@click.option("--format", "format_", type=click.Choice(("text", "atom")), default="text",
              show_default=True, help="atom: an Atom feed, for feed readers.")
@click.option("-o", "--output", "destination", default="-", show_default=True,
              help="Output file, or - for stdout (replaced only when complete).")
@json_option
@utc_option
def changes(db, everything, document, format_, destination, as_json, utc):
    """List URLs whose archived page changed, most recent first, each with its latest change
    and why; only changes that matter (to the article, or to the page's visible text) unless
    --all. --format atom writes the same as an Atom feed (for cron: -o feed.xml, served by
    any web server, read by any feed reader).

    \b
    Examples:
      sourcekeeper changes --db archive.db
      sourcekeeper changes --format atom -o changes.xml --db archive.db
    """
    if format_ == "atom":
        count = api.write_changes(destination, db=db, everything=everything, document=document)
        if destination != "-":
            click.echo(f"{count} changes written to {destination}", err=True)
        return
    found = api.changes(db=db, everything=everything, document=document)
    for change in found:
        if as_json:
            echo_json(change)
            continue
        click.echo(f"{shown_time(change.changed_at, utc)}  {change.snapshots} snapshots  "
                   f"{change.url}\n    {change.outcome}: {change.summary}")
    if not found and not as_json:
        click.echo("no changes", err=True)
