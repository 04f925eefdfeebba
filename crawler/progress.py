"""A progress bar for crawls run at a terminal.

Settings: ``PROGRESS_BAR`` (off by default; ``sourcekeeper crawl`` turns it on when stderr is
a terminal, so cron mail and log files only get plain log lines).
"""

from __future__ import annotations

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured


class ProgressExtension:
    def __init__(self, crawler: Crawler):
        self.stats = crawler.stats
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[failed]} failed"), TimeRemainingColumn(),
            console=Console(stderr=True), transient=True,
        )
        self.task = None
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.advance, signal=signals.item_scraped)
        crawler.signals.connect(self.advance, signal=signals.item_dropped)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressExtension:
        if not crawler.settings.getbool("PROGRESS_BAR"):
            raise NotConfigured
        return cls(crawler)

    def opened(self, spider) -> None:
        self.progress.start()
        self.task = self.progress.add_task("checking URLs", total=None, failed=0)

    def advance(self, **kwargs) -> None:
        if self.task is None:
            return
        self.progress.update(self.task, advance=1, total=self.stats.get_value("urls/due"),
                             failed=self.stats.get_value("archive/failures", 0))

    def closed(self, spider, reason: str) -> None:
        self.progress.stop()
