"""Hand each item to the writer through Redis (distributed crawls,
crawler.jobs.distributed.relay).

Settings: ``REDIS_URL``, ``RELAY_PREFIX``, ``RELAY_CONNECT_WAIT``; items are sealed with
``RELAY_KEY`` like every message of the relay (crawler.jobs.distributed.relay.relay_for).
Switched off (NotConfigured) without ``REDIS_URL``.
"""

from __future__ import annotations

import asyncio
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler import config
from crawler.fetch.items import Item


class RelayPipeline:
    def __init__(self, relay: Any, stats: Any):
        self.relay = relay
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RelayPipeline:
        url = crawler.settings.get("REDIS_URL")
        if not url:
            raise NotConfigured
        from crawler.jobs.distributed.relay import connect, relay_for

        client = connect(url, config.get(crawler.settings, "RELAY_CONNECT_WAIT"))
        return cls(relay_for(client, config.get(crawler.settings, "RELAY_PREFIX"),
                             crawler.settings), crawler.stats)

    async def process_item(self, item: Item) -> Item:
        # redis-py blocks; a large body takes a moment to send, so not on the event loop.
        await asyncio.to_thread(self.relay.deliver, item)
        self.stats.inc_value("relay/delivered")
        return item
