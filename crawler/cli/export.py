"""``sourcekeeper export``."""

from __future__ import annotations

import click

from crawler import api
from crawler.cli import cli
from crawler.cli.options import Moment, db_option, output_options


@cli.command()
@db_option
@output_options(api.EXPORT_FORMATS, "jsonl")
@click.option("--url", help="Only snapshots of this URL.")
@click.option("--document", help="Only snapshots of URLs cited by this document (id or path).")
@click.option("--since", type=Moment(),
              help="Only snapshots fetched at or after this date/time (UTC).")
@click.option("--until", type=Moment(end=True),
              help="Only snapshots fetched at or before this date/time (UTC).")
@click.option("--latest", is_flag=True, help="Only the newest snapshot of each URL.")
def export(db, format_, destination, url, document, since, until, latest):
    """Export archived snapshots with their text, metadata and citing documents.

    JSONL and CSV carry one snapshot per line; WARC 1.1 carries the request, the response as
    received, the extracted text and metadata.

    \b
    Example:
      sourcekeeper export --db archive.db --format warc -o sources.warc.gz
    """
    count = api.export(destination, format=format_, db=db, url=url, document=document,
                       since=since, until=until, latest=latest)
    if destination != "-":
        click.echo(f"{count} snapshots written to {destination}", err=True)
