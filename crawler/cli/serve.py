"""``sourcekeeper serve``."""

from __future__ import annotations

import click

from crawler import config
from crawler.cli import cli
from crawler.cli.options import db_option


@cli.command()
@db_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; another than this machine needs --token.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0: any free port).")
@click.option("--open", "open_browser", is_flag=True, help="Open the archive in a browser.")
@click.option("--token", default=config.default_web_token, show_default="$SOURCEKEEPER_TOKEN",
              help="Require this token (asked once as ?token=, then a cookie).")
@click.option("--public", is_flag=True,
              help="Listen on another address without a token (anyone who can reach it reads "
                   "the archive).")
def serve(db, host, port, open_browser, token, public):
    """Browse the archive in a web browser, read-only: the documents (those that need a
    person first), each one's sources and their state, every snapshot (the archived page
    shown without its scripts), diffs, changes (also as an Atom feed) and search. Every
    page is also JSON (.json). Needs the web extra: pip install 'sourcekeeper[web]'.

    \b
    Example:
      sourcekeeper serve --db archive.db --open
    """
    from crawler.web import LOOPBACK_NAMES, require_web

    require_web()
    if host not in LOOPBACK_NAMES and not token and not public:
        raise click.UsageError(f"--host {host} lets other machines read the archive: give "
                               "--token (or $SOURCEKEEPER_TOKEN), or --public")
    from crawler.web.server import run

    run(db, host=host, port=port, token=token or None, open_browser=open_browser,
        announce=lambda url: click.echo(f"sourcekeeper: serving {db} at {url} (Ctrl-C to "
                                        "stop)", err=True))
