"""Asking the web's archives, politely: look-up requests, capture requests, Save Page Now,
and one rate limit per archive.

Every request to an archive goes through the same Scrapy machinery as a page (the address
guard, retries with backoff, the capture of raw bodies and headers for WARC exports). What
differs: the Internet Archive throttles hard and bans clients that keep going, so each archive
gets at most one request per ``MEMENTO_DELAY`` seconds (whatever AutoThrottle would allow),
and a ``429`` pauses every request to that archive for its ``Retry-After`` (or the retry
backoff), not only the one that got it. robots.txt is not asked: it governs crawling a site,
and these are the archives' APIs and replay URLs, made to be fetched by programs.

Settings: ``MEMENTO_DELAY`` (seconds between two requests to one archive; default 4),
``SPN_ENDPOINT``, ``SPN_ACCESS_KEY`` and ``SPN_SECRET`` (Save Page Now; unauthenticated
requests without keys).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from crawler import config
from crawler.core.memento_parsing import (
    encoded, from_http_date, from_timestamp, parse_availability, parse_cdx, parse_timemap, raw_uri,
    to_timestamp,
)
from crawler.core.mementos import Endpoint, Memento, archive_name
from crawler.core.clock import iso, parse_iso
from crawler.fetch.retry import retry_after_seconds

__all__ = ["ArchiveRateLimitMiddleware", "availability_request", "capture_request",
           "captured_at", "lookup_request", "mementos_of", "save_request", "saved_uri"]

logger = logging.getLogger(__name__)

ARCHIVE = "memento_archive"  # meta: the archive a request goes to (its rate limit)
_RETRIES = 2  # a look-up is worth less than a source: fewer retries than a page gets
_DOWN_AFTER = 3  # connection failures in a row after which an archive is not asked again
_PAUSES = 5  # a 429 or 503 without Retry-After pauses an archive for this many delays
_SAVE_TIMEOUT = 20  # seconds: Save Page Now answers with a job at once, or is overloaded
# What a follow-up request keeps of a look-up's meta (not Scrapy's retry or redirect state).
_KEPT = {ARCHIVE, "dont_obey_robotstxt", "autothrottle_dont_adjust_delay", "max_retry_times",
         "endpoint", "original", "written", "handle_httpstatus_list", "url_id"}
_CDX_FIELDS = "timestamp,original,statuscode,digest,mimetype"
_CDX_LIMIT = 3000


def _meta(archive: str, **more: Any) -> dict[str, Any]:
    return {ARCHIVE: archive, "dont_obey_robotstxt": True,
            "autothrottle_dont_adjust_delay": True, "max_retry_times": _RETRIES, **more}


def lookup_request(endpoint: Endpoint, url: str, written: str | None,
                   callback: Callable[..., Any], errback: Callable[..., Any],
                   **meta: Any) -> scrapy.Request:
    """The request that lists an archive's captures of ``url``: a Wayback archive's CDX API
    (one capture per payload, from two years before the document on, at most
    ``_CDX_LIMIT``: a page captured daily for a decade would answer megabytes), or a
    TimeMap. A 404 is an answer (no captures), not a failure."""
    base = endpoint.url.rstrip("/")
    if endpoint.kind == "wayback":
        since = f"&from={to_timestamp(_years_before(written, 2))[:8]}" if written else ""
        address, shape = (f"{base}/cdx/search/cdx?url={encoded(url)}&output=json"
                          f"&fl={_CDX_FIELDS}&filter=statuscode:200&collapse=digest{since}"
                          f"&limit={_CDX_LIMIT}", "cdx")
    else:
        address, shape = f"{endpoint.url}{url}", "timemap"
    return scrapy.Request(
        address, callback=callback, errback=errback, dont_filter=True,
        meta=_meta(endpoint.name, lookup=shape, endpoint=endpoint.url, original=url,
                   written=written, handle_httpstatus_list=[404], **meta))


def _years_before(moment: str, years: int) -> str:
    return iso(parse_iso(moment) - timedelta(days=365 * years))


def availability_request(asked: scrapy.Request, found: list[Memento]) -> scrapy.Request | None:
    """After a CDX look-up that failed or found nothing (the CDX server is the part of the
    Wayback Machine that is most often overloaded), the availability API: the one capture
    closest to the document's date. None when there is no reason to ask it."""
    meta = asked.meta
    if meta.get("lookup") != "cdx" or found:
        return None
    written = meta.get("written")
    stamp = f"&timestamp={to_timestamp(written)}" if written else ""
    return asked.replace(
        url=f"{meta['endpoint'].rstrip('/')}/wayback/available?url={encoded(meta['original'])}"
            f"{stamp}",
        meta={**{key: value for key, value in meta.items() if key in _KEPT},
              "lookup": "availability"})


