"""``sourcekeeper schedule``."""

from __future__ import annotations

import signal
import sys

import click

from crawler import api
from crawler.cli import cli
from crawler.cli.options import Duration, db_option, fetch_options


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@db_option
@click.option("--every", default="6h", show_default=True, type=Duration(),
              help="Time between the starts of two runs: 30m, 6h, 1d, ...")
@click.option("--print-cron", is_flag=True,
              help="Print a crontab line instead of running (with a comment when cron can "
                   "only keep a nearby interval).")
@click.option("--print-systemd", is_flag=True,
              help="Print a systemd service and timer instead of running (any interval).")
@click.option("--max-runs", type=click.IntRange(min=1), hidden=True)
@fetch_options
def schedule(paths, db, every, print_cron, print_systemd, max_runs, allow_private, pairs,
             verbose):
    """Run `crawl` (with PATHS, if any) every --every, in the foreground, forever.

    Each run is a fresh process; a run still going when the next is due delays it. Made for
    containers and systemd; stop it with Ctrl-C or SIGTERM. With --print-cron, prints the
    crontab line that does the same instead (cron keeps intervals that divide an hour, a
    day or a week; for others it says which interval it keeps), with --print-systemd a
    systemd timer, which keeps any interval.

    \b
    Example:
      sourcekeeper schedule notes/ --db archive.db --every 6h
    """
    options = {"db": db, "every": every, "allow_private": allow_private,
               "settings": list(pairs), "verbose": verbose}
    if print_cron:
        click.echo(api.cron_line(list(paths), **options))
        return
    if print_systemd:
        click.echo(api.systemd_units(list(paths), **options), nl=False)
        return

    def ended(run: int, code: int, next_at: str) -> None:
        click.echo(f"run {run} ended with exit code {code}; next run at {next_at}", err=True)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        api.schedule(list(paths), max_runs=max_runs, on_run=ended, **options)
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
