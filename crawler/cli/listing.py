"""``sourcekeeper list``."""

from __future__ import annotations

import click

from crawler import api
from crawler.cli import cli
from crawler.cli.options import db_option, echo_json, json_option, shown_time, utc_option
from crawler.core.models import UrlState
from crawler.core.timers import duration_text
from crawler.core.views import UrlStatus

_DETAIL = 100  # characters of the reason shown on a line; all of it in --json and the report


def _every(status: UrlStatus) -> str:
    if status.forgotten_at:
        return "forgotten"
    if status.fixed_interval:
        return f"every {duration_text(status.fixed_interval)} (set)"
    if status.interval:
        return f"every {duration_text(max(60, round(status.interval / 60) * 60))}"
    return "new"


def _line(status: UrlStatus, utc: bool) -> str:
    checked = "never checked" if not status.last_checked_at else (
        f"checked {shown_time(status.last_checked_at, utc)} ({status.last_outcome})")
    if status.forgotten_at:
        due = "next never"
    elif status.next_check_at:
        due = f"next {shown_time(status.next_check_at, utc)}"
    else:
        due = "due now"
    detail = f"  {status.detail}" if status.detail else ""
    if len(detail) > _DETAIL:
        detail = detail[:_DETAIL - 1] + "…"
    return (f"{status.state:<11} {status.url}  {checked}  {due}  {_every(status)}  "
            f"{status.snapshots} snapshots, {status.documents} documents{detail}")


@cli.command("list")
@db_option
@click.option("--state", "states", multiple=True, metavar="STATE",
              type=click.Choice([str(state) for state in UrlState]),
              help="Only URLs in this state (repeatable): " + ", ".join(UrlState) + ".")
@json_option
@utc_option
def list_urls(db, states, as_json, utc):
    """List the archived URLs: each one's state now, last and next check, how often it is
    checked, its snapshots and how many documents cite it. The ones that need a person
    come first (gone, unreachable, soft-404, blocked, moved, changed, failing), one line
    each.

    \b
    Examples:
      sourcekeeper list --db archive.db
      sourcekeeper list --state gone --state soft-404 --json --db archive.db
    """
    for status in api.url_states(db=db, states={UrlState(state) for state in states}):
        if as_json:
            echo_json(status)
        else:
            click.echo(_line(status, utc))
