"""``sourcekeeper show``."""

from __future__ import annotations

import sys
from dataclasses import asdict

import click

from crawler import api
from crawler.cli import cli
from crawler.cli.options import db_option, echo_json, shown_time, utc_option


@cli.command()
@click.argument("url")
@db_option
@click.option("--at", metavar="WHEN",
              help="The version current at this date or time (the newest taken by then).")
@click.option("--snapshot", type=click.IntRange(min=1), metavar="N", help="Snapshot number N.")
@click.option("--text", "what", flag_value="text", default=True,
              help="The extracted text, with its headline (the default).")
@click.option("--html", "what", flag_value="html",
              help="The body exactly as received (decompressed), for a browser or a file.")
@click.option("--headers", "what", flag_value="headers",
              help="The status line and the response headers.")
@click.option("--json", "what", flag_value="json",
              help="The snapshot's record, as `export` writes it (without the body).")
@utc_option
def show(url, db, at, snapshot, what, utc):
    """Print one archived version of URL: by default its newest text. A first line on
    stderr says which snapshot it is and when it was taken, so that stdout is the content
    alone (`show URL --html > page.html`).

    \b
    Examples:
      sourcekeeper show https://example.org/story --db archive.db
      sourcekeeper show https://example.org/story --headers --db archive.db
    """
    if at and snapshot:
        raise click.UsageError("--at and --snapshot each choose a version: give one")
    record = api.show(url, db=db, at=at, snapshot=snapshot)
    change = f", {record.change}" if record.change and not record.memento else ""
    if record.memento is not None:
        change = (f", a copy from {record.memento.archive} taken "
                  f"{shown_time(record.memento.datetime, utc)}, not our own fetch")
    click.echo(f"snapshot {record.id} of {record.final_url or record.url}, taken "
               f"{shown_time(record.fetched_at, utc)} (HTTP {record.status}{change})", err=True)
    if what == "json":
        echo_json(asdict(record))
    elif what == "headers":
        click.echo(f"{record.protocol or 'HTTP/1.1'} {record.status}")
        for name, value in record.headers:
            click.echo(f"{name}: {value}")
    elif what == "html":
        body = api.body(record.body_sha256, db=db) if record.body_sha256 else None
        if body is None:
            raise click.ClickException(f"{url}: snapshot {record.id} has no stored body")
        textual = (record.content_type or "").startswith(("text/", "application/xhtml"))
        if sys.stdout.isatty() and not textual:
            raise click.UsageError(f"{record.content_type} is binary: not written to a "
                                   "terminal (redirect it to a file, or a pipe)")
        if sys.stdout.isatty():
            click.echo(body.decode("utf-8", errors="replace"))
        else:
            sys.stdout.flush()
            sys.stdout.buffer.write(body)
    else:
        if record.text is None:
            raise click.ClickException(f"{url}: snapshot {record.id} has no text (its "
                                       f"{record.content_type or 'body'}: try --html)")
        if record.title:
            click.echo(f"{record.title}\n")
        click.echo(record.text)
