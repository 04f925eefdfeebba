"""The ``sourcekeeper`` command: a thin layer over crawler.run, crawler.query, crawler.export.

Exit codes: 0 the command did its job (a crawl that recorded some failed URLs included),
1 it could not (archive unusable, crawl already running or interrupted, URL failed), 2 usage
error. Errors are one line on stderr, starting ``sourcekeeper:``.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, time as clock, timedelta

import click

from crawler import __version__
from crawler.archive import Archive, ArchiveError
from crawler.change import MATERIAL_BELOW, diff as text_diff, is_material, summarize
from crawler.export import FORMATS, ExportError, output, write_csv, write_jsonl
from crawler.lock import LockHeld, RunLock
from crawler.query import NotArchived, SnapshotFilter, find_document, history as url_history
from crawler.query import changes as url_changes, search as full_text, snapshot_pair
from crawler.query import snapshot_rows, status as archive_status
from crawler.rendering import FORMATS as REPORT_FORMATS, RENDERERS
from crawler.report import build as build_report
from crawler.schedule import ScheduleError, cron_line, iso, parse_duration
from crawler.url import InvalidURL, fetchable
from crawler.warc import WarcExport

DB_HELP = "Archive file (default: $SOURCEKEEPER_DB or ./sourcekeeper.db)."
LOG_FORMAT = "%(levelname)s: %(message)s"


def fail(message: str, code: int = 1) -> None:
    click.echo(f"sourcekeeper: {message}", err=True)
    sys.exit(code)


def default_db() -> str:
    from crawler.settings import ARCHIVE_DB

    return ARCHIVE_DB


def parse_settings(pairs: tuple[str, ...]) -> dict[str, str]:
    settings = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="'-s'")
        settings[key] = value
    return settings


def open_archive(db: str, write: bool = False) -> Archive:
    try:
        archive = Archive(db)
        if write:
            archive.check_writable()
        return archive
    except ArchiveError as exc:
        fail(f"cannot open archive {exc}")


def parse_time(value: str | None, end: bool = False) -> str | None:
    """An ISO date or date-time as archive time text; a date alone spans the whole day."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime.combine(day, clock.max if end else clock.min, tzinfo=UTC)
        else:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO date or date-time") from None
    return iso(moment)


db_option = click.option("--db", default=default_db, help=DB_HELP,
                         type=click.Path(dir_okay=False))


def fetch_options(command):
    """Options of every command that fetches: they end up as Scrapy settings."""
    command = click.option("-v", "--verbose", count=True,
                           help="Log each URL (-v) or everything (-vv).")(command)
    command = click.option("-s", "--set", "pairs", multiple=True, metavar="KEY=VALUE",
                           help="Override a Scrapy or sourcekeeper setting (repeatable).")(command)
    return click.option("--allow-private", is_flag=True,
                        help="Allow fetching loopback and private addresses (tests, "
                             "intranets).")(command)


def fetch_settings(db: str, allow_private: bool, pairs: tuple[str, ...], verbose: int,
                   progress: bool = False) -> dict[str, object]:
    overrides: dict[str, object] = {
        "LOG_LEVEL": ["WARNING", "INFO", "DEBUG"][min(verbose, 2)],
        "LOG_FORMAT": LOG_FORMAT,
        "PROGRESS_BAR": progress and verbose == 0,
        **parse_settings(pairs),
        "ARCHIVE_DB": db,
    }
    if allow_private:
        overrides["FETCH_ALLOW_PRIVATE"] = True
    return overrides


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sourcekeeper")
def cli() -> None:
    """Find the sources your documents cite, fetch them and archive timestamped snapshots."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@db_option
@click.option("--all", "everything", is_flag=True,
              help="Check every URL now, not only those due by the schedule.")
@click.option("--limit", type=click.IntRange(min=1), help="Check at most N URLs, most overdue "
                                                         "first.")
@fetch_options
def crawl(paths, db, everything, limit, allow_private, pairs, verbose):
    """Read the documents under PATHS and check the source URLs they cite that are due.

    PATHS are files or folders (searched recursively for .txt, .md and .html documents).
    Without PATHS, every archived URL that is due is checked. A new URL is due at once; a
    checked one again after an interval that grows while the page does not change. Only one
    crawl runs at a time on an archive. Ends with a one-line summary; exits 0 when the run
    completed, even if some URLs failed (they are recorded).

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


