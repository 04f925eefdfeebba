"""``sourcekeeper changes``."""

from __future__ import annotations

import click

from crawler import api
from crawler.cli import cli
from crawler.cli.options import db_option


@cli.command()
@db_option
@click.option("--all", "everything", is_flag=True, help="Also list minor changes (churn).")
def changes(db, everything):
    """List URLs whose archived text changed, most recent first; only material changes
    unless --all.

    \b
    Example:
      sourcekeeper changes --db archive.db
    """
    found = api.changes(db=db, everything=everything)
    for change in found:
        click.echo(f"{change.changed_at}  {change.snapshots} snapshots  "
                   f"{(change.similarity or 0):.0%} similar  "
                   f"{'material' if change.material else 'minor'}  {change.url}")
    if not found:
        click.echo("no changes", err=True)
