"""A precise, short reason for every way a fetch can fail.

"Failed" is useless to a person deciding whether a source is dead. Scrapy and Twisted raise
dozens of exception types (Scrapy 2.19 its own ``CannotResolveHostError``,
``DownloadTimeoutError``, ..., not Twisted's); each is mapped here to the reason recorded with
the check (``DNS lookup failed``, ``timeout``, ``HTTP 404 Not Found``, ``blocked: robots.txt``,
``too large: 5000 bytes (limit 1000)``, ``connection lost: ...``), and crawler.core.linkrot
tells link rot from a bad night by these reasons.
"""

from __future__ import annotations

import re
from http import HTTPStatus

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
        if message.startswith(("blocked: ", "URL too long: ")):
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


class Abandoned(IgnoreRequest):
    """A request dropped unsent because the run is stopping (crawler.jobs.process): its URL
    stays due, nothing is recorded for it."""
