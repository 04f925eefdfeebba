"""Commands that fetch: crawl, refetch, schedule (and the distributed worker and ingest)."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import click

from crawler.archive import Archive
from crawler.change import summarize
from crawler.cli import cli, db_option, fail, fetch_options, fetch_settings, open_archive
from crawler.cli import parse_settings
from crawler.lock import LockHeld, RunLock
from crawler.schedule import ScheduleError, cron_line, iso, parse_duration
from crawler.url import InvalidURL, fetchable


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@db_option
@click.option("--all", "everything", is_flag=True,
              help="Check every URL now, not only those due by the schedule.")
@click.option("--limit", type=click.IntRange(min=1), help="Check at most N URLs, most overdue "
                                                         "first.")
@click.option("--redis", "redis_url", metavar="URL",
              help="Distribute the fetching: queue the due URLs in this Redis for "
                   "`sourcekeeper worker` processes and write what they send back.")
@click.option("--prefix", default="sourcekeeper", show_default=True,
              help="Prefix of the Redis keys (one per archive).")
@click.option("--no-ingest", is_flag=True,
              help="With --redis: only queue the URLs; `sourcekeeper ingest` writes the items.")
@fetch_options
def crawl(paths, db, everything, limit, redis_url, prefix, no_ingest, allow_private, pairs,
          verbose):
    """Read the documents under PATHS and check the source URLs they cite that are due.

    PATHS are files or folders (searched recursively for .txt, .md and .html documents).
    Without PATHS, every archived URL that is due is checked. A new URL is due at once; a
    checked one again after an interval that grows while the page does not change. Only one
    crawl runs at a time on an archive. Ends with a one-line summary; exits 0 when the run
    completed, even if some URLs failed (they are recorded). With --redis, workers on any
    number of machines do the fetching.

    \b
    Example:
      sourcekeeper crawl notes/ --db archive.db
    """
    from crawler.run import crawl as run_crawl, project_settings

    overrides = fetch_settings(db, allow_private, pairs, verbose, sys.stderr.isatty())
    archive = open_archive(db, write=True)
    try:
        lock = RunLock(db).acquire()
        archive.interrupt_stale_runs("crawl")
    except LockHeld as exc:
        fail(f"{db}: {exc}")
    except OSError as exc:
        fail(f"{db}: cannot take the run lock: {exc.strerror or exc}")
    finally:
        archive.close()
    try:
        if redis_url:
            result = distributed(list(paths), db, redis_url, prefix, not no_ingest,
                                 project_settings(overrides), everything, limit)
            if result is None:
                return
        else:
            result = run_crawl(list(paths), project_settings(overrides), all=everything,
                               limit=limit)
    finally:
        lock.release()
    click.echo(result.summary)
    if result.signal is not None:
        fail(f"crawl interrupted by {signal.Signals(result.signal).name}; the URLs not checked "
             f"stay due", 128 + result.signal)
    if not result.finished:
        fail(f"crawl did not finish: {result.stats.get('finish_reason', 'unknown reason')}")


@cli.command()
@click.argument("url")
@db_option
@fetch_options
def refetch(url, db, allow_private, pairs, verbose):
    """Fetch URL now, whatever its schedule, and archive it.

    Prints new, changed (with a summary of the text change), unchanged or failed: <reason>.
    The URL is added to the archive if it is not there yet. Safe to run while a crawl is
    writing the same archive.

    \b
    Example:
      sourcekeeper refetch https://example.org/story --db archive.db
    """
    from crawler.run import crawl as run_crawl, project_settings

    try:
        fetchable(url)
    except InvalidURL as exc:
        fail(str(exc), 2)
    open_archive(db, write=True).close()
    result = run_crawl([], project_settings(fetch_settings(db, allow_private, pairs, verbose)),
                       url=url)
    if result.signal is not None:
        fail(f"refetch interrupted by {signal.Signals(result.signal).name}", 128 + result.signal)
    if not result.finished:
        fail(f"refetch did not finish: {result.stats.get('finish_reason', 'unknown reason')}")
    with open_archive(db) as archive:
        check = archive.db.execute(
            "SELECT outcome, reason, snapshot_id FROM checks WHERE run_id = ? AND url_id = ?"
            " ORDER BY id DESC LIMIT 1",
            [result.stats.get("archive/run_id"), result.stats.get("refetch/url_id")],
        ).fetchone()
        if check is None:
            fail(f"{url}: failed: no answer recorded")
        outcome, reason, snapshot_id = check
        if outcome == "failed":
            click.echo(f"failed: {reason}")
            sys.exit(1)
        if outcome == "changed":
            texts = archive.db.execute(
                "SELECT text FROM snapshots WHERE url_id = (SELECT url_id FROM snapshots"
                " WHERE id = ?) AND id <= ? ORDER BY id DESC LIMIT 2",
                [snapshot_id, snapshot_id]).fetchall()
            click.echo(f"changed: {summarize(texts[1][0], texts[0][0])}")
        else:
            click.echo(outcome)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@db_option
@click.option("--every", default="6h", show_default=True,
              help="Time between the starts of two runs: 30m, 6h, 1d, ...")
@click.option("--print-cron", is_flag=True, help="Print a crontab line instead of running.")
@click.option("--max-runs", type=click.IntRange(min=1), hidden=True)
@fetch_options
def schedule(paths, db, every, print_cron, max_runs, allow_private, pairs, verbose):
    """Run `crawl` (with PATHS, if any) every --every, in the foreground, forever.

    Each run is a fresh process; a run still going when the next is due delays it. Made for
    containers and systemd; stop it with Ctrl-C or SIGTERM. With --print-cron, prints the
    crontab line that does the same instead.

    \b
    Example:
      sourcekeeper schedule notes/ --db archive.db --every 6h
    """
    try:
        interval = parse_duration(every)
    except ScheduleError as exc:
        raise click.BadParameter(str(exc), param_hint="'--every'") from None
    command = [sys.executable, "-m", "crawler", "crawl",
               *[os.path.abspath(path) for path in paths], "--db", os.path.abspath(db)]
    command += ["--allow-private"] if allow_private else []
    command += [arg for pair in pairs for arg in ("-s", pair)] + ["-v"] * verbose
    if print_cron:
        log = os.path.abspath(db) + ".log"
        click.echo(cron_line(interval, shlex.join(command), log))
        return
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    runs = 0
    try:
        while max_runs is None or runs < max_runs:
            started = time.monotonic()
            code = subprocess.call(command)
            runs += 1
            wait = max(0.0, interval - (time.monotonic() - started))
            next_at = iso(datetime.now(UTC) + timedelta(seconds=wait))
            click.echo(f"run {runs} ended with exit code {code}; next run at {next_at}",
                       err=True)
            if max_runs is None or runs < max_runs:
                time.sleep(wait)
    except KeyboardInterrupt:
        click.echo("stopped", err=True)


class _Stop:
    """SIGINT/SIGTERM for processes that are not Scrapy's: finish the item, then stop."""

    def __init__(self) -> None:
        self.signal: int | None = None
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._received)

    def _received(self, signum: int, frame) -> None:
        self.signal = signum

    def __call__(self) -> bool:
        return self.signal is not None


