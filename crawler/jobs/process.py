"""Scrapy's process, as our runs use it: at most once per process, stopped by signals we
remember, its finish reason turned into a run status.

Kept apart from the archive session so that a distributed worker, which runs Scrapy but never
opens the archive, does not load the storage layer.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from scrapy.crawler import AsyncCrawlerProcess
from twisted.python.failure import Failure
from scrapy.settings import Settings

from crawler import config
from crawler.core.models import RunStatus
from crawler.errors import RunFailed
from crawler.fetch.failures import Abandoned

_ran = False


class SignalledProcess(AsyncCrawlerProcess):
    """Remembers the signal that stopped the crawl: the exit code says which (130, 143).

    Scrapy's graceful stop lets the downloader finish every request it was handed, and a
    crawl hands it up to ``CONCURRENT_REQUESTS`` at once, most of them queued behind the
    per-site limit: Ctrl-C then fetched every queued URL for a minute. On the first signal
    the requests not yet sent are abandoned (they stay due), the ones in flight finish, and
    the person is told so; a second signal abandons those too (Scrapy's unclean stop)."""

    received: int | None = None

    def __init__(self, settings: Settings) -> None:
        # Logging is ours (install_logging, which tells Scrapy not to install a root handler
        # of its own over it).
        super().__init__(settings)
        _silence_robots_errors(settings)  # Scrapy's dictConfig has just reset the level

    def _signal_shutdown(self, signum: int, frame: Any) -> None:
        self.received = signum
        from twisted.internet import reactor

        reactor.callFromThread(self._abandon_queued)  # before the engine starts closing
        super()._signal_shutdown(signum, frame)

    def _abandon_queued(self) -> None:
        in_flight = 0
        for crawler in self.crawlers:
            if crawler.engine is None:
                continue
            for slot in crawler.engine.downloader.slots.values():
                in_flight += len(slot.transferring)
                while slot.queue:
                    request, waiting = slot.queue.popleft()
                    waiting.errback(Failure(Abandoned(request.url)))
        plural = "s" if in_flight != 1 else ""
        sys.stderr.write(f"sourcekeeper: stopping after the {in_flight} request{plural} in "
                         "flight (press Ctrl-C again to abandon them)\n" if in_flight else
                         "sourcekeeper: stopping (no request in flight)\n")


def install_logging(settings: Settings) -> None:
    """Our log handler on the root logger, as the settings say (``LOG_LEVEL``,
    ``LOG_FORMAT``, ``LOG_DATEFORMAT``, ``LOG_FILE``), installed before Scrapy starts (the
    documents' warnings are logged before it) and kept: Scrapy would replace a root handler
    of its own whenever it configures logging, and with it any filter.

    A robots.txt that cannot be fetched is logged with a traceback, although the page's own
    fetch then fails for the same reason and is recorded with a one-line reason: that logger
    is silenced. And unless ``LOG_SCRAPY`` (``-vv``), Scrapy and Twisted log only their
    warnings: ``-v`` asks for our lines (each URL and what it was), not ~100 lines of
    banner, settings and stats around them."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if getattr(h, _OURS, False)]:
        root.removeHandler(handler)
    handler: logging.Handler
    if settings.get("LOG_FILE"):
        handler = logging.FileHandler(
            settings["LOG_FILE"], mode="a" if settings.getbool("LOG_FILE_APPEND") else "w",
            encoding=settings.get("LOG_ENCODING") or "utf-8")
    else:
        handler = logging.StreamHandler(sys.stderr)
    setattr(handler, _OURS, True)
    handler.setFormatter(logging.Formatter(settings.get("LOG_FORMAT"),
                                           settings.get("LOG_DATEFORMAT")))
    handler.setLevel(settings.get("LOG_LEVEL"))
    if not config.get(settings, "LOG_SCRAPY"):
        handler.addFilter(_OursOrWarnings())
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
    _silence_robots_errors(settings)


def _silence_robots_errors(settings: Settings) -> None:
    if settings.get("LOG_LEVEL") != "DEBUG":
        logging.getLogger("scrapy.downloadermiddlewares.robotstxt").setLevel(logging.CRITICAL)


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


def status_of(finish_reason: str | None) -> tuple[RunStatus, str | None]:
    """A run's status from Scrapy's finish reason (``finished``; ``shutdown`` on a signal)."""
    if finish_reason == "finished":
        return RunStatus.FINISHED, None
    if finish_reason == "shutdown":
        return RunStatus.INTERRUPTED, None
    return RunStatus.FAILED, finish_reason or "unknown reason"
