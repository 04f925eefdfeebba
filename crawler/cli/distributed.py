"""``sourcekeeper worker`` and ``sourcekeeper ingest``: the two halves of a distributed
crawl that are not ``crawl --redis``."""

from __future__ import annotations

import click

from crawler import api
from crawler.cli import cli
from crawler.cli.options import (
    db_option, fetch_options, fetch_settings, parse_settings, prefix_option, settings_option,
)
from crawler.errors import RunFailed


@cli.command()
@click.option("--redis", "redis_url", metavar="URL", required=True, help="The shared Redis.")
@prefix_option("Prefix of the Redis keys (the coordinator's).")
@fetch_options
def worker(redis_url, prefix, allow_private, pairs, verbose):
    """Fetch and extract URLs queued in Redis by `crawl --redis`, until stopped.

    Run any number, on any machines; each sends its items back through Redis to the one
    process that writes the archive. A worker that dies leaves its URLs to the others.
    Needs the redis extra: pip install 'sourcekeeper[redis]'.

    \b
    Example:
      sourcekeeper worker --redis redis://queue.internal:6379/0
    """
    result = api.work(redis_url, prefix=prefix,
                      settings=fetch_settings(allow_private, pairs, verbose))
    if result.signal is None and not result.finished:
        raise RunFailed(f"worker stopped: {result.reason}")


@cli.command()
@click.option("--redis", "redis_url", metavar="URL", required=True, help="The shared Redis.")
@prefix_option("Prefix of the Redis keys (the coordinator's).")
@db_option
@settings_option
def ingest(redis_url, prefix, db, pairs):
    """Write the items workers send back into the archive, until stopped.

    For `crawl --redis --no-ingest`: the one process that writes the archive. Items leave
    Redis only once committed.

    \b
    Example:
      sourcekeeper ingest --redis redis://queue.internal:6379/0 --db archive.db
    """
    api.ingest(redis_url, db=db, prefix=prefix, settings=parse_settings(pairs))
