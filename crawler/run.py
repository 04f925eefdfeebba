"""Run the ``sources`` spider in this process and report what it did.

Scrapy's reactor cannot restart, so this runs at most once per process; repeated runs (a
scheduler) start one process per run.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scrapy.crawler import AsyncCrawlerProcess
from scrapy.settings import Settings

from crawler.spiders.sources import SourcesSpider

# What a distributed worker runs instead of the archive pipelines: no archive on its machine.
WORKER_PIPELINES = {"pipelines.extract.ExtractPipeline": 300,
                    "pipelines.relay.RelayPipeline": 800}


def project_settings(overrides: Mapping[str, Any] | None = None) -> Settings:
    """Our project settings, whatever the working directory, with command-line overrides."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.update(dict(overrides or {}), priority="cmdline")
    return settings


class _Process(AsyncCrawlerProcess):
    """Remembers the signal that stopped the crawl: the exit code says which (130, 143)."""

    received: int | None = None

    def _signal_shutdown(self, signum: int, frame: Any) -> None:
        self.received = signum
        super()._signal_shutdown(signum, frame)


@dataclass
class RunResult:
    """What a crawl did, from its stats, and the signal that stopped it, if one did."""

    stats: dict[str, Any]
    signal: int | None = None

    def count(self, key: str) -> int:
        return int(self.stats.get(key, 0))

    @property
    def finished(self) -> bool:
        return self.stats.get("finish_reason") == "finished"

    @property
    def summary(self) -> str:
        new = self.count("archive/snapshots/new")
        changed = self.count("archive/snapshots/changed")
        skipped = self.count("documents/skipped")
        documents = f"{self.count('documents/read')} documents read"
        if skipped:
            documents += f" ({skipped} skipped)"
        return (
            f"{documents}, {self.count('urls/cited')} URLs found "
            f"({self.count('urls/due')} due), "
            f"{new + changed} archived ({new} new, {changed} changed), "
            f"{self.count('archive/snapshots/unchanged')} unchanged, "
            f"{self.count('archive/failures')} failed"
        )


def crawl(paths: list[str], settings: Settings, **arguments: Any) -> RunResult:
    """Read the documents under ``paths`` and check the URLs that are due.

    ``arguments`` go to the spider: ``all`` (ignore the schedule), ``limit``, ``url`` (re-fetch
    this URL only).
    """
    process = _Process(settings)
    if settings.get("LOG_LEVEL") != "DEBUG":
        # A robots.txt that cannot be fetched is logged with a traceback, although the page's
        # own fetch then fails for the same reason and is recorded with a one-line reason.
        logging.getLogger("scrapy.downloadermiddlewares.robotstxt").setLevel(logging.CRITICAL)
    crawler = process.create_crawler(SourcesSpider)
    process.crawl(crawler, documents=list(paths), **arguments)
    process.start()
    return RunResult(dict(crawler.stats.get_stats()), process.received)


def work(settings: Settings) -> RunResult:
    """Run a distributed worker (crawler.spiders.worker) until stopped."""
    from crawler.spiders.worker import WorkerSpider

    process = _Process(settings)
    logging.getLogger("scrapy.downloadermiddlewares.robotstxt").setLevel(logging.CRITICAL)
    crawler = process.create_crawler(WorkerSpider)
    process.crawl(crawler)
    process.start()
    return RunResult(dict(crawler.stats.get_stats()), process.received)
