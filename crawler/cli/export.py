"""``sourcekeeper export``."""

from __future__ import annotations

import sys

import click

from crawler import api
from crawler.cli import cli
from crawler.cli.options import Moment, db_option, output_options, quiet_option


@cli.command()
@db_option
@output_options(api.EXPORT_FORMATS, "jsonl")
@click.option("--url", help="Only snapshots of this URL.")
@click.option("--document", help="Only snapshots of URLs cited by this document (id or path).")
@click.option("--since", type=Moment(),
              help="Only snapshots fetched at or after this date/time (UTC).")
@click.option("--until", type=Moment(end=True),
              help="Only snapshots fetched at or before this date/time (UTC).")
@click.option("--latest", is_flag=True,
              help="Only the newest version of each URL (its newest snapshot with text: churn "
                   "after it repeats its article).")
@click.option("--checks", is_flag=True,
              help="Every check instead, failures included (jsonl, csv): a dead-link list.")
@click.option("--excel", is_flag=True,
              help="CSV for Excel: a byte-order mark, cells cut at Excel's 32,767 characters.")
@quiet_option
def export(db, format_, destination, url, document, since, until, latest, checks, excel,
           quiet):
    """Export archived snapshots with their text, metadata and citing documents.

    JSONL and CSV carry one snapshot per line; WARC 1.1 carries the request, the response as
    received (and each redirect), the extracted text and metadata, and replays in pywb and
    ReplayWeb.page. Binary output is never written to a terminal: use -o or a pipe.

    \b
    Example:
      sourcekeeper export --db archive.db --format warc -o sources.warc.gz
    """
    if destination == "-" and format_ in api.BINARY_EXPORT_FORMATS and sys.stdout.isatty():
        raise click.UsageError(f"{format_.upper()} is binary: not written to a terminal "
                               "(use -o FILE, or a pipe)")
    if excel and format_ != "csv":
        raise click.UsageError("--excel goes with --format csv")
    count = api.export(destination, format=format_, db=db, url=url, document=document,
                       since=since, until=until, latest=latest, checks=checks, excel=excel)
    if destination != "-" and not quiet:
        what = "checks" if checks else "snapshots"
        click.echo(f"{count} {what} written to {destination}", err=True)
