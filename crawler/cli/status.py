"""``sourcekeeper status``."""

from __future__ import annotations

import click

from crawler import api
from crawler.cli import cli
from crawler.cli.options import db_option, echo_json, json_option, shown_time, utc_option


@cli.command()
@db_option
@json_option
@utc_option
def status(db, as_json, utc):
    """Show the archive at a glance: documents, URLs, snapshots, what is due, failing, runs.

    \b
    Example:
      sourcekeeper status --db archive.db
    """
    state = api.status(db=db)
    if as_json:
        echo_json(state)
        return
    click.echo(f"archive: {db}")
    click.echo(f"documents: {state.documents}")
    click.echo(f"URLs: {state.urls} ({state.due} due now, {state.failing} failing, "
               f"{state.never_archived} never archived)")
    click.echo(f"snapshots: {state.snapshots} ({state.bodies_bytes / 1e6:.1f} MB of compressed "
               f"bodies)")
    if state.refused_items:
        click.echo(f"refused items: {state.refused_items} (a distributed crawl's writer refused "
                   f"them; kept in Redis' dead-letter list), the latest: {state.refused_reason}")
    click.echo("last runs:" if state.runs else "last runs: none")
    for run in state.runs:
        ended = f"{run.status} ({run.reason})" if run.reason else run.status
        html = f", {run.html_changed} html-changed" if run.html_changed else ""
        churn = f", {run.churn} churn" if run.churn else ""
        click.echo(f"  #{run.id} {run.command} {shown_time(run.started_at, utc)} {ended}: "
                   f"{run.new} new, {run.changed} changed{html}, {run.unchanged} "
                   f"unchanged{churn}, {run.failed} failed")
