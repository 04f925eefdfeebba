"""``sourcekeeper changes``."""

from __future__ import annotations

import click

from crawler import api
from crawler.cli import cli
from crawler.cli.options import db_option


@cli.command()
@db_option
@click.option("--all", "everything", is_flag=True,
              help="Also list churn (time stamps, counters, link lists).")
def changes(db, everything):
    """List URLs whose archived page changed, most recent first, each with its latest change
    and why; only changes that matter (to the article, or to the page's visible text) unless
    --all.

    \b
    Example:
      sourcekeeper changes --db archive.db
    """
    found = api.changes(db=db, everything=everything)
    for change in found:
        click.echo(f"{change.changed_at}  {change.snapshots} snapshots  {change.url}\n"
                   f"    {change.outcome}: {change.summary}")
    if not found:
        click.echo("no changes", err=True)
