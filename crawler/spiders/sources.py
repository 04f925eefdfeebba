"""The ``sources`` spider: fetch the URLs of a planned run, each once.

Run it through ``sourcekeeper crawl`` / ``refetch`` (which plan the run before Scrapy starts
and hand the spider its session) or the Scrapy way from the project root, where the spider
opens the session itself from its arguments::

    scrapy crawl sources -a documents=docs/ -s ARCHIVE_DB=archive.db

Arguments: ``documents`` (files or folders, several separated by ``os.pathsep``), ``all``
(ignore the schedule), ``limit`` (at most this many URLs), ``url`` (fetch this one URL now,
unconditionally, adding it to the archive if new).

Settings: ``CONDITIONAL_REQUESTS`` (default on) and ``DUE_BACKLOG`` (how many requests may
wait in Scrapy's scheduler; due URLs are read from the archive as room frees).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy import signals
from scrapy.exceptions import DontCloseSpider
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler import config
from crawler.core.mementos import Endpoint, Memento
from crawler.core.models import CrawlJob
from crawler.fetch.items import FailureItem, NotModifiedItem, PageItem
from crawler.fetch.mementos import (
    availability_request, captured_at, capture_request, lookup_request, mementos_of,
)
from crawler.fetch.requests import failure_item, response_item, url_request
from crawler.fetch.failures import Abandoned, describe_failure

if TYPE_CHECKING:
    from crawler.jobs.session import ArchiveSession


class SourcesSpider(scrapy.Spider):
    name = "sources"

    def __init__(self, session: ArchiveSession | None = None,
                 documents: str | list[str] | None = None, url: str | None = None,
                 all: str | bool = False, limit: str | int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        if isinstance(documents, str):
            documents = [path for path in documents.split(os.pathsep) if path]
        self.session = session
        self.job = session.job if session else CrawlJob(
            paths=tuple(documents or ()), everything=str(all).lower() in ("1", "true", "yes"),
            limit=int(limit) if limit not in (None, "") else None,
            urls=tuple(url.split()) if url else ())
        self.owns_session = session is None

    @classmethod
    def from_crawler(cls, crawler: scrapy.crawler.Crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        if spider.session is None:
            from crawler.jobs.session import ArchiveSession  # the worker never loads it

            spider.session = ArchiveSession.open(spider.job, crawler.settings)
        # A manual re-fetch must see the page itself, not a 304.
        spider.conditional = (config.get(crawler.settings, "CONDITIONAL_REQUESTS")
                              and not spider.job.urls)
        spider.backlog = max(1, config.get(crawler.settings, "DUE_BACKLOG"))
        crawler.signals.connect(spider.finish, signal=signals.spider_closed)
        crawler.signals.connect(spider.idle, signal=signals.spider_idle)
        spider.recovering = None
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        """Requests for the run's URLs, read from the archive a page at a time as Scrapy
        asks for them, never all at once."""
        self.session.publish(self.crawler.stats)
        async for target in self.session.targets():
            await self._backlog_room()
            yield url_request(target, self.conditional, self.parse, self.failed,
                              asked=bool(self.job.urls), ignore_robots=self.job.ignore_robots)

    async def _backlog_room(self) -> None:
        """Wait while Scrapy's scheduler holds ``DUE_BACKLOG`` requests: Scrapy keeps pulling
        start requests while its downloader is busy, which would load every due URL."""
        scheduler = self.crawler.engine.scheduler if self.crawler.engine else None
        while scheduler is not None and len(scheduler) >= self.backlog:
            await asyncio.sleep(0.05)

    def parse(self, response: Response) -> Iterator[PageItem | NotModifiedItem]:
        yield response_item(response)

    async def failed(self, failure: Failure) -> AsyncIterator[FailureItem | scrapy.Request]:
        """A failed URL's item; for a URL that does not exist, the other readings of it that
        a document wrapped across lines (they are tried once)."""
        if failure.check(Abandoned):
            return  # dropped unsent by a stop signal: the URL stays due
        item = failure_item(failure)
        yield item
        if item.status in (404, 410):
            for target in await self.session.alternatives(item.url_id):
                yield url_request(target, False, self.parse, self.failed)

    # Once the run's own checks are done: its look-ups in the web's archives
    # (crawler.jobs.recovery), before the spider may close.

    def idle(self) -> None:
        if self.recovering is None:
            self.recovering = asyncio.ensure_future(self._recover())
            raise DontCloseSpider
        if not self.recovering.done() or self._recovery_busy():
            raise DontCloseSpider

    def _recovery_busy(self) -> bool:
        return self.session.recovery is not None and self.session.recovery.busy

    async def _recover(self) -> None:
        try:
            recovery = await self.session.start_recovery(self.crawler.settings)
        except Exception as exc:  # the run's own checks are archived: say why, and end
            self.logger.warning("no look-up in web archives: %s", exc)
            recovery = None
        if recovery is None:
            await self._close_when_idle()
            return
        recovery.on_done = lambda: asyncio.ensure_future(self._close_when_idle())
        try:
            requests = recovery.requests(self._lookups, self._capture)
        except Exception as exc:  # never keep the spider open for look-ups never asked
            recovery.pending.clear()
            self.logger.warning("no look-up in web archives: %s", exc)
            await self._close_when_idle()
            return
        for request in requests:
            self.crawler.engine.crawl(request)

    async def _close_when_idle(self) -> None:
        """Close as soon as nothing is left, rather than at Scrapy's next idle check (up to
        5 s later: a cron run with nothing to look up would pay it every time)."""
        engine = self.crawler.engine
        for _ in range(100):
            if engine is None or engine.spider is None or self._recovery_busy():
                return
            if engine.spider_is_idle():
                await engine.close_spider_async(reason="finished")
                return
            await asyncio.sleep(0.05)

    def _lookups(self, endpoint: Endpoint, want: Any) -> list[scrapy.Request]:
        return [lookup_request(endpoint, want.url, want.written, self.looked_up,
                               self.lookup_failed, url_id=want.url_id)]

    def _capture(self, memento: Memento, url_id: int) -> scrapy.Request:
        return capture_request(memento, url_id, self.parse_memento, self.memento_failed)

    async def looked_up(self, response: Response) -> AsyncIterator[scrapy.Request]:
        try:
            found, error = mementos_of(response), None
        except ValueError as exc:
            found, error = [], str(exc)
        async for request in self._answer(response.request, found, error):
            yield request

    async def lookup_failed(self, failure: Failure) -> AsyncIterator[scrapy.Request]:
        reason = f"{failure.request.meta['endpoint']}: {describe_failure(failure)[0]}"
        async for request in self._answer(failure.request, [], reason):
            yield request

    async def _answer(self, asked: scrapy.Request, found: list[Memento], error: str | None
                      ) -> AsyncIterator[scrapy.Request]:
        if (fallback := availability_request(asked, found)) is not None:
            yield fallback  # its answer stands for this archive's
            return
        for request in await self.session.recovery.looked_up(asked.meta["url_id"], found,
                                                             error, self._capture):
            yield request

    async def parse_memento(self, response: Response) -> AsyncIterator[PageItem]:
        item = response_item(response)
        if isinstance(item, PageItem):
            item.memento = captured_at(response, response.meta["memento"])
            yield item
        else:  # a 304 to a request we never made conditional: no copy to read
            await self.session.recovery.failed(response.meta["url_id"],
                                               response.meta["memento"],
                                               f"HTTP {response.status}")

    async def memento_failed(self, failure: Failure) -> None:
        meta = failure.request.meta
        await self.session.recovery.failed(meta["url_id"], meta["memento"],
                                           describe_failure(failure)[0])

    async def finish(self, spider: scrapy.Spider, reason: str) -> None:
        """Record how the run ended; close the session if this spider opened it."""
        await self.session.finish(reason)
        if self.owns_session:
            self.session.close()
