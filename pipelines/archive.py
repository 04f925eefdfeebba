"""Write snapshots, checks and failures to the archive, and record the run.

SQLite allows one writer at a time and a write can wait on another process's lock (a manual
re-fetch during a nightly crawl). So the archive lives on one writer thread with its own
connection, and the reactor awaits it: a locked database slows archiving, never downloads.

The run is recorded in ``runs`` from start to end with its counts and how it ended
(``finished``, ``shutdown``, ...). Stats: ``archive/snapshots/new``, ``.../changed``,
``.../unchanged``, ``archive/failures``, ``archive/errors``. A write the archive cannot do
(disk full, read-only file) stops the crawl: carrying on would only lose more.

Settings: ``ARCHIVE_DB``.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.archive import Archive, ArchiveError, ArchiveWriteError
from crawler.items import FailureItem, PageItem

logger = logging.getLogger(__name__)


def snapshot_row(item: PageItem, run_id: int | None) -> dict[str, Any]:
    """The ``snapshots`` row for a fetched page."""
    extraction = item.extraction or {}
    return {
        "url_id": item.url_id,
        "run_id": run_id,
        "fetched_at": item.fetched_at,
        "requested_url": item.requested_url,
        "final_url": item.final_url,
        "redirects": json.dumps(item.redirects),
        "status": item.status,
        "headers": json.dumps(item.headers),
        "content_type": item.content_type,
        "ip_address": item.ip_address,
        "protocol": item.protocol,
        "body_sha256": item.body_sha256,
        "body_size": len(item.body),
        "text_sha256": item.text_sha256,
        "text": extraction.get("text"),
        "title": extraction.get("title"),
        "author": extraction.get("author"),
        "date": extraction.get("date"),
        "sitename": extraction.get("sitename"),
        "language": extraction.get("language"),
        "metadata": json.dumps(extraction.get("metadata") or {}),
    }


class ArchivePipeline:
    def __init__(self, crawler: Crawler, archive_path: str):
        self.crawler = crawler
        self.archive_path = archive_path
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archive")
        self.archive: Archive | None = None
        self.run_id: int | None = None
        self.closing: asyncio.Future | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        return cls(crawler, crawler.settings.get("ARCHIVE_DB"))

    async def _call(self, function, *args: Any, **kwargs: Any) -> Any:
        future = self.writer.submit(function, *args, **kwargs)
        return await asyncio.wrap_future(future)

    def _open(self) -> int:
        self.archive = Archive(self.archive_path)
        spider = self.crawler.spider
        args = {"documents": getattr(spider, "document_paths", [])}
        return self.archive.start_run(getattr(spider, "name", "crawl"), args, os.getpid())

    async def open_spider(self) -> None:
        self.run_id = await self._call(self._open)
        self.crawler.stats.set_value("archive/run_id", self.run_id)

    async def process_item(self, item):
        stats = self.crawler.stats
        try:
            if isinstance(item, PageItem):
                row = snapshot_row(item, self.run_id)
                body = None if item.body_known else item.body
                outcome, _ = await self._call(self.archive.record_snapshot, row, body)
                stats.inc_value(f"archive/snapshots/{outcome}")
                logger.info("%s %s", outcome, item.requested_url)
            elif isinstance(item, FailureItem):
                await self._call(
                    self.archive.record_failure, item.url_id, item.reason, run_id=self.run_id,
                    checked_at=item.fetched_at, status=item.status, final_url=item.final_url,
                )
                stats.inc_value("archive/failures")
        except ArchiveWriteError as exc:
            logger.error("cannot write to the archive: %s", exc)
            stats.inc_value("archive/errors")
            self._stop("archive write failed")
            raise DropItem(str(exc)) from None
        except ArchiveError as exc:
            stats.inc_value("archive/errors")
            raise DropItem(f"{item.requested_url}: {exc}") from None
        return item

    def _stop(self, reason: str) -> None:
        """Close the spider without awaiting it: closing waits for this very item."""
        if self.closing is None:
            self.closing = asyncio.ensure_future(
                self.crawler.engine.close_spider_async(reason=reason)
            )

    async def spider_closed(self, spider, reason: str) -> None:
        if self.archive is None:
            self.writer.shutdown()
            return
        stats = self.crawler.stats
        counts = {
            "documents": stats.get_value("documents/read", 0),
            "urls": stats.get_value("urls/found", 0),
            "new": stats.get_value("archive/snapshots/new", 0),
            "changed": stats.get_value("archive/snapshots/changed", 0),
            "unchanged": stats.get_value("archive/snapshots/unchanged", 0),
            "failed": stats.get_value("archive/failures", 0),
        }
        try:
            await self._call(self.archive.finish_run, self.run_id, reason, counts)
        except ArchiveError as exc:
            logger.error("cannot record the end of run %s: %s", self.run_id, exc)
        finally:
            await self._call(self.archive.close)
            self.writer.shutdown()
