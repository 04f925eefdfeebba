"""Scrapy settings for sourcekeeper: polite defaults for a crawler that runs unattended.

Scrapy's own defaults suit scraping one's own targets, not archiving other people's pages
every night: no robots.txt, a 180 s timeout, 1 GiB bodies, no delay, unverified certificates.
Every default here can be overridden with ``-s KEY=VALUE`` on ``sourcekeeper crawl`` or
``scrapy crawl``. Our own settings and their defaults are listed in crawler.config (and each
is documented in the component that reads it); they are copied in here so that ``scrapy
crawl sources`` sees them too.
"""

from crawler import __version__
from crawler.config import SETTINGS as _OURS

BOT_NAME = "sourcekeeper"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# Who we are, and how hard we knock. The project has no public home yet to link to; set
# ``CONTACT`` (an e-mail address or URL) and crawler.config.project_settings adds it here, as
# well-behaved crawlers do, so that a site owner can write rather than block.
USER_AGENT = f"sourcekeeper/{__version__} (archives the sources cited in documents)"
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
# Names are resolved once and only public answers are connected to (the SSRF guard where the
# connection is made), IPv4 and IPv6: crawler.fetch.resolver.
TWISTED_DNS_RESOLVER = "crawler.fetch.resolver.GuardedResolver"

# Retries with backoff and Retry-After (crawler.fetch.retry replaces Scrapy's RetryMiddleware).
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_GIVE_UP_LOG_LEVEL = "INFO"
DOWNLOADER_MIDDLEWARES = {
    "crawler.fetch.url_length.UrlLengthLimitMiddleware": 50,
    "crawler.fetch.guard.AddressGuardMiddleware": 60,
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    # Scrapy's, without decoding every page to find no refresh in it (crawler.fetch.meta_refresh).
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.fetch.meta_refresh.QuickMetaRefreshMiddleware": 580,
    "crawler.fetch.robots.RobotsMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.fetch.retry.BackoffRetryMiddleware": 550,
    "crawler.fetch.redirects.RedirectChainMiddleware": 610,
    # One request at a time per web archive, paused by a 429: it sees every answer (a 3xx
    # before it is followed, a 429 before it is retried).
    "crawler.fetch.mementos.ArchiveRateLimitMiddleware": 620,
    "crawler.fetch.capture.CaptureMiddleware": 950,
}
# A URL too long to fetch is recorded as failed (crawler.fetch.url_length), not dropped.
# Nor do we follow links: there is no depth to count.
SPIDER_MIDDLEWARES = {"scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
                      "scrapy.spidermiddlewares.depth.DepthMiddleware": None}
# Off, and not even imported: Scrapy imports each extension before it can say NotConfigured,
# and RemoteControl imports aiohttp (60 ms of every crawl's start-up).
EXTENSIONS = {"crawler.fetch.progress.ProgressExtension": 500,
              "scrapy.extensions.remote_control.RemoteControl": None}
ITEM_PIPELINES = {
    "pipelines.dedupe.DedupePipeline": 100,
    "pipelines.extract.ExtractPipeline": 300,
    "pipelines.archive.ArchivePipeline": 800,
}
# A distributed worker takes this many URLs from Redis at a time (scrapy-redis).
REDIS_START_URLS_BATCH_SIZE = 16

FEED_EXPORT_ENCODING = "utf-8"

# Logging is ours (crawler.jobs.process_setup.install_logging), installed before Scrapy is
# imported (a run with nothing due never imports it): Scrapy's defaults, written here so that
# they are read without it. The command line sets the level and format (-v, -vv).
LOG_LEVEL = "DEBUG"
LOG_FORMAT = "%(asctime)s [%(name)s] %(levelname)s: %(message)s"
LOG_DATEFORMAT = "%Y-%m-%d %H:%M:%S"
LOG_FILE = None
LOG_FILE_APPEND = True
LOG_ENCODING = "utf-8"

# Ours (crawler.config): ARCHIVE_DB, DOCUMENT_MAX_BYTES, SCHEDULE_*, RETRY_BACKOFF_*, ...
globals().update({name: setting.written_default for name, setting in _OURS.items()})
