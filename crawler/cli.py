"""The ``sourcekeeper`` command: a thin layer over crawler.run, crawler.archive, crawler.export.

Exit codes: 0 the command did its job (a crawl that recorded some failed URLs included),
1 it could not (archive unusable, crawl interrupted), 2 usage error. Errors are one line on
stderr, starting ``sourcekeeper:``.
"""

from __future__ import annotations

import sys

import click

from crawler import __version__
from crawler.archive import Archive, ArchiveError
from crawler.export import FORMATS, ExportError, output, write_jsonl

DB_HELP = "Archive file (default: $SOURCEKEEPER_DB or ./sourcekeeper.db)."
LOG_FORMAT = "%(levelname)s: %(message)s"


def fail(message: str) -> None:
    click.echo(f"sourcekeeper: {message}", err=True)
    sys.exit(1)


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


def open_archive(db: str) -> Archive:
    try:
        return Archive(db)
    except ArchiveError as exc:
        fail(f"cannot open archive {exc}")


db_option = click.option("--db", default=default_db, show_default=False, help=DB_HELP,
                         type=click.Path(dir_okay=False))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sourcekeeper")
def cli() -> None:
    """Find the sources your documents cite, fetch them and archive timestamped snapshots."""


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@db_option
@click.option("--allow-private", is_flag=True,
              help="Allow fetching loopback and private addresses (tests, intranets).")
@click.option("-s", "--set", "pairs", multiple=True, metavar="KEY=VALUE",
              help="Override a Scrapy or sourcekeeper setting (repeatable).")
@click.option("-v", "--verbose", count=True, help="Log each URL (-v) or everything (-vv).")
def crawl(paths, db, allow_private, pairs, verbose):
    """Read the documents under PATHS, fetch every source URL they cite and archive it.

    PATHS are files or folders (searched recursively for .txt, .md and .html documents).
    Without PATHS, every URL already in the archive is fetched again. Ends with a one-line
    summary; exits 0 when the run completed, even if some URLs failed (they are recorded).

    \b
    Example:
      sourcekeeper crawl notes/ --db archive.db
    """
    from crawler.run import crawl as run_crawl, project_settings

    overrides = {
        "LOG_LEVEL": ["WARNING", "INFO", "DEBUG"][min(verbose, 2)],
        "LOG_FORMAT": LOG_FORMAT,
        **parse_settings(pairs),
        "ARCHIVE_DB": db,
    }
    if allow_private:
        overrides["FETCH_ALLOW_PRIVATE"] = True
    open_archive(db).close()
    result = run_crawl(list(paths), project_settings(overrides))
    click.echo(result.summary)
    if not result.finished:
        fail(f"crawl did not finish: {result.stats.get('finish_reason', 'unknown reason')}")


@cli.command()
@db_option
@click.option("--format", "format_", type=click.Choice(FORMATS), default="jsonl",
              show_default=True, help="Output format.")
@click.option("-o", "--output", "destination", default="-", show_default=True,
              help="Output file, or - for stdout.")
def export(db, format_, destination):
    """Export every archived snapshot with its text, metadata and citing documents.

    \b
    Example:
      sourcekeeper export --db archive.db --format jsonl -o snapshots.jsonl
    """
    archive = open_archive(db)
    try:
        with output(destination) as stream:
            count = write_jsonl(archive.snapshots(), stream)
    except ExportError as exc:
        fail(f"cannot write {exc}")
    except ArchiveError as exc:
        fail(f"cannot read archive {exc}")
    finally:
        archive.close()
    if destination != "-":
        click.echo(f"{count} snapshots written to {destination}", err=True)


def main() -> None:
    cli(prog_name="sourcekeeper")
