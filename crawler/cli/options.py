"""Options shared by several commands, and turning them into API arguments."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, is_dataclass
from datetime import datetime
from typing import Any, TypeVar

import click

from crawler import config
from crawler.core.clock import parse_duration, parse_moment
from crawler.core.clock import shown_time as shown_time  # for the commands
from crawler.errors import InvalidDuration, InvalidTime

LOG_FORMAT = "%(levelname)s: %(message)s"
_F = TypeVar("_F", bound=Callable[..., Any])

db_option = click.option(
    "--db", default=config.default_db, type=click.Path(dir_okay=False),
    help="Archive file (default: $SOURCEKEEPER_DB or ./sourcekeeper.db).")

settings_option = click.option(
    "-s", "--set", "pairs", multiple=True, metavar="KEY=VALUE",
    help="Override a Scrapy or sourcekeeper setting (repeatable).")


quiet_option = click.option("-q", "--quiet", is_flag=True,
                            help="Print nothing but errors; the exit code says how it went.")

json_option = click.option("--json", "as_json", is_flag=True,
                           help="JSON for scripts (one object per line for lists).")


def echo_json(value: Any) -> None:
    """One JSON object on a line: a dataclass (a record of crawler.core) or a dict."""
    click.echo(json.dumps(asdict(value) if is_dataclass(value) else value, ensure_ascii=False,
                          default=str))


save_option = click.option(
    "--save-to-wayback", is_flag=True,
    help="Ask the Wayback Machine's Save Page Now to capture each new or changed source "
         "(keys from $SPN_ACCESS_KEY/$SPN_SECRET; never fails the run).")

utc_option = click.option("--utc", is_flag=True,
                          help="Show times in UTC (default: local time).")


TIMESTAMPS = "sourcekeeper.timestamps"  # the root context's meta: stamp every line


def local_now() -> str:
    """Now, for a log line: ISO 8601 local time with its offset, to the second."""
    return datetime.now().astimezone().strftime("%Y-%m-%dT%H:%M:%S%z")


def prefix_option(help: str) -> Callable[[_F], _F]:
    return click.option("--prefix", default=config.default("RELAY_PREFIX"), help=help,
                        show_default=True)


def fetch_options(command: _F) -> _F:
    """Options of every command that fetches: they end up as Scrapy settings."""
    command = click.option("-v", "--verbose", count=True,
                           help="Log each URL and what it was (-v); Scrapy's own lines too "
                                "(-vv).")(command)
    command = settings_option(command)
    return click.option("--allow-private", is_flag=True,
                        help="Allow fetching loopback and private addresses (tests, "
                             "intranets).")(command)


def parse_settings(pairs: tuple[str, ...]) -> dict[str, str]:
    settings = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="'-s'")
        settings[key] = value
    return settings


def fetch_settings(allow_private: bool, pairs: tuple[str, ...], verbose: int,
                   progress: bool = False) -> dict[str, Any]:
    """The settings a fetching command passes to the API."""
    overrides: dict[str, Any] = {
        "LOG_LEVEL": ["WARNING", "INFO", "DEBUG"][min(verbose, 2)],
        "LOG_FORMAT": LOG_FORMAT,
        "LOG_SCRAPY": verbose >= 2,
        "PROGRESS_BAR": progress and verbose == 0,
        **parse_settings(pairs),
    }
    if allow_private:
        overrides["FETCH_ALLOW_PRIVATE"] = True
    return overrides


class Duration(click.ParamType):
    """``30m``, ``6h``, ``1d``: seconds."""

    name = "duration"

    def convert(self, value: Any, param: Any, ctx: Any) -> float:
        if isinstance(value, (int, float)):
            return float(value)
        try:
            return parse_duration(value)
        except InvalidDuration as exc:
            self.fail(str(exc), param, ctx)


class Moment(click.ParamType):
    """An ISO date or date-time, as archive time text; a date alone is its first moment (its
    last with ``end``: ``--until 2026-11-25`` includes that day)."""

    name = "date"

    def __init__(self, end: bool = False):
        self.end = end

    def convert(self, value: Any, param: Any, ctx: Any) -> str:
        try:
            return parse_moment(value, self.end)
        except InvalidTime as exc:
            self.fail(str(exc), param, ctx)


def output_options(formats: tuple[str, ...], default: str) -> Callable[[_F], _F]:
    """``--format`` and ``-o``, as every command that writes a file has them."""

    def decorate(command: _F) -> _F:
        command = click.option("-o", "--output", "destination", default="-", show_default=True,
                               help="Output file, or - for stdout.")(command)
        return click.option("--format", "format_", type=click.Choice(formats), default=default,
                            show_default=True, help="Output format.")(command)

    return decorate
