"""``sourcekeeper search``."""

from __future__ import annotations

import click

from crawler import api, config
from crawler.cli import cli
from crawler.cli.options import db_option, echo_json, json_option, shown_time, utc_option


class _SearchCommand(click.Command):
    """``search troops -gaza``: a word after a dash excludes it (as in web search), it is not
    an option; such words are handed to QUERY (after ``--``) before click parses options."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        known = {name for param in self.params for name in getattr(param, "opts", [])}
        known |= set(ctx.help_option_names)
        excluded = [arg for arg in args if arg.startswith("-") and len(arg) > 1
                    and not arg.startswith("--") and arg.split("=")[0] not in known]
        if excluded and "--" not in args:
            args = [arg for arg in args if arg not in excluded] + ["--", *excluded]
        return super().parse_args(ctx, args)


@cli.command(cls=_SearchCommand)
@click.argument("query", nargs=-1, required=True)
@db_option
@click.option("--limit", default=config.SEARCH_LIMIT, show_default=True,
              type=click.IntRange(min=1), help="Show at most N matches.")
@click.option("--all-versions", is_flag=True,
              help="Every archived version of a page that matches, not only its newest.")
@json_option
@utc_option
def search(query, db, limit, all_versions, as_json, utc):
    """Search the archived text of sources (their article and all their visible text) and
    of documents. Exits 1 when nothing matches, like grep.

    Every word must match (stemmed: "troops" finds "troop"); "quote a phrase"; word* for a
    prefix; OR, NOT, NEAR(a b, 10) and parentheses as in SQLite FTS5; -word excludes a word.
    Each page is listed once, with its newest matching version and how many match.

    \b
    Example:
      sourcekeeper search '"withdraw troops" Crimea -gaza' --db archive.db
    """
    results = api.search(" ".join(query), db=db, limit=limit, all_versions=all_versions)
    for result in results:
        if as_json:
            echo_json(result)
            continue
        title = f"  {result.title}" if result.title else ""
        more = f"  ({result.versions} versions match)" if result.versions > 1 else ""
        click.echo(f"{result.kind}  {result.where}{title}  {shown_time(result.date, utc)}{more}")
        click.echo(f"    {' '.join(result.snippet.split())}")
    if not results:
        if not as_json:
            click.echo("no matches", err=True)
        click.get_current_context().exit(1)
