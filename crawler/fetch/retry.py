"""Retries that back off, and honour ``Retry-After``.

Scrapy's RetryMiddleware re-queues a failed request at once, so a struggling server gets the
next attempt within milliseconds, and it ignores ``Retry-After`` (scrapy#3849). This subclass
decides *whether* to retry exactly as Scrapy does, then holds the retry back: exponentially
longer for each attempt, or as long as the server asked, whichever is longer.

Settings:

- ``RETRY_BACKOFF_BASE`` (seconds, default 2): attempt *n* waits ``base * 2**(n-1)``, with
  jitter so that many retries do not land together;
- ``RETRY_BACKOFF_MAX`` (seconds, default 60): the longest backoff;
- ``RETRY_AFTER_MAX`` (seconds, default 300): a ``Retry-After`` longer than this is not waited
  for: the URL is recorded as failed, with the server's ``Retry-After``, for a later run.
"""

from __future__ import annotations

import asyncio
import logging
import random
from email.utils import parsedate_to_datetime
from datetime import UTC, datetime

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response

from crawler import config

logger = logging.getLogger(__name__)

DELAY_KEY = "retry_delay"


def retry_after_seconds(value: bytes | None, now: datetime | None = None) -> float | None:
    """Seconds asked for by a ``Retry-After`` header (delta-seconds or HTTP date), or None."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = config.get(settings, "RETRY_BACKOFF_BASE")
        self.backoff_max = config.get(settings, "RETRY_BACKOFF_MAX")
        self.retry_after_max = config.get(settings, "RETRY_AFTER_MAX")

    async def process_request(self, request: Request) -> None:
        delay = request.meta.pop(DELAY_KEY, 0)
        if delay > 0:
            await asyncio.sleep(delay)

    def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        asked = retry_after_seconds(response.headers.get(b"Retry-After"))
        if asked is not None and asked > self.retry_after_max:
            logger.info(
                "not retrying %s: server asked to wait %.0f s (Retry-After)", request.url, asked
            )
            return response
        retry = super().process_response(request, response)
        if isinstance(retry, Request):
            retry.meta[DELAY_KEY] = max(self._backoff(retry), asked or 0)
        return retry

    def process_exception(self, request: Request, exception: Exception) -> Request | None:
        retry = super().process_exception(request, exception)
        if isinstance(retry, Request):
            retry.meta[DELAY_KEY] = self._backoff(retry)
        return retry

    def _backoff(self, retry: Request) -> float:
        attempt = retry.meta.get("retry_times", 1)
        delay = min(self.backoff_max, self.backoff_base * 2 ** (attempt - 1))
        return delay * random.uniform(0.5, 1.0)
