"""Progress of a crawl: a bar at a terminal, a plain line now and then elsewhere.

Settings:

- ``PROGRESS_BAR`` (off by default): a rich progress bar on stderr; ``sourcekeeper crawl``
  turns it on when stderr is a terminal;
- ``PROGRESS_INTERVAL`` (seconds, default 600, 0 = never): without the bar, one plain line
  ``progress: 1200/50000 URLs checked, 12 failed, 35.2 pages/s`` that often, so that a
  long run under cron or systemd shows it is alive without flooding the mail or the journal.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import time

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler import config

logger = logging.getLogger(__name__)


class _ConsoleStream:
    """A text stream printing through a rich console (as plain text, no markup)."""

    def __init__(self, console: Console):
        self.console = console

    def write(self, text: str) -> int:
        if text.strip():
            self.console.print(text.rstrip("\n"), markup=False, highlight=False,
                               soft_wrap=True)
        return len(text)

    def flush(self) -> None:
        pass


class ProgressExtension:
    def __init__(self, crawler: Crawler, bar: bool, interval: float):
        self.stats = crawler.stats
        self.interval = interval
        self.done = 0
        self.started = time.monotonic()
        self.task = None
        self.ticker: asyncio.Task | None = None
        self.progress = None
        if bar:
            self.progress = Progress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[failed]} failed"), TimeRemainingColumn(),
                console=Console(stderr=True), transient=True,
            )
        else:
            # Its own handler: these lines are wanted even when LOG_LEVEL hides INFO.
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("%(message)s"))
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)
            logger.propagate = False
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.advance, signal=signals.item_scraped)
        crawler.signals.connect(self.advance, signal=signals.item_dropped)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressExtension:
        bar = config.get(crawler.settings, "PROGRESS_BAR")
        interval = config.get(crawler.settings, "PROGRESS_INTERVAL")
        if not bar and interval <= 0:
            raise NotConfigured
        return cls(crawler, bar, interval)

    def opened(self, spider) -> None:
        self.started = time.monotonic()
        if self.progress is not None:
            self.progress.start()
            self.task = self.progress.add_task("checking URLs", total=None, failed=0)
            self._through_console(self.progress.console)
        else:
            self.ticker = asyncio.ensure_future(self._tick())

    def advance(self, **kwargs) -> None:
        self.done += 1
        if self.progress is not None and self.task is not None:
            self.progress.update(self.task, advance=1, total=self.stats.get_value("urls/due"),
                                 failed=self.stats.get_value("archive/failures", 0))

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            rate = self.done / max(time.monotonic() - self.started, 1e-6)
            logger.info("progress: %d/%s URLs checked, %d failed, %.1f pages/s", self.done,
                        self.stats.get_value("urls/due", "?"),
                        self.stats.get_value("archive/failures", 0), rate)

    def _through_console(self, console: Console) -> None:
        """Log lines printed while the bar is drawn go through its console, above the bar
        (written straight to stderr they would leave pieces of the bar behind)."""
        self.redirected = []
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream in (
                    sys.stderr, sys.__stderr__):
                self.redirected.append((handler, handler.setStream(_ConsoleStream(console))))

    def closed(self, spider, reason: str) -> None:
        if self.progress is not None:
            self.progress.stop()
            for handler, stream in getattr(self, "redirected", []):
                handler.setStream(stream)
        if self.ticker is not None:
            self.ticker.cancel()
