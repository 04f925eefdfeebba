"""Redirects as evidence: every hop kept, and a URL's validators never sent to another URL.

Scrapy's RedirectMiddleware follows a ``301`` and keeps only the URLs it passed
(``redirect_urls``): the status, the ``Location`` and the headers of each hop are gone, so a
WARC export could not replay ``/plain/moving`` as the redirect it was, and ``history`` could
not say the URL moved. Sitting between the capture middleware (950) and RedirectMiddleware
(600), this middleware sees each 3xx response first and keeps it as a
:class:`~crawler.core.models.Hop` in ``request.meta`` (the list travels with the redirected
request, whose meta is a copy).

It also strips ``If-None-Match`` / ``If-Modified-Since`` from a request redirected to a
different URL: they were the old URL's validators (RedirectMiddleware copies all headers),
and a ``304`` from the new target would confirm a page we never archived.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urljoin

from scrapy import Request
from scrapy.http import Response

from crawler.core.clock import utcnow
from crawler.core.models import Hop
from crawler.core.url import scrubbed
from crawler.fetch.capture import header_list

HOPS = "sourcekeeper_hops"
_VALIDATORS = (b"If-None-Match", b"If-Modified-Since")


def hops(meta: Mapping[str, Any]) -> list[Hop]:
    """The redirects a request went through (from its ``meta``), in order."""
    return list(meta.get(HOPS, ()))


class RedirectChainMiddleware:
    def process_request(self, request: Request) -> None:
        if request.meta.get("redirect_urls") and request.url != request.meta.get(
                "source_url", request.url):
            for name in _VALIDATORS:
                request.headers.pop(name, None)

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get(b"Location")
        if 300 <= response.status < 400 and location:
            target = urljoin(request.url, location.decode("latin-1").strip())
            request.meta.setdefault(HOPS, []).append(Hop(
                url=scrubbed(request.url), status=response.status, location=scrubbed(target),
                fetched_at=utcnow(),
                headers=tuple(map(tuple, header_list(response.headers))),
                request_headers=tuple(map(tuple, header_list(request.headers))),
                ip_address=str(response.ip_address) if response.ip_address else None,
                protocol=response.protocol))
        return response
