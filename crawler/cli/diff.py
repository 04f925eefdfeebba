"""``sourcekeeper diff``."""

from __future__ import annotations

import click

from crawler import api
from crawler.cli import cli
from crawler.cli.options import Moment, db_option, shown_time, utc_option


@cli.command()
@click.argument("url")
@db_option
@click.option("--from", "since", type=Moment(end=True),
              help="Compare from the snapshot current at this time.")
@click.option("--to", "until", type=Moment(end=True),
              help="Compare to the snapshot current at this time.")
@click.option("--archived", is_flag=True,
              help="Compare the web archive's copy of URL (see recover) with our snapshot.")
@utc_option
def diff(url, db, since, until, archived, utc):
    """Show how URL's archived text changed: what changed and why (material or churn, and
    how many of its sentences), then a unified diff.

    By default the last two snapshots (each snapshot differs from the one before).

    \b
    Example:
      sourcekeeper diff https://example.org/story --db archive.db
    """
    compared = api.diff(url, db=db, since=since, until=until, archived=archived)
    if compared is None:
        missing = "no archived copy and snapshot" if archived else "fewer than two snapshots"
        click.echo(f"{url}: {missing} to compare", err=True)
        return
    lead = "archived copy taken " if archived else ""
    click.echo(f"{lead}{shown_time(compared.old.fetched_at, utc)} -> "
               f"{shown_time(compared.new.fetched_at, utc)}: {compared.summary}")
    for line in compared.lines:
        click.echo(line)