def mementos_of(response: Response) -> list[Memento]:
    """The captures a look-up response lists. Raises ValueError for an answer that is not
    what the API sends (an HTML error page, broken JSON)."""
    if response.status == 404:
        return []
    meta, text = response.meta, response.body.decode("utf-8", "replace")
    original, shape = meta["original"], meta["lookup"]
    try:
        if shape == "cdx":
            return parse_cdx(text, meta["endpoint"], original)
        if shape == "availability":
            return parse_availability(text, meta["endpoint"], original)
    except (json.JSONDecodeError, TypeError, AttributeError) as exc:
        raise ValueError(f"{shape} answer of {meta['endpoint']} unreadable: {exc}") from None
    return parse_timemap(text, original)


def capture_request(memento: Memento, url_id: int, callback: Callable[..., Any],
                    errback: Callable[..., Any], **meta: Any) -> scrapy.Request:
    """The request for a capture's original bytes (crawler.core.mementos.raw_uri)."""
    uri = raw_uri(memento)
    return scrapy.Request(uri, callback=callback, errback=errback, dont_filter=True,
                          meta=_meta(memento.archive, memento=memento, url_id=url_id,
                                     source_url=uri, **meta))


def captured_at(response: Response, memento: Memento) -> Memento:
    """The memento as the archive served it: its ``Memento-Datetime`` (an archive redirects
    to the capture nearest the one asked for)."""
    value = response.headers.get(b"Memento-Datetime")
    moment = from_http_date(value.decode("latin-1")) if value else None
    return dataclasses.replace(memento, datetime=moment) if moment else memento


def save_request(settings: Any, url: str, url_id: int, snapshot_id: int | None,
                 callback: Callable[..., Any], errback: Callable[..., Any]) -> scrapy.Request:
    """A Save Page Now request for ``url``: the authenticated API (``POST``, JSON answer)
    with keys, the public form (``GET endpoint/URL``) without."""
    endpoint = config.get(settings, "SPN_ENDPOINT").rstrip("/")
    key, secret = config.get(settings, "SPN_ACCESS_KEY"), config.get(settings, "SPN_SECRET")
    meta = _meta(archive_name(endpoint), url_id=url_id, snapshot_id=snapshot_id, saved=url,
                 dont_retry=True, handle_httpstatus_all=True, dont_redirect=True,
                 download_timeout=_SAVE_TIMEOUT)
    if key and secret:
        return scrapy.FormRequest(
            f"{endpoint}", formdata={"url": url, "skip_first_archive": "1"},
            headers={"Accept": "application/json", "Authorization": f"LOW {key}:{secret}"},
            callback=callback, errback=errback, dont_filter=True, meta=meta)
    return scrapy.Request(f"{endpoint}/{url}", callback=callback, errback=errback,
                          dont_filter=True, meta=meta)