@cli.command()
@db_option
def status(db):
    """Show the archive at a glance: documents, URLs, snapshots, what is due, failing, runs.

    \b
    Example:
      sourcekeeper status --db archive.db
    """
    with open_archive(db) as archive:
        state = archive_status(archive)
    click.echo(f"archive: {db}")
    click.echo(f"documents: {state['documents']}")
    click.echo(f"URLs: {state['urls']} ({state['due']} due now, {state['failing']} failing, "
               f"{state['never_archived']} never archived)")
    click.echo(f"snapshots: {state['snapshots']} "
               f"({state['bodies_bytes'] / 1e6:.1f} MB of compressed bodies)")
    click.echo("last runs:" if state["runs"] else "last runs: none")
    for run in state["runs"]:
        click.echo(f"  #{run['id']} {run['command']} {run['started_at']} "
                   f"{run['status']}: {run['new'] or 0} new, {run['changed'] or 0} changed, "
                   f"{run['unchanged'] or 0} unchanged, {run['failed'] or 0} failed")


@cli.command()
@click.argument("url")
@db_option
def history(url, db):
    """List every check of URL: time, status, outcome and text hash.

    \b
    Example:
      sourcekeeper history https://example.org/story --db archive.db
    """
    with open_archive(db) as archive:
        try:
            checks = url_history(archive, url)
        except NotArchived as exc:
            fail(str(exc))
    for check in checks:
        status_code = str(check["status"] or "-")
        detail = check["reason"] if check["outcome"] == "failed" else (
            (check["text_sha256"] or "")[:12] + (f"  {check['title']}" if check["title"] else ""))
        click.echo(f"{check['checked_at']}  {status_code:>3}  {check['outcome']:<9}  {detail}")


@cli.command()
@click.argument("query")
@db_option
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1))
def search(query, db, limit):
    """Search the archived text of sources and documents.

    Every word must match (stemmed: "troops" finds "troop"); "quote a phrase".

    \b
    Example:
      sourcekeeper search '"withdraw troops" Crimea' --db archive.db
    """
    with open_archive(db) as archive:
        results = full_text(archive, query, limit)
    if not results:
        click.echo("no matches", err=True)
    for result in results:
        title = f"  {result['title']}" if result["title"] else ""
        click.echo(f"{result['kind']}  {result['where']}{title}  {result['date']}")
        click.echo(f"    {' '.join(result['snippet'].split())}")


@cli.command()
@db_option
@click.option("--format", "format_", type=click.Choice(FORMATS), default="jsonl",
              show_default=True, help="Output format.")
@click.option("-o", "--output", "destination", default="-", show_default=True,
              help="Output file, or - for stdout.")
