"""A distributed worker: fetch the URLs queued in Redis, send the items back, until stopped.

It runs the ``worker`` spider (crawler.spiders.worker, a scrapy-redis spider) with the
extraction pipeline and the relay pipeline instead of the archive's: a worker never opens the
archive, and imports neither the storage layer nor SQLite helpers.
"""

from __future__ import annotations

from typing import Any

from scrapy.settings import Settings

from crawler import config
from crawler.core.models import CrawlResult, RunCounts
from crawler.jobs.distributed.relay import client_options, connect
from crawler.jobs.process import SignalledProcess, status_of
from crawler.jobs.process_setup import install_logging, mark_started, once_per_process

PIPELINES = {"pipelines.extract.ExtractPipeline": 300, "pipelines.relay.RelayPipeline": 800}


def worker_settings(redis_url: str, prefix: str) -> dict[str, Any]:
    """What a worker sets on top of the project settings."""
    return {"REDIS_URL": redis_url, "RELAY_PREFIX": prefix, "REDIS_PARAMS": client_options(),
            "REDIS_START_URLS_KEY": f"{prefix}:requests", "ITEM_PIPELINES": PIPELINES}


def work(settings: Settings) -> CrawlResult:
    """Run a worker in this process until it is stopped. Raises
    :class:`~crawler.errors.RelayError` when Redis does not answer in time."""
    once_per_process()
    connect(settings.get("REDIS_URL"), config.get(settings, "RELAY_CONNECT_WAIT")).close()
    mark_started()
    install_logging(settings)
    process = SignalledProcess(settings)
    crawler = process.create_crawler("worker")
    process.crawl(crawler)
    process.start()
    status, reason = status_of(crawler.stats.get_value("finish_reason"))
    return CrawlResult(None, RunCounts(), status, reason, process.received)
