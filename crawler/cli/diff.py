"""``sourcekeeper diff``."""

from __future__ import annotations

import click

from crawler import api
from crawler.cli import cli
from crawler.cli.options import db_option, parse_time


@cli.command()
@click.argument("url")
@db_option
@click.option("--from", "since", help="Compare from the snapshot current at this time.")
@click.option("--to", "until", help="Compare to the snapshot current at this time.")
def diff(url, db, since, until):
    """Show how URL's archived text changed: a one-line summary, then a unified diff.

    By default the last two snapshots (each snapshot differs from the one before).

    \b
    Example:
      sourcekeeper diff https://example.org/story --db archive.db
    """
    compared = api.diff(url, db=db, since=parse_time(since, end=True),
                        until=parse_time(until, end=True))
    if compared is None:
        click.echo(f"{url}: fewer than two snapshots to compare", err=True)
        return
    kind = "material change" if compared.material else "minor change"
    click.echo(f"{compared.old.fetched_at} -> {compared.new.fetched_at}: "
               f"{compared.summary}; {kind}")
    for line in compared.lines:
        click.echo(line)