def _relay(redis_url: str, prefix: str, settings):
    from crawler.relay import Relay, RelayError, connect

    try:
        return Relay(connect(redis_url, settings.getfloat("RELAY_CONNECT_WAIT")), prefix)
    except RelayError as exc:
        fail(str(exc))


def distributed(paths, db, redis_url, prefix, write, settings, everything, limit):
    """The coordinator's side of ``crawl --redis``; None when it only queued the URLs."""
    from crawler.coordinator import coordinate
    from crawler.run import RunResult

    relay = _relay(redis_url, prefix, settings)
    stop = _Stop()
    with Archive(db) as archive:
        tally, status = coordinate(
            paths, archive, relay, max_bytes=settings.getint("DOCUMENT_MAX_BYTES"),
            everything=everything, limit=limit, write=write, stopping=stop,
            grace=settings.getfloat("RELAY_REQUEUE_AFTER"))
    if status == "queued":
        click.echo(f"{tally['urls/due']} URLs queued in {redis_url} for the workers")
        return None
    finish = "finished" if status == "finished" else "shutdown"
    return RunResult({**tally, "finish_reason": finish}, stop.signal)


@cli.command()
@click.option("--redis", "redis_url", metavar="URL", required=True, help="The shared Redis.")
@click.option("--prefix", default="sourcekeeper", show_default=True,
              help="Prefix of the Redis keys (the coordinator's).")
@fetch_options
def worker(redis_url, prefix, allow_private, pairs, verbose):
    """Fetch and extract URLs queued in Redis by `crawl --redis`, until stopped.

    Run any number, on any machines; each sends its items back through Redis to the one
    process that writes the archive. A worker that dies leaves its URLs to the others.

    \b
    Example:
      sourcekeeper worker --redis redis://queue.internal:6379/0
    """
    from crawler.relay import client_options
    from crawler.run import WORKER_PIPELINES, project_settings, work

    overrides = fetch_settings(None, allow_private, pairs, verbose)
    overrides.update({
        "REDIS_URL": redis_url, "RELAY_PREFIX": prefix, "REDIS_PARAMS": client_options(),
        "REDIS_START_URLS_KEY": f"{prefix}:requests", "ITEM_PIPELINES": WORKER_PIPELINES,
    })
    settings = project_settings(overrides)
    _relay(redis_url, prefix, settings)
    result = work(settings)
    if result.signal is None and not result.finished:
        fail(f"worker stopped: {result.stats.get('finish_reason', 'unknown reason')}")


@cli.command()
@click.option("--redis", "redis_url", metavar="URL", required=True, help="The shared Redis.")
@click.option("--prefix", default="sourcekeeper", show_default=True,
              help="Prefix of the Redis keys (the coordinator's).")
@db_option
@click.option("-s", "--set", "pairs", multiple=True, metavar="KEY=VALUE",
              help="Override a setting (repeatable).")
def ingest(redis_url, prefix, db, pairs):
    """Write the items workers send back into the archive, until stopped.

    For `crawl --redis --no-ingest`: the one process that writes the archive. Items leave
    Redis only once committed.

    \b
    Example:
      sourcekeeper ingest --redis redis://queue.internal:6379/0 --db archive.db
    """
    from crawler.ingest import Tally, ingest as write_items
    from crawler.run import project_settings

    settings = project_settings(parse_settings(pairs))
    relay = _relay(redis_url, prefix, settings)
    archive = open_archive(db, write=True)
    try:
        lock = RunLock(db, "ingest").acquire()
    except LockHeld as exc:
        archive.close()
        fail(f"{db}: {exc}")
    stop = _Stop()
    try:
        write_items(relay, archive, Tally(), until_done=False, stopping=stop,
                    grace=settings.getfloat("RELAY_REQUEUE_AFTER"))
    finally:
        lock.release()
        archive.close()
