"""Keep what went over the wire, for WARC exports and for proof.

Scrapy decompresses bodies (HttpCompressionMiddleware) and fills request headers as it goes.
Sitting next to the downloader (priority 950), this middleware sees the body still encoded
and the request and response headers as sent (decompression drops ``Content-Encoding``),
and keeps them in ``request.meta`` for the spider: the decoded body is what we extract
from, the raw one is what the server sent.
"""

from __future__ import annotations

from scrapy import Request
from scrapy.http import Response

from crawler.core.url import scrubbed

RAW_BODY = "sourcekeeper_raw_body"
REQUEST_HEADERS = "sourcekeeper_request_headers"
RESPONSE_HEADERS = "sourcekeeper_response_headers"


_SECRET = {"authorization", "proxy-authorization", "cookie"}


def header_list(headers) -> list[list[str]]:
    """Scrapy headers as ``[name, value]`` pairs, repeated headers kept; credentials are
    never kept (an ``Authorization`` value, the ``user:pass@`` of a URL in a ``Location``)."""
    pairs = []
    for key, values in headers.items():
        name = key.decode("latin-1")
        for value in values:
            text = "[removed]" if name.lower() in _SECRET else scrubbed(value.decode("latin-1"))
            pairs.append([name, text])
    return pairs


class CaptureMiddleware:
    def process_response(self, request: Request, response: Response) -> Response:
        encoded = response.headers.get(b"Content-Encoding", b"").strip().lower()
        request.meta[RAW_BODY] = response.body if encoded not in (b"", b"identity") else None
        request.meta[REQUEST_HEADERS] = header_list(request.headers)
        request.meta[RESPONSE_HEADERS] = header_list(response.headers)
        return response
