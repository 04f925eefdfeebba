"""The ``sources`` spider: read documents, archive the URLs they cite, fetch each once.

Run it through ``sourcekeeper crawl`` / ``refetch`` or the Scrapy way from the project root::

    scrapy crawl sources -a documents=docs/ -s ARCHIVE_DB=archive.db

Arguments:

- ``documents``: files or folders (several separated by ``os.pathsep``) to read first; only
  the URLs they cite are then checked. Without it, every URL in the archive may be;
- ``all``: check every URL, not only those due by the schedule; ``limit``: at most this many;
- ``url``: fetch this one URL now, unconditionally, adding it to the archive if new.

Requests are conditional (``If-None-Match`` / ``If-Modified-Since`` from the URL's last
check) so that an unchanged page costs a ``304`` and no body.

Settings: ``ARCHIVE_DB`` (the archive file), ``DOCUMENT_MAX_BYTES`` (larger documents are
skipped with a warning), ``CONDITIONAL_REQUESTS`` (default on), ``DUE_BACKLOG`` (how many
requests may wait in Scrapy's scheduler; due URLs are read from the archive as room frees).
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from http import HTTPStatus
from typing import Any

import scrapy
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
    UnsupportedURLSchemeError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import (
    ConnectionDone,
    ConnectionLost,
    ConnectionRefusedError,
    DNSLookupError,
    TCPTimedOutError,
    TimeoutError,
)
from twisted.python.failure import Failure
from twisted.web._newclient import ResponseFailed, ResponseNeverReceived

from crawler.archive import Archive, ArchiveError, utcnow
from crawler.intake import intake
from crawler.capture import RAW_BODY, REQUEST_HEADERS, RESPONSE_HEADERS, header_list
from crawler.items import FailureItem, NotModifiedItem, PageItem
from crawler.retry import retry_after_seconds
from crawler.url import InvalidURL, canonical, fetchable

logger = logging.getLogger(__name__)


_KNOWN_FAILURES: list[tuple[tuple[type[BaseException], ...], str]] = [
    ((CannotResolveHostError, DNSLookupError), "DNS lookup failed"),
    ((DownloadTimeoutError, TimeoutError, TCPTimedOutError), "timeout"),
    ((DownloadConnectionRefusedError, ConnectionRefusedError), "connection refused"),
    ((UnsupportedURLSchemeError,), "unsupported URL scheme"),
]
_BOMB = re.compile(r"exceeded DOWNLOAD_MAXSIZE \((\d+) B\) during decompression")
_TOO_LARGE = re.compile(r"(\d+) bytes which is larger than download max size \((\d+)\)")


def _connection_detail(exc: BaseException) -> str:
    """What lies under a lost connection: Twisted keeps the causes in ``reasons``."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    causes = getattr(exc, "reasons", None) or []
    details = []
    for cause in causes:
        value = getattr(cause, "value", cause)
        text = str(value).strip() or type(value).__name__
        if "certificate verify failed" in text or "SSL" in type(value).__name__:
            text = f"TLS error: {text}"
        details.append(text)
    return "; ".join(dict.fromkeys(details)) or str(exc)


def describe_failure(failure: Failure) -> tuple[str, int | None, str | None]:
    """A short, precise reason for a failed fetch, plus the status and final URL if any."""
    value = failure.value
    if failure.check(HttpError):
        response = value.response
        reason = f"HTTP {response.status}"
        try:
            reason += f" {HTTPStatus(response.status).phrase}"
        except ValueError:
            pass
        if retry_after := response.headers.get(b"Retry-After"):
            reason += f" (Retry-After: {retry_after.decode('latin-1')})"
        return reason, response.status, response.url
    if failure.check(IgnoreRequest):
        message = str(value)
        if "robots.txt" in message:
            return "blocked: robots.txt", None, None
        if message.startswith("blocked: "):
            return message, None, None
        if "max redirections" in message:
            return "too many redirects", None, None
        if match := _TOO_LARGE.search(message):
            return f"too large: {match[1]} bytes (limit {match[2]})", None, None
        if match := _BOMB.search(message):
            return f"too large: over {match[1]} bytes once decompressed", None, None
        return f"ignored: {message}", None, None
    for types, reason in _KNOWN_FAILURES:
        if failure.check(*types):
            return reason, None, None
    message = str(value)
    if match := _TOO_LARGE.search(message):
        return f"too large: {match[1]} bytes (limit {match[2]})", None, None
    if failure.check(DownloadCancelledError):
        return f"download cancelled: {message}", None, None
    if failure.check(DownloadFailedError, ResponseDataLossError, ResponseNeverReceived,
                     ResponseFailed, ConnectionLost, ConnectionDone):
        return f"connection lost: {_connection_detail(value)}", None, None
    return f"{type(value).__name__}: {message}".strip(": "), None, None


def _header(response: Response, name: bytes) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


def response_kind(response: Response, content_type: str) -> str:
    """``html``, ``text`` or ``binary``: the server's Content-Type decides, Scrapy's sniffing of
    the body only when there is none (a PDF without binary bytes still is a PDF)."""
    mime = content_type.split(";")[0].strip().lower()
    if mime in ("text/html", "application/xhtml+xml"):
        return "html"
    if mime.startswith("text/"):
        return "text"
    if mime:
        return "binary"
    if isinstance(response, HtmlResponse):
        return "html"
    return "text" if isinstance(response, TextResponse) else "binary"