def saved_uri(response: Response) -> tuple[str, str | None, str | None]:
    """What Save Page Now answered: a status (``saved``, ``pending``, ``refused``), the
    memento URI when it says, and a detail for people."""
    base = response.url.split("/save")[0]
    location = (response.headers.get(b"Content-Location") or response.headers.get(b"Location")
                or b"").decode("latin-1")
    if response.status >= 400:
        detail = f"HTTP {response.status}"
        try:
            answer = json.loads(response.text)
            detail += f": {answer.get('message') or answer.get('status_ext') or ''}".rstrip(": ")
        except (ValueError, AttributeError):
            pass
        return "refused", None, detail
    if "/web/" in location:
        uri = location if location.startswith("http") else f"{base}{location}"
        return "saved", uri, None
    try:
        answer = json.loads(response.text)
    except (ValueError, AttributeError):
        return "pending", None, f"HTTP {response.status}, no memento named"
    if answer.get("timestamp") and answer.get("original_url"):
        stamp = str(answer["timestamp"])
        return "saved", f"{base}/web/{stamp}/{answer['original_url']}", from_timestamp(stamp)
    if answer.get("job_id"):
        return "pending", None, f"job {answer['job_id']}"
    return "refused", None, str(answer.get("message") or "no job started")[:200]


class ArchiveRateLimitMiddleware:
    """One request at a time to each archive, ``MEMENTO_DELAY`` apart; a 429 pauses them
    all; an archive that cannot be reached (``_DOWN_AFTER`` connection failures in a row) is
    not asked again in this run, so that a dead endpoint costs a crawl seconds, not a
    backoff per look-up."""

    def __init__(self, delay: float, timeout: float, longest: float):
        self.delay = delay
        self.longest = longest  # RETRY_AFTER_MAX: a longer pause is not waited for
        self.timeout = timeout  # a request lost on its way never blocks the archive longer
        self.next_at: dict[str, float] = {}
        self.locks: dict[str, asyncio.Lock] = {}
        self.answered: dict[str, asyncio.Event] = {}
        self.failures: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveRateLimitMiddleware:
        return cls(config.get(crawler.settings, "MEMENTO_DELAY"),
                   crawler.settings.getfloat("DOWNLOAD_TIMEOUT") + 5,
                   config.get(crawler.settings, "RETRY_AFTER_MAX"))

    async def process_request(self, request: scrapy.Request) -> None:
        archive = request.meta.get(ARCHIVE)
        if archive is None:
            return
        if self.failures.get(archive, 0) >= _DOWN_AFTER:
            raise IgnoreRequest(f"{archive} did not answer {_DOWN_AFTER} times: not asked "
                                "again in this run")
        async with self.locks.setdefault(archive, asyncio.Lock()):
            answered = self.answered.setdefault(archive, asyncio.Event())
            if self.next_at.get(archive) is not None:  # the previous request's answer first
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(answered.wait(), self.timeout)
            while (wait := self.next_at.get(archive, 0.0) - time.monotonic()) > 0:
                await asyncio.sleep(wait)  # again after each wait: a 429 extends the pause
            self.next_at[archive] = time.monotonic() + self.delay
            answered.clear()

    def _answered(self, archive: str) -> None:
        if (event := self.answered.get(archive)) is not None:
            event.set()

    def process_exception(self, request: scrapy.Request, exception: Exception) -> None:
        archive = request.meta.get(ARCHIVE)
        if archive is not None:
            if not isinstance(exception, IgnoreRequest):
                self.failures[archive] = self.failures.get(archive, 0) + 1
            self._answered(archive)

    def process_response(self, request: scrapy.Request, response: Response) -> Response:
        archive = request.meta.get(ARCHIVE)
        if archive is not None:
            self.failures[archive] = 0
            self._answered(archive)
        if archive is not None and response.status in (429, 503):
            asked = retry_after_seconds(response.headers.get(b"Retry-After"))
            pause = max(self.delay, asked if asked is not None else _PAUSES * self.delay)
            if pause > self.longest:  # not waited for: the archive is left for this run
                self.failures[archive] = _DOWN_AFTER
                logger.info("%s asks us to wait %.0f s: not asked again in this run",
                            archive, pause)
                return response
            self.next_at[archive] = max(self.next_at.get(archive, 0.0),
                                        time.monotonic() + pause)
            logger.info("%s asks us to slow down: no request to it for %.0f s", archive, pause)
        return response
