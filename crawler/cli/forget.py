"""``sourcekeeper forget``."""

from __future__ import annotations

import click

from crawler import api
from crawler.cli import cli
from crawler.cli.options import db_option
from crawler.core.views import Forgotten


def _plural(count: int, what: str) -> str:
    if count == 1:
        return f"{count} {what}"
    return f"{count} {what[:-1]}ies" if what.endswith("y") else f"{count} {what}s"


def describe(done: Forgotten) -> str:
    """What forgetting did, in one plain sentence."""
    names = ", ".join(done.names[:3]) + (f" and {len(done.names) - 3} more"
                                         if len(done.names) > 3 else "")
    if done.what == "url":
        head = f"forgot {names}: no longer checked"
    else:
        head = (f"forgot {names}: {_plural(done.unscheduled, 'URL')} no longer checked"
                + (f", {done.still_cited} still checked for other documents"
                   if done.still_cited else ""))
    if done.purged:
        versions = f"{_plural(done.versions, 'document version')}, " if done.versions else ""
        return (f"{head}; deleted {versions}{_plural(done.snapshots, 'snapshot')} and "
                f"{_plural(done.bodies, 'stored body')} nothing else used")
    return (f"{head}; {_plural(done.snapshots, 'snapshot')} kept (--purge deletes them)")


@cli.command()
@click.argument("target")
@db_option
@click.option("--purge", is_flag=True,
              help="Also delete the snapshots (and a document's versions): they are gone for "
                   "good.")
def forget(target, db, purge):
    """Stop checking TARGET: a document (its path, a folder, or its id) or a URL.

    A forgotten document's URLs are no longer checked unless another document still cites
    them; a forgotten URL is never checked again (``refetch`` brings it back). Snapshots are
    kept as evidence unless --purge.

    \b
    Example:
      sourcekeeper forget notes/old-draft.md --db archive.db
    """
    click.echo(describe(api.forget(target, db=db, purge=purge)))
