"""URLs too long to fetch are recorded as failed, not silently dropped.

Scrapy's ``UrlLengthMiddleware`` (a spider middleware) drops a request whose URL is longer
than ``URLLENGTH_LIMIT`` (2,083 characters, what old browsers accepted) with a debug line:
the URL was never checked, so it stayed due forever and never appeared as failing. This
downloader middleware replaces it: such a request (a redirect's too) fails with the reason
``URL too long: 2500 characters (limit 2083)``, recorded like any failure.

Settings: ``URLLENGTH_LIMIT`` (Scrapy's; 0 for no limit).
"""

from __future__ import annotations

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured


class UrlLengthLimitMiddleware:
    def __init__(self, limit: int):
        self.limit = limit

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> UrlLengthLimitMiddleware:
        limit = crawler.settings.getint("URLLENGTH_LIMIT")
        if limit <= 0:
            raise NotConfigured
        return cls(limit)

    def process_request(self, request: Request) -> None:
        if len(request.url) > self.limit:
            raise IgnoreRequest(f"URL too long: {len(request.url)} characters "
                                f"(limit {self.limit})")
