"""Commands that read the archive: status, history, search, export, report, diff, changes."""

from __future__ import annotations

import os

import click

from crawler.archive import ArchiveError
from crawler.change import MATERIAL_BELOW, diff as text_diff, is_material, summarize
from crawler.cli import cli, db_option, fail, open_archive, parse_time
from crawler.export import FORMATS, ExportError, output, write_csv, write_jsonl
from crawler.query import NotArchived, SnapshotFilter, find_document, history as url_history
from crawler.query import changes as url_changes, search as full_text, snapshot_pair
from crawler.query import snapshot_rows, status as archive_status
from crawler.rendering import FORMATS as REPORT_FORMATS, RENDERERS
from crawler.report import build as build_report
from crawler.warc import WarcExport


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


def output_options(formats: tuple[str, ...], default: str):
    """``--format`` and ``-o``, as every command that writes a file has them."""

    def decorate(command):
        command = click.option("-o", "--output", "destination", default="-", show_default=True,
                               help="Output file, or - for stdout.")(command)
        return click.option("--format", "format_", type=click.Choice(formats), default=default,
                            show_default=True, help="Output format.")(command)

    return decorate


@cli.command()
@db_option
@output_options(FORMATS, "jsonl")
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
@output_options(REPORT_FORMATS, "text")
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
