"""A crawl (or re-fetch) in this process: Scrapy fetches, the session archives.

The archive is opened, locked and the run planned before Scrapy starts (crawler.jobs.session),
then the ``sources`` spider fetches the run's URLs and the pipelines record each one through
the session. Scrapy's reactor cannot restart, so this runs at most once per process; repeated
runs (crawler.jobs.repeat) start one process per run.
"""

from __future__ import annotations

import logging
import signal
from typing import Any

from scrapy.crawler import AsyncCrawlerProcess
from scrapy.settings import Settings

from crawler.core.models import CrawlResult, RunCounts, RunStatus
from crawler.errors import RunFailed
from crawler.jobs.plan import CrawlJob
from crawler.jobs.session import ArchiveSession

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
    global _ran
    if _ran:
        raise RunFailed("a crawl runs once per process (Scrapy's reactor cannot restart): "
                           "run the next one in a new process")
    _ran = True


def crawl(job: CrawlJob, settings: Settings) -> CrawlResult:
    """Run ``job`` with Scrapy in this process; return what it did and how it ended.

    Raises :class:`~crawler.errors.ArchiveError` (``LockHeld`` included) and
    :class:`~crawler.errors.SettingError` before anything is fetched."""
    once_per_process()
    process = SignalledProcess(settings)  # configures logging before documents are read
    quiet_robots_errors(settings)
    try:
        session = ArchiveSession.open(job, settings)
    except KeyboardInterrupt:
        return CrawlResult(None, RunCounts(), RunStatus.INTERRUPTED, signal=signal.SIGINT)
    try:
        crawler = process.create_crawler("sources")
        process.crawl(crawler, session=session)
        process.start()
    except KeyboardInterrupt:
        process.received = signal.SIGINT
    finally:
        session.close()
    return session.result(process.received)
