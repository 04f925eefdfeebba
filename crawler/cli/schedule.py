"""``sourcekeeper schedule``."""

from __future__ import annotations

import os
import signal
import sys

import click
from click.core import ParameterSource

from crawler import api
from crawler.cli import cli
from crawler.cli.options import Duration, db_option, fetch_options, shown_time
from crawler.core.timers import duration_text


def _is_url(target: str) -> bool:
    return target.startswith(("http://", "https://"))


@cli.command()
@click.argument("targets", metavar="[PATHS | URLS]...", nargs=-1)
@db_option
@click.option("--every", default="6h", show_default=True, type=Duration(),
              help="Time between the starts of two runs: 30m, 6h, 1d, ...; with URLS, how "
                   "often they are checked.")
@click.option("--adaptive", is_flag=True,
              help="With URLS: check them on the adaptive schedule again.")
@click.option("--print-cron", is_flag=True,
              help="Print a crontab line instead of running (with a comment when cron can "
                   "only keep a nearby interval).")
@click.option("--print-systemd", is_flag=True,
              help="Print a systemd service and timer instead of running (any interval).")
@click.option("--max-runs", type=click.IntRange(min=1), hidden=True)
@fetch_options
def schedule(targets, db, every, adaptive, print_cron, print_systemd, max_runs, allow_private,
             pairs, verbose):
    """Run `crawl` (with PATHS, if any) every --every, in the foreground, forever; or set
    how often archived URLS are checked.

    Each run is a fresh process; a run still going when the next is due delays it. Made for
    containers and systemd; stop it with Ctrl-C or SIGTERM. With --print-cron, prints the
    crontab line that does the same instead (cron keeps intervals that divide an hour, a
    day or a week; for others it says which interval it keeps), with --print-systemd a
    systemd timer, which keeps any interval.

    With URLS (a breaking story), each is checked every --every from now on, whatever the
    page does, until --adaptive gives it back to the schedule that follows its changes. The
    crawls that check them must run at least as often.

    \b
    Examples:
      sourcekeeper schedule notes/ --db archive.db --every 6h
      sourcekeeper schedule https://example.org/live-story --every 15m --db archive.db
    """
    urls = [target for target in targets if _is_url(target)]
    if urls:
        _set_intervals(targets, urls, db, None if adaptive else every)
        return
    if adaptive:
        raise click.UsageError("--adaptive is for URLS: it gives them back to the adaptive "
                               "schedule")
    for path in targets:
        if not os.path.exists(path):
            raise click.UsageError(f"{path}: no such file or folder (PATHS are documents; "
                                   "URLS start with http:// or https://)")
    paths = list(targets)
    options = {"db": db, "every": every, "allow_private": allow_private,
               "settings": list(pairs), "verbose": verbose}
    if print_cron:
        click.echo(api.cron_line(paths, **options))
        return
    if print_systemd:
        click.echo(api.systemd_units(paths, **options), nl=False)
        return

    def ended(run: int, code: int, next_at: str) -> None:
        click.echo(f"run {run} ended with exit code {code}; next run at "
                   f"{shown_time(next_at)}", err=True)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        api.schedule(paths, max_runs=max_runs, on_run=ended, **options)
    except KeyboardInterrupt:
        click.echo("stopped", err=True)


def _set_intervals(targets: tuple[str, ...], urls: list[str], db: str | None,
                   every: float | None) -> None:
    ctx = click.get_current_context()
    if len(urls) < len(targets):
        raise click.UsageError("give either PATHS (to run crawls) or URLS (to set how often "
                               "they are checked), not both")
    if every is not None and ctx.get_parameter_source("every") is ParameterSource.DEFAULT:
        raise click.UsageError("with URLS, say how often: --every 15m (or --adaptive)")
    for option in ("print_cron", "print_systemd"):
        if ctx.params[option]:
            raise click.UsageError(f"--{option.replace('_', '-')} is for PATHS, not URLS")
    for info in api.set_interval(*urls, every=every, db=db):
        how = f"every {duration_text(every)}" if every else "on the adaptive schedule"
        due = f"next at {shown_time(info.next_check_at)}" if info.next_check_at else "due now"
        click.echo(f"{info.url}: checked {how}, {due}")
    if every is not None:
        click.echo(f"sourcekeeper: note: crawls must run at least every {duration_text(every)} "
                   "for that (sourcekeeper schedule --every, cron)", err=True)
