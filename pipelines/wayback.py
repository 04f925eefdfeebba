"""Leave third-party proof: ask the Wayback Machine's Save Page Now to capture each source a
crawl has just archived as new or changed (``crawl --save-to-wayback``, opt-in).

A capture by the Internet Archive is evidence nobody can say we made up. It is a favour asked
of a third party, so it never holds up or fails the crawl: one request per source, no retries
(Save Page Now limits its users hard), its answer (saved with the memento URI, pending with a
job id, refused with the reason) recorded beside the snapshot, and a refusal or a timeout is
a line in ``history``, not an error. Requests go through the same guarded, rate-limited
Scrapy machinery as every archive request (crawler.fetch.mementos).

Save Page Now allows a few captures a minute, and every request to web.archive.org waits its
turn (``MEMENTO_DELAY``): requests are sent one at a time (one download slot, never the
crawl's), and at most ``SPN_MAX_PER_RUN`` sources are submitted per crawl, so a first crawl
of thousands of sources does not run for hours; the others are counted in one warning line
(``refetch --save-to-wayback URL`` submits one by hand).

Settings: ``SAVE_TO_WAYBACK`` (off by default), ``SPN_MAX_PER_RUN`` (30), ``SPN_ENDPOINT``,
``SPN_ACCESS_KEY`` and ``SPN_SECRET`` (the authenticated API; unauthenticated without
them).
"""

from __future__ import annotations

import logging
from collections import deque

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler import config
from crawler.core.clock import utcnow
from crawler.core.models import CheckResult, Outcome
from crawler.fetch.failures import describe_failure
from crawler.fetch.items import Item, PageItem
from crawler.fetch.mementos import save_request, saved_uri
from pipelines._session import session_of

logger = logging.getLogger(__name__)


class WaybackSaver:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.left = config.get(crawler.settings, "SPN_MAX_PER_RUN")
        self.skipped = 0
        # One request at a time: a save waiting its turn would hold one of the crawl's
        # download slots (Scrapy counts it active from the moment it is handed over).
        self.waiting: deque[tuple[str, int, int | None]] = deque()
        self.asking = False
        crawler.signals.connect(self._closed, signal=signals.spider_closed)

    @classmethod
    def of(cls, crawler: Crawler) -> WaybackSaver | None:
        """A saver when the crawl asks for it (``SAVE_TO_WAYBACK``), else None."""
        return cls(crawler) if config.get(crawler.settings, "SAVE_TO_WAYBACK") else None

    def after(self, item: Item, result: CheckResult | None) -> None:
        """Ask for a capture of a page the archive has just taken as new or changed."""
        if not isinstance(item, PageItem) or item.memento is not None or result is None:
            return
        if result.outcome not in (Outcome.NEW, Outcome.CHANGED):
            return
        if self.left <= 0:
            self.skipped += 1
            return
        self.left -= 1
        self.waiting.append((item.final_url, item.url_id, result.snapshot_id))
        self._ask()

    def _ask(self) -> None:
        if self.asking or not self.waiting:
            return
        self.asking = True
        url, url_id, snapshot_id = self.waiting.popleft()
        self.crawler.engine.crawl(save_request(self.crawler.settings, url, url_id,
                                               snapshot_id, self._saved, self._failed))

    def _closed(self) -> None:
        self.skipped += len(self.waiting)  # the crawl was stopped before their turn
        if self.skipped:
            logger.warning("%d new or changed sources were not submitted to Save Page Now "
                           "(at most SPN_MAX_PER_RUN=%d per crawl)", self.skipped,
                           config.get(self.crawler.settings, "SPN_MAX_PER_RUN"))

    async def _saved(self, response: Response) -> None:
        status, uri, detail = saved_uri(response)
        await self._record(response.meta, status, uri, detail)

    async def _failed(self, failure: Failure) -> None:
        await self._record(failure.request.meta, "failed", None, describe_failure(failure)[0])

    async def _record(self, meta: dict, status: str, uri: str | None,
                      detail: str | None) -> None:
        logger.info("Save Page Now %s %s%s", status, meta["saved"],
                    f": {uri or detail}" if uri or detail else "")
        self.asking = False
        self._ask()  # the next one, before this answer is recorded: the crawl stays open
        await session_of(self.crawler).record_save(meta["url_id"], meta["snapshot_id"],
                                                   utcnow(), status, uri, detail)
