"""Extract each page's article text and metadata (and compress its body), in worker processes.

trafilatura takes 10-90 ms of CPU per page and holds the GIL: run inline it stalls every
download in flight, and threads gain nothing. Pages go to a pool of worker processes
(forkserver: forking under a running reactor is unsafe), started in a thread, and the reactor
waits for them without blocking (crawler.fetch.extract_pool: a crawl starts them early). Plain-text responses are stored as their own text; other
non-HTML responses (PDF, images) are archived raw, with no text. A page trafilatura cannot
handle is archived raw too, and counted in ``extract/errors``: losing the body because
extraction failed would be worse.

Settings: ``EXTRACT_WORKERS``: number of worker processes; unset means one per CPU, ``0``
extracts inline (simplest to debug, slowest).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from scrapy.crawler import Crawler

from crawler import config
from crawler.core.models import Blob, Extraction
from crawler.fetch import extract_pool
from crawler.fetch.extract_pool import ExtractionPool, extract_and_pack, start_pool
from crawler.fetch.items import Item, PageItem

logger = logging.getLogger(__name__)


class ExtractPipeline:
    def __init__(self, workers: int, stats: Any):
        self.workers = workers
        self.stats = stats
        self.pool: asyncio.Future[ExtractionPool] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        return cls(extract_pool.pool_size(config.get(crawler.settings, "EXTRACT_WORKERS")),
                   crawler.stats)

    def close_spider(self) -> None:
        if (self.pool is not None and self.pool.done() and not self.pool.cancelled()
                and not self.pool.exception()):
            self.pool.result().shutdown()
        extract_pool.discard()  # started early for pages that all needed none

    async def process_item(self, item: Item) -> Item:
        if not isinstance(item, PageItem) or item.body_known:
            return item
        if item.kind == "text":
            from crawler.core.extraction import plain_text  # trafilatura: only when needed

            item.extraction = plain_text(item.body, item.encoding)
            if item.extraction is not None:
                item.text_sha256 = item.extraction.text_sha256
            return item
        if item.kind != "html":
            return item
        args = (item.body, item.encoding, item.final_url, item.header("Content-Language"),
                not item.body_stored)
        try:
            item.extraction, item.packed = await self._extract(*args)
        except Exception as exc:  # any page trafilatura chokes on: keep the raw body
            logger.warning("extraction failed for %s: %s: %s", item.final_url,
                           type(exc).__name__, exc)
            self.stats.inc_value("extract/errors")
            return item
        if item.extraction is None:
            self.stats.inc_value("extract/empty")
        else:
            item.text_sha256 = item.extraction.text_sha256
            self.stats.inc_value("extract/pages")
        return item

    async def _extract(self, *args: Any) -> tuple[Extraction | None, Blob | None]:
        if self.workers == 0:
            return extract_and_pack(*args)
        if self.pool is None:  # started early (crawler.jobs.local), or now, off the loop
            early = extract_pool.take(self.workers)
            self.pool = asyncio.wrap_future(early) if early is not None else (
                asyncio.ensure_future(asyncio.to_thread(start_pool, self.workers)))
        # Shielded: a page given up on (a second Ctrl-C) must not cancel the pool itself.
        pool = await asyncio.shield(self.pool)  # a worker that dies fails its page only
        return await pool.run(extract_and_pack, *args)
