"""Scrapy's process, as our runs use it: stopped by signals we remember, its finish reason
turned into a run status (it runs at most once per process: crawler.jobs.process_setup).

Kept apart from the archive session so that a distributed worker, which runs Scrapy but never
opens the archive, does not load the storage layer.
"""

from __future__ import annotations

import sys
from typing import Any

from scrapy.crawler import AsyncCrawlerProcess
from twisted.python.failure import Failure
from scrapy.settings import Settings

from crawler.core.models import RunStatus
from crawler.fetch.failures import Abandoned
from crawler.jobs.process_setup import quiet_theirs


class SignalledProcess(AsyncCrawlerProcess):
    """Remembers the signal that stopped the crawl: the exit code says which (130, 143).

    Scrapy's graceful stop lets the downloader finish every request it was handed, and a
    crawl hands it up to ``CONCURRENT_REQUESTS`` at once, most of them queued behind the
    per-site limit: Ctrl-C then fetched every queued URL for a minute. On the first signal
    the requests not yet sent are abandoned (they stay due), the ones in flight finish, and
    the person is told so; a second signal abandons those too (Scrapy's unclean stop)."""

    received: int | None = None

    def __init__(self, settings: Settings) -> None:
        # Logging is ours (install_logging): Scrapy must not install a root handler of its
        # own over it.
        settings.set("LOG_INSTALL_ROOT_HANDLER", False, priority="cmdline")
        super().__init__(settings)
        quiet_theirs(settings)  # Scrapy's dictConfig has just reset the levels

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


def status_of(finish_reason: str | None) -> tuple[RunStatus, str | None]:
    """A run's status from Scrapy's finish reason (``finished``; ``shutdown`` on a signal)."""
    if finish_reason == "finished":
        return RunStatus.FINISHED, None
    if finish_reason == "shutdown":
        return RunStatus.INTERRUPTED, None
    return RunStatus.FAILED, finish_reason or "unknown reason"
