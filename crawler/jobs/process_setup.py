"""What a run sets up in its process before Scrapy is imported: our log handler, the
guard that lets Scrapy run once per process, and a garbage collector that runs rarely.

Apart from crawler.jobs.process (Scrapy's process itself) because a cron run with nothing
due logs the documents' warnings and ends without ever importing Scrapy (0.1 s of a 0.4 s
budget).
"""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from crawler import config
from crawler.errors import RunFailed, SettingError

_ran = False


def install_logging(settings: Mapping[str, Any]) -> None:
    """Our log handler on the root logger, as the settings say (``LOG_LEVEL``,
    ``LOG_FORMAT``, ``LOG_DATEFORMAT``, ``LOG_FILE``), installed before Scrapy starts (the
    documents' warnings are logged before it) and kept: Scrapy would replace a root handler
    of its own whenever it configures logging, and with it any filter. ``settings`` need not
    be Scrapy's (crawler.config.plain_settings).

    A robots.txt that cannot be fetched is logged with a traceback, although the page's own
    fetch then fails for the same reason and is recorded with a one-line reason: that logger
    is silenced. And unless ``LOG_SCRAPY`` (``-vv``), Scrapy and Twisted log only their
    warnings: ``-v`` asks for our lines (each URL and what it was), not ~100 lines of
    banner, settings and stats around them."""
    level = _level(settings)
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _OURS, False)]:
        root.removeHandler(handler)
    handler: logging.Handler
    if settings.get("LOG_FILE"):
        try:
            handler = logging.FileHandler(
                settings["LOG_FILE"],
                mode="a" if config.flag(settings, "LOG_FILE_APPEND") else "w",
                encoding=settings.get("LOG_ENCODING"))
        except OSError as exc:
            raise SettingError(f"setting LOG_FILE={settings['LOG_FILE']!r}: "
                               f"{exc.strerror or exc}") from None
    else:
        handler = logging.StreamHandler(sys.stderr)
    setattr(handler, _OURS, True)
    handler.setFormatter(logging.Formatter(settings.get("LOG_FORMAT"),
                                           settings.get("LOG_DATEFORMAT")))
    handler.setLevel(level)
    if not config.get(settings, "LOG_SCRAPY"):
        handler.addFilter(_OursOrWarnings())
    root.addHandler(handler)
    # A record the handler would drop is not even made. (The root logger is the process's:
    # a program calling crawler.api.crawl keeps it at LOG_LEVEL afterwards.)
    root.setLevel(level)
    quiet_theirs(settings)


def quiet_theirs(settings: Mapping[str, Any]) -> None:
    """Scrapy's and Twisted's loggers at the level our handler shows them at, and the
    robots.txt logger silenced (see :func:`install_logging`). Scrapy sets its logger to
    DEBUG whenever it configures logging, and makes a debug record for every response and
    every item: records made only to be dropped, work the crawling process, whose CPU is
    the crawl's speed, does for nothing."""
    level = _level(settings)
    theirs = level if config.get(settings, "LOG_SCRAPY") else max(level, logging.WARNING)
    for name in ("scrapy", "twisted"):
        logging.getLogger(name).setLevel(theirs)
    if level > logging.DEBUG:
        logging.getLogger("scrapy.downloadermiddlewares.robotstxt").setLevel(logging.CRITICAL)


def _level(settings: Mapping[str, Any]) -> int:
    level = config.log_level(settings.get("LOG_LEVEL"))
    return level if isinstance(level, int) else logging.getLevelNamesMapping()[level]


_OURS = "sourcekeeper_handler"


class _OursOrWarnings(logging.Filter):
    """Scrapy's and Twisted's records only from WARNING up."""

    _THEIRS = ("scrapy", "twisted", "py.warnings", "filelock", "hpack")

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or not record.name.startswith(self._THEIRS)


def once_per_process() -> None:
    """Refuse a second crawl in this process, before it opens anything."""
    if _ran:
        raise RunFailed("a crawl runs once per process (Scrapy's reactor cannot restart): "
                        "run the next one in a new process")


def mark_started() -> None:
    global _ran
    _ran = True


# Objects allocated (net) between two collections of the youngest generation: Python's
# default is 700.
_YOUNG_THRESHOLD = 10_000


@contextmanager
def collected_rarely() -> Iterator[None]:
    """Python's cyclic garbage collector, tuned for a crawl while it runs: what exists
    before the crawl (modules, settings, the plan) is frozen out of its reach, and the
    young generation is collected after 10,000 allocations instead of 700. Scrapy makes
    and drops a few hundred objects a page: with the defaults the collector ran 560 times
    in a 2,000-page crawl and walked the whole heap at each oldest-generation pass, 0.23
    ms of the crawling process's CPU a page; tuned, 0.02-0.04 (bench/README.md). Pages
    and bodies are freed when their last reference goes, not by the collector: the crawl's
    peak memory did not grow (123-125 MB against 126-134). The collector's settings are
    given back afterwards."""
    thresholds = gc.get_threshold()
    frozen_before = gc.get_freeze_count() > 0  # by the program that called us: left so
    gc.freeze()  # not collected first: that pass alone took 50 ms of a crawl's start-up
    gc.set_threshold(_YOUNG_THRESHOLD, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if not frozen_before:
            gc.unfreeze()
