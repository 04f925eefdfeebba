"""``sourcekeeper history``."""

from __future__ import annotations

import click

from crawler import api
from crawler.cli import cli
from crawler.cli.options import db_option, echo_json, json_option, shown_time, utc_option
from crawler.core.models import Outcome


@cli.command()
@click.argument("url")
@db_option
@json_option
@utc_option
def history(url, db, as_json, utc):
    """List every check of URL: time, status, outcome, and what changed and why (or the
    text hash and title of the snapshot it confirmed, or why it failed); and the copies of
    it taken from web archives (``memento``: which archive, when it took the copy).

    \b
    Example:
      sourcekeeper history https://example.org/story --db archive.db
    """
    for check in api.history(url, db=db):
        if as_json:
            echo_json(check)
            continue
        status_code = str(check.status or "-")
        if check.saved is not None:
            where = check.memento.uri if check.memento else check.reason or ""
            click.echo(f"{shown_time(check.checked_at, utc)}  {'-':>3}  {'wayback':<12}  "
                       f"Save Page Now: {check.saved}  {where}")
            continue
        if check.memento is not None:
            click.echo(f"{shown_time(check.checked_at, utc)}  {status_code:>3}  "
                       f"{'memento':<12}  copy from {check.memento.archive}, taken "
                       f"{shown_time(check.memento.datetime, utc)} (snapshot "
                       f"{check.snapshot_id}): {check.memento.uri}")
            continue
        if check.outcome is Outcome.FAILED:
            detail = check.reason or ""
        elif check.change:
            detail = check.change
        else:
            detail = (check.text_sha256 or "")[:12] + (f"  {check.title}" if check.title else "")
        click.echo(f"{shown_time(check.checked_at, utc)}  {status_code:>3}  "
                   f"{check.outcome:<12}  {detail}")
        if check.redirects:
            chain = ", ".join(f"{hop.url} -{hop.status}-> {hop.location}"
                              for hop in check.redirects)
            click.echo(f"{'':24}redirected: {chain}")
