"""Scrapy's process, as our runs use it: at most once per process, stopped by signals we
remember, its finish reason turned into a run status.

Kept apart from the archive session so that a distributed worker, which runs Scrapy but never
opens the archive, does not load the storage layer.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import AsyncCrawlerProcess
from scrapy.settings import Settings

from crawler.core.models import RunStatus
from crawler.errors import RunFailed

_ran = False


class SignalledProcess(AsyncCrawlerProcess):
    """Remembers the signal that stopped the crawl: the exit code says which (130, 143)."""

    received: int | None = None

    def _signal_shutdown(self, signum: int, frame: Any) -> None:
        self.received = signum
        super()._signal_shutdown(signum, frame)


def quiet_robots_errors(settings: Settings) -> None:
    """A robots.txt that cannot be fetched is logged with a traceback, although the page's own
    fetch then fails for the same reason and is recorded with a one-line reason."""
    if settings.get("LOG_LEVEL") != "DEBUG":
        logging.getLogger("scrapy.downloadermiddlewares.robotstxt").setLevel(logging.CRITICAL)


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
