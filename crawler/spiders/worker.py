"""The ``worker`` spider: fetch URLs from the shared Redis queue, hand items back to Redis.

Run it through ``sourcekeeper worker --redis URL`` on any number of machines. It is a
scrapy-redis ``RedisSpider`` (its queue, its idle handling), with the ``async def start()``
that Scrapy 2.19 calls and scrapy-redis 0.9.1 lacks. Workers never open the archive: items go
to the writer through Redis (pipelines.relay).

Only defined with the ``redis`` extra installed: Scrapy's spider loader imports every module
here, and a base install must still crawl.

Settings: ``REDIS_URL``, ``RELAY_PREFIX``, ``RELAY_CONNECT_WAIT``, ``REDIS_START_URLS_KEY``
(set from the prefix), ``CONDITIONAL_REQUESTS``.
"""

from __future__ import annotations

from importlib.util import find_spec

if find_spec("scrapy_redis") is not None and find_spec("redis") is not None:
    import asyncio
    import logging
    import os
    import socket
    from collections.abc import AsyncIterator, Iterator
    from typing import Any

    import scrapy
    from redis.exceptions import RedisError
    from scrapy import signals
    from scrapy.exceptions import DontCloseSpider
    from scrapy_redis.spiders import RedisSpider
    from twisted.python.failure import Failure

    from crawler import config
    from crawler.fetch.items import FailureItem, NotModifiedItem, PageItem
    from crawler.fetch.requests import failure_item, response_item, url_request
    from crawler.jobs.distributed.relay import HEARTBEAT_SECONDS, connect, relay_for

    logger = logging.getLogger(__name__)

    class WorkerSpider(RedisSpider):
        name = "worker"

        @classmethod
        def from_crawler(cls, crawler: scrapy.crawler.Crawler, *args: Any, **kwargs: Any):
            spider = super().from_crawler(crawler, *args, **kwargs)
            settings = crawler.settings
            spider.worker_id = f"{socket.gethostname()}-{os.getpid()}"
            client = connect(settings.get("REDIS_URL"),
                             config.get(settings, "RELAY_CONNECT_WAIT"))
            spider.relay = relay_for(client, config.get(settings, "RELAY_PREFIX"), settings)
            spider.conditional = config.get(settings, "CONDITIONAL_REQUESTS")
            spider._beating = None
            crawler.signals.connect(spider.opened, signal=signals.spider_opened)
            crawler.signals.connect(spider.closed_, signal=signals.spider_closed)
            return spider

        def opened(self, spider: scrapy.Spider) -> None:
            self.relay.heartbeat(self.worker_id)
            self._beating = asyncio.ensure_future(self._beat())

        def closed_(self, spider: scrapy.Spider, reason: str) -> None:
            if self._beating is not None:
                self._beating.cancel()

        async def _beat(self) -> None:
            while True:
                await asyncio.sleep(HEARTBEAT_SECONDS / 3)
                try:
                    self.relay.heartbeat(self.worker_id)
                except Exception as exc:  # Redis away: redis-py retries, we try again later
                    logger.warning("heartbeat failed: %s", exc)

        def spider_idle(self) -> None:
            """Ask Redis for more work; while Redis is away, wait for it instead of
            stopping."""
            try:
                super().spider_idle()
            except RedisError as exc:
                logger.warning("Redis unavailable (%s); waiting for it", exc)
                raise DontCloseSpider from None

        async def start(self) -> AsyncIterator[scrapy.Request]:
            for request in self.next_requests():
                yield request

        def make_request_from_data(self, data: bytes) -> scrapy.Request | list:
            target = self.relay.target(data)
            if target is None:
                return []
            self.relay.claim(self.worker_id, target.id)
            return url_request(target, self.conditional, self.parse, self.failed)

        def parse(self, response: scrapy.http.Response) -> Iterator[PageItem | NotModifiedItem]:
            yield response_item(response)

        def failed(self, failure: Failure) -> Iterator[FailureItem]:
            yield failure_item(failure)
