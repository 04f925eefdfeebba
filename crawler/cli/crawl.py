"""``sourcekeeper crawl``."""

from __future__ import annotations

import sys

import click

from crawler import api
from crawler.cli import cli
from crawler.cli.options import (
    TIMESTAMPS, db_option, fetch_options, fetch_settings, local_now, prefix_option,
    quiet_option, save_option,
)
from crawler.core.models import RunStatus
from crawler.core.url import redacted


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, allow_dash=True))
@db_option
@click.option("--all", "everything", is_flag=True,
              help="Check every URL now, not only those due by the schedule.")
@click.option("--limit", type=click.IntRange(min=1), help="Check at most N URLs, most overdue "
                                                         "first.")
@click.option("--failing", is_flag=True,
              help="Re-check now the archived URLs whose last check failed.")
@click.option("--url", "recheck_urls", multiple=True, metavar="URL",
              help="Re-check now this archived URL (repeatable).")
@click.option("--document", "recheck_documents", multiple=True, metavar="PATH|ID",
              help="Re-check now the URLs this archived document (or folder) cites "
                   "(repeatable).")
@click.option("--redis", "redis_url", metavar="URL",
              help="Distribute the fetching: queue the due URLs in this Redis for "
                   "`sourcekeeper worker` processes and write what they send back.")
@prefix_option("Prefix of the Redis keys (one per archive).")
@click.option("--no-ingest", is_flag=True,
              help="With --redis: only queue the URLs; `sourcekeeper ingest` writes the items.")
@click.option("--all-links", is_flag=True,
              help="Cite every link of a saved web page, not only its main content's.")
@click.option("--exclude", "patterns", multiple=True, metavar="PATTERN",
              help="Never cite URLs matching this pattern (*, ?; repeatable).")
@click.option("--follow-links", is_flag=True,
              help="Read files a folder links to outside itself (not followed by default).")
@click.option("--timestamps", is_flag=True,
              help="Begin every output line with the time (for logs: cron, schedule).")
@save_option
@quiet_option
@fetch_options
def crawl(paths, db, everything, limit, failing, recheck_urls, recheck_documents, redis_url,
          prefix, no_ingest, all_links, patterns, follow_links, timestamps, save_to_wayback,
          quiet, allow_private, pairs, verbose):
    """Read the documents under PATHS and check the source URLs they cite that are due.

    PATHS are files or folders (searched recursively for text, Markdown, HTML, PDF, DOCX,
    ODT, RTF and mail documents); - reads a document from stdin.
    Without PATHS, every archived URL that is due is checked. A new URL is due at once; a
    checked one again after an interval that grows while the page does not change. Only one
    crawl runs at a time on an archive. Ends with a one-line summary; exits 0 when the run
    completed, even if some URLs failed (they are recorded). With --redis, workers on any
    number of machines do the fetching.

    Sources found gone, unreachable, blocked, a soft-404 or moved, and those first archived
    long after a document citing them was written, are then looked up in public web archives
    (see recover); -s MEMENTO_FALLBACK=False never contacts them.

    --failing, --url and --document re-check a part of the archive now, due or not (with
    PATHS, among the URLs they cite); `sourcekeeper list` shows what is in which state.

    \b
    Examples:
      sourcekeeper crawl notes/ --db archive.db
      sourcekeeper crawl --failing --db archive.db
    """
    settings = fetch_settings(allow_private, pairs, verbose,
                              progress=sys.stderr.isatty() and not quiet)
    if timestamps:
        settings["LOG_FORMAT"] = f"%(asctime)s {settings['LOG_FORMAT']}"
        settings["LOG_DATEFORMAT"] = "%Y-%m-%dT%H:%M:%S%z"
        click.get_current_context().find_root().meta[TIMESTAMPS] = True
    if all_links:
        settings["ALL_LINKS"] = True
    if follow_links:
        settings["DOCUMENT_FOLLOW_LINKS"] = True
    if patterns:
        settings["EXCLUDE_URLS"] = list(patterns)
    if save_to_wayback:
        settings["SAVE_TO_WAYBACK"] = True
    result = api.crawl(list(paths), db=db, everything=everything, limit=limit,
                       redis=redis_url, prefix=prefix, write=not no_ingest, settings=settings,
                       failing=failing, recheck_urls=recheck_urls,
                       recheck_documents=recheck_documents)
    stamp = f"{local_now()} " if timestamps else ""
    if quiet:
        if (error := result.error("crawl")) is not None:
            raise error
        return
    if result.status is RunStatus.QUEUED:
        click.echo(f"{stamp}{result.counts.urls_due} URLs queued in {redacted(redis_url)} for the "
                   "workers")
        return
    click.echo(f"{stamp}{result.summary}")
    if (error := result.error("crawl")) is not None:
        raise error
