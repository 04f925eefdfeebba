"""``sourcekeeper refetch``."""

from __future__ import annotations

import click

from crawler import api
from crawler.cli import cli
from crawler.cli.options import db_option, fetch_options, fetch_settings
from crawler.core.models import Outcome


@cli.command()
@click.argument("url")
@db_option
@fetch_options
def refetch(url, db, allow_private, pairs, verbose):
    """Fetch URL now, whatever its schedule, and archive it.

    Prints new, unchanged, changed / html-changed / churn with what changed and why, or
    failed: <reason>.
    The URL is added to the archive if it is not there yet. Safe to run while a crawl is
    writing the same archive.

    \b
    Example:
      sourcekeeper refetch https://example.org/story --db archive.db
    """
    result = api.refetch(url, db=db, settings=fetch_settings(allow_private, pairs, verbose))
    if result.outcome is Outcome.FAILED:
        click.echo(f"failed: {result.reason}")
        click.get_current_context().exit(1)
    click.echo(f"{result.outcome}: {result.summary}" if result.summary
               else str(result.outcome))
