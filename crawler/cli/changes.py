"""``sourcekeeper changes``."""

from __future__ import annotations

import click

from crawler import api
from crawler.cli import cli
from crawler.cli.options import db_option, echo_json, json_option, shown_time, utc_option


@cli.command()
@db_option
@click.option("--all", "everything", is_flag=True,
              help="Also list churn (time stamps, counters, link lists).")
@json_option
@utc_option
def changes(db, everything, as_json, utc):
    """List URLs whose archived page changed, most recent first, each with its latest change
    and why; only changes that matter (to the article, or to the page's visible text) unless
    --all.

    \b
    Example:
      sourcekeeper changes --db archive.db
    """
    found = api.changes(db=db, everything=everything)
    for change in found:
        if as_json:
            echo_json(change)
            continue
        click.echo(f"{shown_time(change.changed_at, utc)}  {change.snapshots} snapshots  "
                   f"{change.url}\n    {change.outcome}: {change.summary}")
    if not found and not as_json:
        click.echo("no changes", err=True)
