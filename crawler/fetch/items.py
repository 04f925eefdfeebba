"""What the spider hands to the pipelines: a page it received, a page that has not been
modified, or a URL it could not fetch.

Plain dataclasses (Scrapy accepts them as items), so that the pipelines, the Redis relay and
the archive's write path need no Scrapy types. A page item is filled in as it goes down the
pipelines (its hash, its extraction, its compressed body); crawler.jobs.record turns each item
into the typed records the archive stores.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crawler.core.mementos import Memento
from crawler.core.models import Blob, Extraction, Hop


@dataclass
class PageItem:
    """A response for one archived URL; pipelines add hashes and extraction. ``body`` is
    decoded (no Content-Encoding); ``raw_body`` is the body as sent when it was encoded;
    ``packed`` is ``body`` compressed for the archive by an extraction worker."""

    url_id: int
    requested_url: str
    final_url: str
    fetched_at: str
    status: int
    headers: list[list[str]]
    content_type: str
    kind: str
    body: bytes = field(repr=False)
    encoding: str | None = None
    redirects: list[Hop] = field(default_factory=list)
    ip_address: str | None = None
    protocol: str | None = None
    body_sha256: str | None = None
    body_known: bool = False
    body_stored: bool = False  # the archive holds this body already (another URL's)
    text_sha256: str | None = None
    extraction: Extraction | None = field(default=None, repr=False)
    raw_body: bytes | None = field(default=None, repr=False)
    packed: Blob | None = field(default=None, repr=False)
    request_headers: list[list[str]] = field(default_factory=list, repr=False)
    memento: Memento | None = None  # a web archive's copy of the URL (crawler.jobs.recovery)

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((value for key, value in self.headers if key.lower() == name), None)


@dataclass
class FailureItem:
    """A URL that produced no page: why, and what status or final URL was seen, if any."""

    url_id: int
    requested_url: str
    fetched_at: str
    reason: str
    status: int | None = None
    final_url: str | None = None
    retry_after: float | None = None
    redirects: list[Hop] = field(default_factory=list)


@dataclass
class NotModifiedItem:
    """A ``304 Not Modified`` answer to a conditional request: the last snapshot stands."""

    url_id: int
    requested_url: str
    final_url: str
    fetched_at: str
    etag: str | None = None
    last_modified: str | None = None


Item = PageItem | NotModifiedItem | FailureItem
