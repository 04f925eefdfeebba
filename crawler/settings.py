"""Scrapy settings for sourcekeeper: polite defaults for a crawler that runs unattended.

Scrapy's own defaults suit scraping one's own targets, not archiving other people's pages
every night: no robots.txt, a 180 s timeout, 1 GiB bodies, no delay, unverified certificates.
Every default here can be overridden with ``-s KEY=VALUE`` on ``sourcekeeper crawl`` or
``scrapy crawl``. Our own settings are documented in the component that reads them.
"""

import os

from crawler import __version__

BOT_NAME = "sourcekeeper"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# The archive (crawler.archive) and what we read into it (crawler.spiders.sources).
ARCHIVE_DB = os.getenv("SOURCEKEEPER_DB") or "sourcekeeper.db"
DOCUMENT_MAX_BYTES = 50 * 1024 * 1024

# Who we are, and how hard we knock.
USER_AGENT = (
    f"sourcekeeper/{__version__} (source archiver; +https://pypi.org/project/sourcekeeper/)"
)
ROBOTSTXT_OBEY = True
COOKIES_ENABLED = False
CONCURRENT_REQUESTS = 32
CONCURRENT_REQUESTS_PER_DOMAIN = 2
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 20 * 1024 * 1024
DOWNLOAD_WARNSIZE = 5 * 1024 * 1024
DOWNLOAD_VERIFY_CERTIFICATES = True
REDIRECT_MAX_TIMES = 10
TELNETCONSOLE_ENABLED = False
# Our spider yields one item per response; Scrapy starts CONCURRENT_ITEMS asyncio tasks per
# response to process its output, which at the default of 100 costs more CPU than a 304.
CONCURRENT_ITEMS = 1
REMOTE_CONTROL_ENABLED = False  # Scrapy 2.19 opens a code-executing HTTP port by default

# Retries with backoff and Retry-After (crawler.retry replaces Scrapy's RetryMiddleware).
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_GIVE_UP_LOG_LEVEL = "INFO"
RETRY_BACKOFF_BASE = 2.0
RETRY_BACKOFF_MAX = 60.0
RETRY_AFTER_MAX = 300.0
DOWNLOADER_MIDDLEWARES = {
    "crawler.guard.AddressGuardMiddleware": 60,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.robots.RobotsMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.retry.BackoffRetryMiddleware": 550,
    "crawler.capture.CaptureMiddleware": 950,
}
# Requests waiting in Scrapy's scheduler; more due URLs are read as room frees up.
DUE_BACKLOG = 200

# Conditional requests from each URL's last ETag / Last-Modified (crawler.spiders.sources).
CONDITIONAL_REQUESTS = True

# When URLs are due again (crawler.schedule), in seconds or with a unit (6h, 30d).
SCHEDULE_MIN_INTERVAL = "1h"
SCHEDULE_MAX_INTERVAL = "30d"
SCHEDULE_FIRST_INTERVAL = "1d"

# The SSRF guard (crawler.guard): no loopback, private or link-local addresses unless allowed.
FETCH_ALLOW_PRIVATE = False
FETCH_ALLOWED_HOSTS: list[str] = []

# Distributed crawls (crawler.relay, crawler.spiders.worker): the Redis key prefix, how long
# a queued URL may go unclaimed before the writer queues it again, how long to wait for Redis
# to answer at start-up, and how many URLs a worker takes at a time.
RELAY_PREFIX = "sourcekeeper"
RELAY_REQUEUE_AFTER = 60.0
RELAY_CONNECT_WAIT = 30.0
REDIS_START_URLS_BATCH_SIZE = 16

# Extraction in worker processes (pipelines.extract): None = one per CPU, 0 = inline.
EXTRACT_WORKERS = None

# A progress bar on a terminal (crawler.progress), which the CLI turns on for a tty; else a
# plain progress line every PROGRESS_INTERVAL seconds.
PROGRESS_BAR = False
PROGRESS_INTERVAL = 600.0
EXTENSIONS = {"crawler.progress.ProgressExtension": 500}

ITEM_PIPELINES = {
    "pipelines.dedupe.DedupePipeline": 100,
    "pipelines.extract.ExtractPipeline": 300,
    "pipelines.archive.ArchivePipeline": 800,
}

FEED_EXPORT_ENCODING = "utf-8"
