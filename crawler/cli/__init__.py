"""The ``sourcekeeper`` command: a thin layer over crawler.run, crawler.query, crawler.export.

The commands that fetch live in crawler.cli.fetching, those that read the archive in
crawler.cli.reading; shared options and helpers here.

Exit codes: 0 the command did its job (a crawl that recorded some failed URLs included),
1 it could not (archive unusable, crawl already running or interrupted, URL failed), 2 usage
error. Errors are one line on stderr, starting ``sourcekeeper:``.
"""

from __future__ import annotations

import sys
from datetime import UTC, date, datetime, time as clock

import click

from crawler import __version__
from crawler.archive import Archive, ArchiveError
from crawler.schedule import iso

DB_HELP = "Archive file (default: $SOURCEKEEPER_DB or ./sourcekeeper.db)."
LOG_FORMAT = "%(levelname)s: %(message)s"


def fail(message: str, code: int = 1) -> None:
    click.echo(f"sourcekeeper: {message}", err=True)
    sys.exit(code)


def default_db() -> str:
    from crawler.settings import ARCHIVE_DB

    return ARCHIVE_DB


def parse_settings(pairs: tuple[str, ...]) -> dict[str, str]:
    settings = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, got {pair!r}", param_hint="'-s'")
        settings[key] = value
    return settings


def open_archive(db: str, write: bool = False) -> Archive:
    try:
        archive = Archive(db)
        if write:
            archive.check_writable()
        return archive
    except ArchiveError as exc:
        fail(f"cannot open archive {exc}")


def parse_time(value: str | None, end: bool = False) -> str | None:
    """An ISO date or date-time as archive time text; a date alone spans the whole day."""
    if value is None:
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime.combine(day, clock.max if end else clock.min, tzinfo=UTC)
        else:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an ISO date or date-time") from None
    return iso(moment)


db_option = click.option("--db", default=default_db, help=DB_HELP,
                         type=click.Path(dir_okay=False))


def fetch_options(command):
    """Options of every command that fetches: they end up as Scrapy settings."""
    command = click.option("-v", "--verbose", count=True,
                           help="Log each URL (-v) or everything (-vv).")(command)
    command = click.option("-s", "--set", "pairs", multiple=True, metavar="KEY=VALUE",
                           help="Override a Scrapy or sourcekeeper setting (repeatable).")(command)
    return click.option("--allow-private", is_flag=True,
                        help="Allow fetching loopback and private addresses (tests, "
                             "intranets).")(command)


def fetch_settings(db: str, allow_private: bool, pairs: tuple[str, ...], verbose: int,
                   progress: bool = False) -> dict[str, object]:
    overrides: dict[str, object] = {
        "LOG_LEVEL": ["WARNING", "INFO", "DEBUG"][min(verbose, 2)],
        "LOG_FORMAT": LOG_FORMAT,
        "PROGRESS_BAR": progress and verbose == 0,
        **parse_settings(pairs),
        "ARCHIVE_DB": db,
    }
    if allow_private:
        overrides["FETCH_ALLOW_PRIVATE"] = True
    return overrides


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sourcekeeper")
def cli() -> None:
    """Find the sources your documents cite, fetch them and archive timestamped snapshots."""


def main() -> None:
    cli(prog_name="sourcekeeper")


# The command modules register themselves on ``cli``; they need the helpers above.
from crawler.cli import fetching, reading  # noqa: E402,F401