def url_request(target: dict[str, Any], conditional: bool, callback: Any,
                errback: Any) -> scrapy.Request:
    """A request for an archived URL (``id``, ``url``, ``etag``, ``last_modified``),
    conditional on the validators of its last check when ``conditional``."""
    headers = {}
    if conditional:
        if target.get("etag"):
            headers["If-None-Match"] = target["etag"]
        if target.get("last_modified"):
            headers["If-Modified-Since"] = target["last_modified"]
    return scrapy.Request(
        target["url"], callback=callback, errback=errback, headers=headers, dont_filter=True,
        meta={"url_id": target["id"], "source_url": target["url"],
              "handle_httpstatus_list": [304]},
    )


def response_item(response: Response) -> PageItem | NotModifiedItem:
    """The item for a response to a :func:`url_request`."""
    if response.status == 304:
        return NotModifiedItem(
            url_id=response.meta["url_id"],
            requested_url=response.meta["source_url"],
            final_url=response.url,
            fetched_at=utcnow(),
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
        )
    headers = response.meta.get(RESPONSE_HEADERS) or header_list(response.headers)
    content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
    return PageItem(
        url_id=response.meta["url_id"],
        requested_url=response.meta["source_url"],
        final_url=response.url,
        fetched_at=utcnow(),
        status=response.status,
        headers=headers,
        content_type=content_type,
        kind=response_kind(response, content_type),
        body=response.body,
        encoding=response.encoding if isinstance(response, TextResponse) else None,
        redirects=list(response.meta.get("redirect_urls", [])),
        ip_address=str(response.ip_address) if response.ip_address else None,
        protocol=response.protocol,
        raw_body=response.meta.get(RAW_BODY),
        request_headers=response.meta.get(REQUEST_HEADERS, []),
    )


def failure_item(failure: Failure) -> FailureItem:
    """The item for a :func:`url_request` that failed, with a precise reason."""
    request = failure.request
    reason, status, final_url = describe_failure(failure)
    logger.warning("failed %s: %s", request.meta.get("source_url", request.url), reason)
    retry_after = None
    if failure.check(HttpError):
        retry_after = retry_after_seconds(failure.value.response.headers.get(b"Retry-After"))
    return FailureItem(
        url_id=request.meta["url_id"],
        requested_url=request.meta.get("source_url", request.url),
        fetched_at=utcnow(),
        reason=reason,
        status=status,
        final_url=final_url,
        retry_after=retry_after,
    )


class SourcesSpider(scrapy.Spider):
    name = "sources"

    def __init__(self, documents: str | list[str] | None = None, url: str | None = None,
                 all: str | bool = False, limit: str | int | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        if isinstance(documents, str):
            documents = [path for path in documents.split(os.pathsep) if path]
        self.document_paths: list[str] = list(documents or [])
        self.refetch_url = url
        self.everything = str(all).lower() in ("1", "true", "yes")
        self.limit = int(limit) if limit not in (None, "") else None

    @classmethod
    def from_crawler(cls, crawler: scrapy.crawler.Crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.archive_path = crawler.settings.get("ARCHIVE_DB")
        spider.max_bytes = crawler.settings.getint("DOCUMENT_MAX_BYTES")
        spider.conditional = crawler.settings.getbool("CONDITIONAL_REQUESTS")
        spider.backlog = max(1, crawler.settings.getint("DUE_BACKLOG"))
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        """Requests for the URLs to check, read from the archive a page at a time as Scrapy
        asks for them, never all at once."""
        try:
            with Archive(self.archive_path) as archive:
                for target in self._targets(archive):
                    await self._backlog_room()
                    yield self._request(target)
        except ArchiveError as exc:
            logger.error("cannot use the archive: %s", exc)
            raise scrapy.exceptions.CloseSpider("archive unavailable") from None
        except InvalidURL as exc:
            logger.error("cannot fetch %s", exc)
            raise scrapy.exceptions.CloseSpider("invalid URL") from None

    async def _backlog_room(self) -> None:
        """Wait while Scrapy's scheduler holds ``DUE_BACKLOG`` requests: Scrapy keeps pulling
        start requests while its downloader is busy, which would load every due URL."""
        scheduler = self.crawler.engine.scheduler if self.crawler.engine else None
        while scheduler is not None and len(scheduler) >= self.backlog:
            await asyncio.sleep(0.05)

    def _request(self, target: dict[str, Any]) -> scrapy.Request:
        # A manual re-fetch must see the page itself, not a 304.
        conditional = self.conditional and not self.refetch_url
        return url_request(target, conditional, self.parse, self.failed)

    def _targets(self, archive: Archive) -> Iterator[dict[str, Any]]:
        """The URLs to fetch: the one to re-fetch; else those due (all with ``all``), of the
        given documents when there are some."""
        stats = self.crawler.stats
        if self.refetch_url:
            url_id = archive.add_url(canonical(self.refetch_url), fetchable(self.refetch_url))
            stats.set_value("refetch/url_id", url_id)
            stats.set_value("urls/cited", 1)
            stats.set_value("urls/due", 1)
            yield {"id": url_id, "url": fetchable(self.refetch_url)}
            return
        documents = self._read_documents(archive) if self.document_paths else None
        now = utcnow()
        stats.set_value("urls/cited", archive.count_due(now=now, everything=True,
                                                        document_ids=documents))
        due = archive.count_due(now=now, everything=self.everything, document_ids=documents)
        stats.set_value("urls/due", min(due, self.limit) if self.limit else due)
        yield from archive.due_urls(now=now, everything=self.everything, limit=self.limit,
                                    document_ids=documents)

    def _read_documents(self, archive: Archive) -> list[str]:
        counts: Counter[str] = Counter()
        ids = list(intake(archive, self.document_paths, self.max_bytes, counts))
        for key, value in counts.items():
            self.crawler.stats.inc_value(key, value)
        return ids

    def parse(self, response: Response) -> Iterator[PageItem | NotModifiedItem]:
        yield response_item(response)

    def failed(self, failure: Failure) -> Iterator[FailureItem]:
        yield failure_item(failure)
