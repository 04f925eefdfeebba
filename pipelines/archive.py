"""Record each item in the archive, through the run's session.

The session (crawler.jobs.session) owns the archive's one connection on one writer thread;
this pipeline awaits it, so a write that waits on another process's lock slows archiving,
never downloads. A write the archive cannot do (disk full, read-only file) stops the crawl:
carrying on would only lose more, and one error line says why.
"""

from __future__ import annotations

import asyncio
import logging

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.errors import ArchiveError, ArchiveWriteError
from crawler.fetch.items import Item
from pipelines._session import session_of
from pipelines.wayback import WaybackSaver

logger = logging.getLogger(__name__)


class ArchivePipeline:
    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.closing: asyncio.Future | None = None
        self.saver = WaybackSaver.of(crawler)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler)

    async def process_item(self, item: Item) -> Item:
        session = session_of(self.crawler)
        if self.closing is not None:
            # The archive already failed a write and the crawl is stopping: the URL stays
            # due, and one error line has said why.
            session.count_error()
            raise DropItem("the archive cannot be written", log_level="DEBUG")
        try:
            result = await session.record(item)
        except ArchiveWriteError as exc:
            if self.closing is None:  # one error line, not one per item in flight
                logger.error("cannot write to the archive: %s", exc)
            session.count_error()
            self._stop("archive write failed")
            raise DropItem(str(exc), log_level="DEBUG") from None
        except ArchiveError as exc:
            session.count_error()
            raise DropItem(f"{item.requested_url}: {exc}") from None
        finally:
            session.publish(self.crawler.stats)
        if self.saver is not None:
            self.saver.after(item, result)
        return item

    def _stop(self, reason: str) -> None:
        """Close the spider without awaiting it: closing waits for this very item."""
        if self.closing is None:
            self.closing = asyncio.ensure_future(
                self.crawler.engine.close_spider_async(reason=reason))
