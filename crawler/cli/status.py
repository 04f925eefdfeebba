"""``sourcekeeper status``."""

from __future__ import annotations

import click

from crawler import api
from crawler.cli import cli
from crawler.cli.options import db_option


@cli.command()
@db_option
def status(db):
    """Show the archive at a glance: documents, URLs, snapshots, what is due, failing, runs.

    \b
    Example:
      sourcekeeper status --db archive.db
    """
    state = api.status(db=db)
    click.echo(f"archive: {db}")
    click.echo(f"documents: {state.documents}")
    click.echo(f"URLs: {state.urls} ({state.due} due now, {state.failing} failing, "
               f"{state.never_archived} never archived)")
    click.echo(f"snapshots: {state.snapshots} ({state.bodies_bytes / 1e6:.1f} MB of compressed "
               f"bodies)")
    click.echo("last runs:" if state.runs else "last runs: none")
    for run in state.runs:
        ended = f"{run.status} ({run.reason})" if run.reason else run.status
        html = f", {run.html_changed} html-changed" if run.html_changed else ""
        churn = f", {run.churn} churn" if run.churn else ""
        click.echo(f"  #{run.id} {run.command} {run.started_at} {ended}: {run.new} new, "
                   f"{run.changed} changed{html}, {run.unchanged} unchanged{churn}, "
                   f"{run.failed} failed")
