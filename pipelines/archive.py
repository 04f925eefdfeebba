"""Write snapshots, checks and failures to the archive, and record the run.

SQLite allows one writer at a time and a write can wait on another process's lock (a manual
re-fetch during a nightly crawl). So the archive lives on one writer thread with its own
connection, and the reactor awaits it: a locked database slows archiving, never downloads.

The run is recorded in ``runs`` from start to end with its counts and how it ended
(``finished``, ``interrupted`` by a signal, ...). Stats: ``archive/snapshots/new``, ``.../changed``,
``.../unchanged``, ``archive/failures``, ``archive/errors``. A write the archive cannot do
(disk full, read-only file) stops the crawl: carrying on would only lose more.

Settings: ``ARCHIVE_DB``; ``SCHEDULE_MIN_INTERVAL``, ``SCHEDULE_MAX_INTERVAL`` and
``SCHEDULE_FIRST_INTERVAL`` (seconds or ``6h``-style durations) set when each URL is due
again (see crawler.schedule).
"""

from __future__ import annotations

import asyncio
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.archive import Archive, ArchiveError, ArchiveWriteError
from crawler.record import count, record
from crawler.schedule import Schedule, ScheduleError, parse_duration

logger = logging.getLogger(__name__)


def schedule_from(settings) -> Schedule:
    """The check schedule from ``SCHEDULE_*`` settings (seconds, or durations like ``6h``)."""

    def seconds(name: str) -> float:
        value = str(settings.get(name)).strip()
        return float(value) if value.replace(".", "", 1).isdigit() else parse_duration(value)

    return Schedule(minimum=seconds("SCHEDULE_MIN_INTERVAL"),
                    maximum=seconds("SCHEDULE_MAX_INTERVAL"),
                    first=seconds("SCHEDULE_FIRST_INTERVAL"))


class ArchivePipeline:
    def __init__(self, crawler: Crawler, archive_path: str, schedule: Schedule):
        self.crawler = crawler
        self.archive_path = archive_path
        self.schedule = schedule
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archive")
        self.archive: Archive | None = None
        self.run_id: int | None = None
        self.closing: asyncio.Future | None = None
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchivePipeline:
        try:
            schedule = schedule_from(crawler.settings)
        except ScheduleError as exc:
            raise ValueError(f"SCHEDULE_* settings: {exc}") from None
        return cls(crawler, crawler.settings.get("ARCHIVE_DB"), schedule)

    async def _call(self, function, *args: Any, **kwargs: Any) -> Any:
        future = self.writer.submit(function, *args, **kwargs)
        return await asyncio.wrap_future(future)

    def _open(self) -> int:
        self.archive = Archive(self.archive_path, schedule=self.schedule)
        spider = self.crawler.spider
        command = "refetch" if getattr(spider, "refetch_url", None) else "crawl"
        args = {"documents": getattr(spider, "document_paths", []),
                "url": getattr(spider, "refetch_url", None),
                "all": getattr(spider, "everything", False),
                "limit": getattr(spider, "limit", None)}
        return self.archive.start_run(command, args, os.getpid())

    async def open_spider(self) -> None:
        self.run_id = await self._call(self._open)
        self.crawler.stats.set_value("archive/run_id", self.run_id)

    async def process_item(self, item):
        stats = self.crawler.stats
        if self.closing is not None:
            # The archive already failed a write and the crawl is stopping: the URL stays
            # due, and one error line has said why.
            stats.inc_value("archive/errors")
            raise DropItem("the archive cannot be written", log_level="DEBUG")
        try:
            outcome = await self._call(record, self.archive, item, self.run_id)
        except ArchiveWriteError as exc:
            if self.closing is None:
                logger.error("cannot write to the archive: %s", exc)
            stats.inc_value("archive/errors")
            self._stop("archive write failed")
            raise DropItem(str(exc), log_level="DEBUG") from None
        except ArchiveError as exc:
            stats.inc_value("archive/errors")
            raise DropItem(f"{item.requested_url}: {exc}") from None
        count(stats, item, outcome)
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
            "urls": stats.get_value("urls/due", 0),
            "new": stats.get_value("archive/snapshots/new", 0),
            "changed": stats.get_value("archive/snapshots/changed", 0),
            "unchanged": stats.get_value("archive/snapshots/unchanged", 0),
            "failed": stats.get_value("archive/failures", 0),
        }
        try:
            status = "interrupted" if reason == "shutdown" else reason
            await self._call(self.archive.finish_run, self.run_id, status, counts)
        except ArchiveError as exc:
            logger.warning("the end of run %s could not be recorded: %s", self.run_id, exc)
        finally:
            await self._call(self.archive.close)
            self.writer.shutdown()
