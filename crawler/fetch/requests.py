"""A URL to check becomes a request; its response, or its failure, becomes an item.

Shared by the ``sources`` spider (a crawl on one machine) and the ``worker`` spider (a
distributed crawl), so that a URL is fetched and described the same way wherever it is
fetched. Requests are conditional (``If-None-Match`` / ``If-Modified-Since`` from the URL's
last check) so that an unchanged page costs a ``304`` and no body.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import scrapy
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure
from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom

from crawler.core.clock import utcnow
from crawler.core.models import Target
from crawler.core.url import scrubbed, scrubbed_reason
from crawler.fetch.capture import RAW_BODY, REQUEST_HEADERS, RESPONSE_HEADERS, header_list
from crawler.fetch.failures import describe_failure
from crawler.fetch.items import FailureItem, NotModifiedItem, PageItem
from crawler.fetch.redirects import hops
from crawler.fetch.retry import retry_after_seconds

logger = logging.getLogger(__name__)


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


def url_request(target: Target, conditional: bool, callback: Callable[..., Any],
                errback: Callable[..., Any], *, asked: bool = False,
                ignore_robots: bool = False) -> scrapy.Request:
    """A request for an archived URL, conditional on the validators of its last check when
    ``conditional``. A URL a person ``asked`` for (a re-fetch) is not retried (they want an
    answer now; retries with backoff are for scheduled crawls) and its failure is theirs to
    print, not a log line; ``ignore_robots`` lets them save a page robots.txt disallows."""
    headers = {}
    if conditional:
        if target.etag:
            headers["If-None-Match"] = target.etag
        if target.last_modified:
            headers["If-Modified-Since"] = target.last_modified
    return scrapy.Request(
        target.url, callback=callback, errback=errback, headers=headers, dont_filter=True,
        meta={"url_id": target.id, "source_url": target.url, "handle_httpstatus_list": [304],
              **({"dont_retry": True, "asked": True} if asked else {}),
              **({"dont_obey_robotstxt": True} if ignore_robots else {})},
    )


def declared_encoding(response: Response, content_type: str) -> str | None:
    """The charset a text response declares, in Scrapy's order (byte-order mark, then
    Content-Type, then the page's ``<meta>``), or None when it declares none: the extraction
    worker then detects it (crawler.core.extraction.extract). Not ``response.encoding``: for a
    page that declares nothing it decodes the whole body and guesses its charset on the event
    loop, 0.15 ms a page of the crawling process on average (bench/README.md)."""
    if not isinstance(response, TextResponse):
        return None
    return (read_bom(response.body)[0] or http_content_type_encoding(content_type)
            or html_body_declared_encoding(response.body))


def response_item(response: Response) -> PageItem | NotModifiedItem:
    """The item for a response to a :func:`url_request`."""
    if response.status == 304:
        return NotModifiedItem(
            url_id=response.meta["url_id"],
            requested_url=response.meta["source_url"],
            final_url=scrubbed(response.url),
            fetched_at=utcnow(),
            etag=_header(response, b"ETag"),
            last_modified=_header(response, b"Last-Modified"),
        )
    headers = response.meta.get(RESPONSE_HEADERS) or header_list(response.headers)
    content_type = response.headers.get(b"Content-Type", b"").decode("latin-1")
    return PageItem(
        url_id=response.meta["url_id"],
        requested_url=response.meta["source_url"],
        final_url=scrubbed(response.url),
        fetched_at=utcnow(),
        status=response.status,
        headers=headers,
        content_type=content_type,
        kind=response_kind(response, content_type),
        body=response.body,
        encoding=declared_encoding(response, content_type),
        redirects=hops(response.meta),
        ip_address=str(response.ip_address) if response.ip_address else None,
        protocol=response.protocol,
        raw_body=response.meta.get(RAW_BODY),
        request_headers=response.meta.get(REQUEST_HEADERS, []),
    )


def failure_item(failure: Failure) -> FailureItem:
    """The item for a :func:`url_request` that failed, with a precise reason."""
    request = failure.request
    reason, status, final_url = describe_failure(failure)
    reason, final_url = scrubbed_reason(reason), scrubbed(final_url) if final_url else None
    level = logging.INFO if request.meta.get("asked") else logging.WARNING
    logger.log(level, "failed %s: %s", request.meta.get("source_url", request.url), reason)
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
        redirects=hops(request.meta),
    )
