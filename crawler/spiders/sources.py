"""The ``sources`` spider: read documents, archive the URLs they cite, fetch each once.

Run it through ``sourcekeeper crawl`` or the Scrapy way from the project root::

    scrapy crawl sources -a documents=docs/ -s ARCHIVE_DB=archive.db

Arguments: ``documents``, paths of files or folders (several separated by ``os.pathsep``);
without it every URL already in the archive is fetched again.

Settings: ``ARCHIVE_DB`` (the archive file), ``DOCUMENT_MAX_BYTES`` (larger documents are
skipped with a warning).
"""

from __future__ import annotations

import logging
import os
import re
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
from crawler.discovery import discover
from crawler.document import DocumentError, find_documents, read_document
from crawler.items import FailureItem, PageItem

logger = logging.getLogger(__name__)


_KNOWN_FAILURES: list[tuple[tuple[type[BaseException], ...], str]] = [
    ((CannotResolveHostError, DNSLookupError), "DNS lookup failed"),
    ((DownloadTimeoutError, TimeoutError, TCPTimedOutError), "timeout"),
    ((DownloadConnectionRefusedError, ConnectionRefusedError), "connection refused"),
    ((UnsupportedURLSchemeError,), "unsupported URL scheme"),
]
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
        if match := _TOO_LARGE.search(message):
            return f"too large: {match[1]} bytes (limit {match[2]})", None, None
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


class SourcesSpider(scrapy.Spider):
    name = "sources"
    custom_settings: dict[str, Any] = {}

    def __init__(self, documents: str | list[str] | None = None, **kwargs: Any):
        super().__init__(**kwargs)
        if isinstance(documents, str):
            documents = [path for path in documents.split(os.pathsep) if path]
        self.document_paths: list[str] = list(documents or [])

    @classmethod
    def from_crawler(cls, crawler: scrapy.crawler.Crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.archive_path = crawler.settings.get("ARCHIVE_DB")
        spider.max_bytes = crawler.settings.getint("DOCUMENT_MAX_BYTES")
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        try:
            with Archive(self.archive_path) as archive:
                targets = self._targets(archive)
        except ArchiveError as exc:
            logger.error("cannot use the archive: %s", exc)
            raise scrapy.exceptions.CloseSpider("archive unavailable") from None
        self.crawler.stats.set_value("urls/found", len(targets))
        for target in targets:
            yield scrapy.Request(
                target["url"],
                callback=self.parse,
                errback=self.failed,
                dont_filter=True,
                meta={"url_id": target["id"], "source_url": target["url"]},
            )

    def _targets(self, archive: Archive) -> list[dict[str, Any]]:
        """The URLs to fetch: those cited by the given documents, else all archived ones."""
        if not self.document_paths:
            return list(archive.all_urls())
        return archive.urls_cited_by(list(self._read_documents(archive)))

    def _read_documents(self, archive: Archive) -> Iterator[str]:
        stats = self.crawler.stats
        try:
            for path in find_documents(self.document_paths):
                try:
                    document = read_document(path, self.max_bytes)
                except DocumentError as exc:
                    logger.warning("skipped %s", exc)
                    stats.inc_value("documents/skipped")
                    continue
                mentions = discover(document.text, document.kind)
                if archive.add_document(document, mentions):
                    stats.inc_value("documents/new")
                stats.inc_value("documents/read")
                yield document.id
        except DocumentError as exc:
            logger.error("cannot read %s", exc)
            stats.inc_value("documents/skipped")

    def parse(self, response: Response) -> Iterator[PageItem]:
        headers = [
            [key.decode("latin-1"), value.decode("latin-1")]
            for key, values in response.headers.items()
            for value in values
        ]
        content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
        kind = response_kind(response, content_type)
        yield PageItem(
            url_id=response.meta["url_id"],
            requested_url=response.meta["source_url"],
            final_url=response.url,
            fetched_at=utcnow(),
            status=response.status,
            headers=headers,
            content_type=content_type,
            kind=kind,
            body=response.body,
            encoding=response.encoding if isinstance(response, TextResponse) else None,
            redirects=list(response.meta.get("redirect_urls", [])),
            ip_address=str(response.ip_address) if response.ip_address else None,
            protocol=response.protocol,
        )

    def failed(self, failure: Failure) -> Iterator[FailureItem]:
        request = failure.request
        reason, status, final_url = describe_failure(failure)
        logger.warning("failed %s: %s", request.meta.get("source_url", request.url), reason)
        yield FailureItem(
            url_id=request.meta["url_id"],
            requested_url=request.meta.get("source_url", request.url),
            fetched_at=utcnow(),
            reason=reason,
            status=status,
            final_url=final_url,
        )
