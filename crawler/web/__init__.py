"""``sourcekeeper serve``: the archive in a browser, read-only.

A small Starlette application (crawler.web.app) over the same API as the command line: it
opens the archive read-only, changes nothing, and answers every page as HTML for people or
JSON for programs (``.json`` or ``Accept: application/json``). Archived pages are shown the
only safe way: served from their own path with a Content-Security-Policy that forbids
scripts, connections and frames (``default-src 'none'; style-src 'unsafe-inline'; img-src
data:``, and ``sandbox``), inside an ``<iframe sandbox>``: nothing an archived page carries
ever runs, nor calls out. The templates escape every value (Jinja2 autoescape) and use no
JavaScript and no asset from the internet: it works offline and on a phone.

The web dependencies are an optional extra (``pip install 'sourcekeeper[web]'``): the
crawler does not need them, and ``serve`` says so in one line when they are missing.
"""

from __future__ import annotations

from importlib.util import find_spec

from crawler.errors import MissingExtra

__all__ = ["LOOPBACK_NAMES", "require_web"]

# This machine's names: serve answers only them without a token (no DNS rebinding).
LOOPBACK_NAMES = ["127.0.0.1", "localhost", "::1", "[::1]"]


def require_web() -> None:
    """Raise MissingExtra, in one line, when the web extra is not installed."""
    if any(find_spec(name) is None for name in ("jinja2", "starlette", "uvicorn")):
        raise MissingExtra("serve", "web")
