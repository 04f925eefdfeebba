"""Recording what the spider produced in the archive, one item at a time.

Shared by the ArchivePipeline (a crawl on one machine) and the Redis ingest (items coming
back from workers on others): an item is recorded the same way wherever it was fetched.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from crawler.archive import Archive, sha256
from crawler.items import FailureItem, NotModifiedItem, PageItem

logger = logging.getLogger(__name__)


def snapshot_row(item: PageItem, run_id: int | None) -> dict[str, Any]:
    """The ``snapshots`` row for a fetched page."""
    extraction = item.extraction or {}
    return {
        "url_id": item.url_id,
        "run_id": run_id,
        "fetched_at": item.fetched_at,
        "requested_url": item.requested_url,
        "final_url": item.final_url,
        "redirects": json.dumps(item.redirects),
        "status": item.status,
        "headers": json.dumps(item.headers),
        "content_type": item.content_type,
        "ip_address": item.ip_address,
        "protocol": item.protocol,
        "body_sha256": item.body_sha256,
        "body_size": len(item.body),
        "text_sha256": item.text_sha256,
        "text": extraction.get("text"),
        "title": extraction.get("title"),
        "author": extraction.get("author"),
        "date": extraction.get("date"),
        "sitename": extraction.get("sitename"),
        "language": extraction.get("language"),
        "metadata": json.dumps(extraction.get("metadata") or {}),
        "request_headers": json.dumps(item.request_headers),
        "raw_sha256": sha256(item.raw_body) if item.raw_body is not None else None,
    }


def record(archive: Archive, item: Any, run_id: int | None) -> str:
    """Archive one item; return its outcome: ``new``, ``changed``, ``unchanged`` or
    ``failed``. Raises :class:`~crawler.archive.ArchiveError` when the archive cannot."""
    if isinstance(item, PageItem):
        if item.body_sha256 is None:  # no DedupePipeline where it was fetched (a worker)
            item.body_sha256 = sha256(item.body)
        body = None if item.body_known else item.body
        outcome, _ = archive.record_snapshot(
            snapshot_row(item, run_id), body, raw=item.raw_body, packed=item.packed,
            etag=item.header("ETag"), last_modified=item.header("Last-Modified"))
    elif isinstance(item, NotModifiedItem):
        outcome, _ = archive.record_not_modified(
            item.url_id, run_id=run_id, checked_at=item.fetched_at, final_url=item.final_url,
            etag=item.etag, last_modified=item.last_modified)
    elif isinstance(item, FailureItem):
        archive.record_failure(
            item.url_id, item.reason, run_id=run_id, checked_at=item.fetched_at,
            status=item.status, final_url=item.final_url, retry_after=item.retry_after)
        outcome = "failed"
    else:
        raise TypeError(f"not an item sourcekeeper archives: {type(item).__name__}")
    logger.info("%s %s", outcome, item.requested_url)
    return outcome


def count(stats: Any, item: Any, outcome: str) -> None:
    """Count an outcome in Scrapy-style stats (anything with ``inc_value``)."""
    if isinstance(item, NotModifiedItem):
        stats.inc_value("archive/not_modified")
    if outcome == "failed":
        stats.inc_value("archive/failures")
    else:
        stats.inc_value(f"archive/snapshots/{outcome}")
