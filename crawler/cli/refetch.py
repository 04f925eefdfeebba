"""``sourcekeeper refetch``."""

from __future__ import annotations

import sys
from contextlib import nullcontext

import click

from crawler import api
from crawler.cli import cli
from crawler.cli.options import (
    db_option, fetch_options, fetch_settings, quiet_option, save_option, shown_time,
    utc_option,
)
from crawler.core.models import Outcome

_ROBOTS_HINT = ("; the site asks robots not to fetch it: --ignore-robots saves it anyway "
                "(for this request only)")


def _urls(given: tuple[str, ...]) -> list[str]:
    """The URLs asked for: arguments, and ``-`` for one per line on stdin."""
    urls: list[str] = []
    for url in given:
        if url == "-":
            urls.extend(line.strip() for line in sys.stdin if line.strip())
        else:
            urls.append(url)
    if not urls:
        raise click.UsageError("no URL given (URLs as arguments, or - to read them from stdin)")
    return urls


@cli.command()
@click.argument("urls", nargs=-1, required=True, metavar="URL...")
@db_option
@click.option("--ignore-robots", is_flag=True,
              help="Fetch these URLs even if robots.txt disallows it (never for crawls).")
@utc_option
@save_option
@quiet_option
@fetch_options
def refetch(urls, db, ignore_robots, utc, save_to_wayback, quiet, allow_private, pairs,
            verbose):
    """Fetch each URL now, whatever its schedule, and archive it (``-``: one URL per line
    on stdin).

    Answers at once (one try, no retries: those are for scheduled crawls), one line per
    URL: new, unchanged, changed / html-changed / churn with what changed and why, or
    failed: <reason>; with the snapshot's id and when it was taken. Exits 1 when a URL
    failed. A URL is added to the archive if it is not there yet. Safe to run while a crawl
    is writing the same archive.

    \b
    Example:
      sourcekeeper refetch https://example.org/story --db archive.db
    """
    asked = _urls(urls)
    spinner = sys.stderr.isatty() and verbose == 0 and not quiet
    status = nullcontext()
    if spinner:
        from rich.console import Console

        status = Console(stderr=True).status(
            f"fetching {asked[0]}" if len(asked) == 1 else f"fetching {len(asked)} URLs")
    with status:
        settings = fetch_settings(allow_private, pairs, verbose)
        if save_to_wayback:
            settings["SAVE_TO_WAYBACK"] = True
        answers = api.refetch(*asked, db=db, ignore_robots=ignore_robots, settings=settings)
    failed = False
    for answer in answers:
        if quiet:
            if answer.outcome is Outcome.FAILED:
                failed = True
                click.echo(f"sourcekeeper: {answer.url}: {answer.reason}", err=True)
            continue
        lead = f"{answer.url}  " if len(answers) > 1 else ""
        if answer.outcome is Outcome.FAILED:
            failed = True
            hint = _ROBOTS_HINT if (answer.reason or "").startswith("blocked: robots") else ""
            click.echo(f"{lead}failed: {answer.reason}{hint}")
            continue
        said = f"{answer.outcome}: {answer.summary}" if answer.summary else str(answer.outcome)
        taken = f" (snapshot {answer.snapshot_id}, taken {shown_time(answer.taken_at, utc)})" \
            if answer.snapshot_id else ""
        click.echo(f"{lead}{said}{taken}")
    if failed:
        click.get_current_context().exit(1)