@click.option("--url", help="Only snapshots of this URL.")
@click.option("--document", help="Only snapshots of URLs cited by this document (id or path).")
@click.option("--since", help="Only snapshots fetched at or after this date/time (UTC).")
@click.option("--until", help="Only snapshots fetched at or before this date/time (UTC).")
@click.option("--latest", is_flag=True, help="Only the newest snapshot of each URL.")
def export(db, format_, destination, url, document, since, until, latest):
    """Export archived snapshots with their text, metadata and citing documents.

    JSONL and CSV carry one snapshot per line; WARC 1.1 carries the request, the response as
    received, the extracted text and metadata.

    \b
    Example:
      sourcekeeper export --db archive.db --format warc -o sources.warc.gz
    """
    chosen = SnapshotFilter(url=url, document=document, since=parse_time(since),
                            until=parse_time(until, end=True), latest=latest)
    archive = open_archive(db)
    try:
        rows = snapshot_rows(archive, chosen)
        with output(destination, binary=format_ == "warc") as stream:
            if format_ == "warc":
                count = WarcExport(archive, stream, os.path.basename(destination)).write(rows)
            elif format_ == "csv":
                count = write_csv(rows, stream)
            else:
                count = write_jsonl(rows, stream)
    except NotArchived as exc:
        fail(str(exc))
    except ExportError as exc:
        fail(f"cannot write {exc}")
    except ArchiveError as exc:
        fail(f"cannot read archive {exc}")
    finally:
        archive.close()
    if destination != "-":
        click.echo(f"{count} snapshots written to {destination}", err=True)


@cli.command()
@db_option
@click.option("--format", "format_", type=click.Choice(REPORT_FORMATS), default="text",
              show_default=True, help="Output format.")
@click.option("-o", "--output", "destination", default="-", show_default=True,
              help="Output file, or - for stdout.")
@click.option("--document", help="Only this document (id or path).")
def report(db, format_, destination, document):
    """Report, per document, the state of every cited source and how much of the document
    it still carries; documents whose original source is broken or no longer matches first.

    States: ok, changed, moved, soft-404, gone, unreachable, blocked, failing, unchecked.
    The HTML report is one self-contained page.

    \b
    Example:
      sourcekeeper report --db archive.db --format html -o report.html
    """
    archive = open_archive(db)
    try:
        ids = find_document(archive, document) if document else None
        entries = build_report(archive, ids)
        with output(destination) as stream:
            RENDERERS[format_](entries, stream)
    except NotArchived as exc:
        fail(str(exc))
    except ExportError as exc:
        fail(f"cannot write {exc}")
    finally:
        archive.close()


@cli.command()
@click.argument("url")
@db_option
@click.option("--from", "since", help="Compare from the snapshot current at this time.")
@click.option("--to", "until", help="Compare to the snapshot current at this time.")
def diff(url, db, since, until):
    """Show how URL's archived text changed: a one-line summary, then a unified diff.

    By default the last two snapshots (each snapshot differs from the one before).

    \b
    Example:
      sourcekeeper diff https://example.org/story --db archive.db
    """
    with open_archive(db) as archive:
        try:
            pair = snapshot_pair(archive, url, parse_time(since, end=True),
                                 parse_time(until, end=True))
        except NotArchived as exc:
            fail(str(exc))
    if pair is None:
        click.echo(f"{url}: fewer than two snapshots to compare", err=True)
        return
    old, new = pair
    kind = "material change" if is_material(old["text"], new["text"]) else "minor change"
    click.echo(f"{old['fetched_at']} -> {new['fetched_at']}: "
               f"{summarize(old['text'], new['text'])}; {kind}")
    for line in text_diff(old["text"], new["text"], old["fetched_at"], new["fetched_at"]):
        click.echo(line)


@cli.command()
@db_option
@click.option("--all", "everything", is_flag=True, help="Also list minor changes (churn).")
def changes(db, everything):
    """List URLs whose archived text changed, most recent first; only material changes
    unless --all.

    \b
    Example:
      sourcekeeper changes --db archive.db
    """
    with open_archive(db) as archive:
        found = url_changes(archive)
    shown = 0
    for change in found:
        material = change["lowest"] is not None and change["lowest"] < MATERIAL_BELOW
        if not (material or everything):
            continue
        shown += 1
        click.echo(f"{change['changed_at']}  {change['snapshots']} snapshots  "
                   f"{(change['similarity'] or 0):.0%} similar  "
                   f"{'material' if material else 'minor'}  {change['url']}")
    if not shown:
        click.echo("no changes", err=True)


def main() -> None:
    cli(prog_name="sourcekeeper")
