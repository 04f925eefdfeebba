"""``sourcekeeper recover``."""

from __future__ import annotations

import click

from crawler import api
from crawler.cli import cli
from crawler.cli.options import (
    db_option, echo_json, fetch_options, fetch_settings, json_option, quiet_option,
)
from crawler.core.mementos import Lookup, relative


def _said(lookup: Lookup) -> list[str]:
    """A look-up as lines for a person: the copy kept (or why none), then the others."""
    head = f"{lookup.url}\n"
    chosen = lookup.chosen_score
    if chosen is None:
        why = "; ".join(lookup.errors[:3]) if lookup.errors else \
            f"{len(lookup.captures)} captures listed, none could be read"
        if not lookup.captures and not lookup.errors:
            why = "no archive has a copy"
        return [f"{head}  no archived copy: {why}"]
    quotes = f"{len(chosen.quotes)} of {chosen.quotes_total} quotes, " \
        if chosen.quotes_total else ""
    lines = [f"{head}  recovered from {chosen.memento.archive}: "
             f"{relative(chosen.memento.datetime, lookup.written)}; {quotes}"
             f"coverage {chosen.coverage:.0%} (snapshot {lookup.snapshot_id})",
             f"  {chosen.memento.uri}"]
    for other in lookup.scores:
        if other is not chosen:
            quoted = f", {len(other.quotes)} quotes" if other.quotes_total else ""
            lines.append(f"  also {other.memento.datetime[:10]} {other.memento.archive}: "
                         f"coverage {other.coverage:.0%}{quoted}")
    return lines


@cli.command()
@click.argument("urls", nargs=-1, metavar="[URL]...")
@click.option("--document", "documents", multiple=True, metavar="PATH",
              help="The sources this archived document cites (repeatable).")
@click.option("--all-gone", "broken", is_flag=True,
              help="Every source that is gone, a soft-404, unreachable, blocked or moved.")
@db_option
@json_option
@quiet_option
@fetch_options
def recover(urls, documents, broken, db, as_json, quiet, allow_private, pairs, verbose):
    """Look sources up in the web's archives (the Wayback Machine, Memento TimeMaps) and
    keep the copy that best supports the documents citing them.

    Among the captures listed, the distinct ones nearest the document's date are fetched
    and the one taken before it that carries most of the document's quotes and text is
    archived as a snapshot of the source, marked as an archive's copy (never as our own
    fetch). Exits 1 when no copy was found for one of them. Archives are asked politely
    (MEMENTO_DELAY between two requests to one archive); endpoints are the
    MEMENTO_ENDPOINTS setting.

    \b
    Example:
      sourcekeeper recover https://example.org/story --db archive.db
      sourcekeeper recover --all-gone --db archive.db
    """
    lookups = api.recover(*urls, documents=tuple(documents), broken=broken, db=db,
                          settings=fetch_settings(allow_private, pairs, verbose))
    for lookup in lookups:
        if as_json:
            echo_json(lookup)
        elif not quiet:
            click.echo("\n".join(_said(lookup)))
    if not lookups and not as_json and not quiet:
        click.echo("nothing to look up", err=True)
    if any(lookup.chosen is None for lookup in lookups):
        click.get_current_context().exit(1)
