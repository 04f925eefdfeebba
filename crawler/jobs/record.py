"""The one write path: an item, wherever it was fetched, becomes a check in the archive.

Shared by the archive pipeline (a crawl on one machine) and the Redis writer (items coming
back from workers on other machines). Per item, in one transaction: the check; for a page
that is not what the archive holds (crawler.core.change judges it: new, changed,
html-changed or churn), its bodies (once per sha256) and a snapshot saying what changed and
why; and the URL's next due time by the schedule. A page whose body equals the latest
capture's adds a check only: a nightly re-crawl of unchanged pages costs almost nothing (one
whose markup alone changed keeps its body, as churn: nothing received is discarded).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from crawler.core.change import Fetched, judge
from crawler.core.codec import compress
from crawler.core.edits import Version
from crawler.core.hashing import sha256, text_sha256
from crawler.core.models import Blob, Capture, Check, CheckResult, Outcome, RunCounts
from crawler.core.schedule import Schedule
from crawler.fetch.items import FailureItem, Item, NotModifiedItem, PageItem

if TYPE_CHECKING:
    from crawler.storage import Archive

logger = logging.getLogger(__name__)


def record(archive: Archive, item: Item, run_id: int | None, schedule: Schedule
           ) -> CheckResult:
    """Archive one item and say what it was: new, changed, unchanged or failed. Raises
    :class:`~crawler.errors.ArchiveError` when the archive cannot take it."""
    if isinstance(item, PageItem):
        capture, blobs = _capture(archive, item, run_id)
        result = archive.write(_record_page, archive, capture, blobs, schedule)
    elif isinstance(item, NotModifiedItem):
        result = archive.write(_record_not_modified, archive, item, run_id, schedule)
    elif isinstance(item, FailureItem):
        result = archive.write(_record_failure, archive, item, run_id, schedule)
    else:
        raise TypeError(f"not an item sourcekeeper archives: {type(item).__name__}")
    if result.outcome is not Outcome.FAILED:  # a failure was logged with its reason
        logger.info("%s %s", result.outcome, item.requested_url)
    return result


def counted(counts: RunCounts, item: Item, result: CheckResult) -> RunCounts:
    """A run's counts with one more recorded item."""
    return counts.counted(result.outcome, not_modified=isinstance(item, NotModifiedItem))


def _capture(archive: Archive, item: PageItem, run_id: int | None
             ) -> tuple[Capture, list[Blob]]:
    """The capture of a page, and the bodies the archive does not hold yet, compressed (or
    as an extraction worker already compressed them)."""
    body_sha256 = item.body_sha256 or sha256(item.body)
    raw_sha256 = sha256(item.raw_body) if item.raw_body is not None else None
    blobs = []
    for data, digest in ((None if item.body_known else item.body, body_sha256),
                         (item.raw_body, raw_sha256)):
        if data is None or digest is None or archive.snapshots.has_body(digest):
            continue
        if item.packed is not None and item.packed.sha256 == digest:
            blobs.append(item.packed)
        else:
            blobs.append(Blob(digest, len(data), *compress(data)))
    text_sha256 = item.extraction.text_sha256 if item.extraction else item.text_sha256
    capture = Capture(
        url_id=item.url_id, run_id=run_id, fetched_at=item.fetched_at,
        requested_url=item.requested_url, final_url=item.final_url, status=item.status,
        content_type=item.content_type, body_sha256=body_sha256, body_size=len(item.body),
        text_sha256=text_sha256, extraction=item.extraction, redirects=tuple(item.redirects),
        headers=tuple((key, value) for key, value in item.headers),
        request_headers=tuple((key, value) for key, value in item.request_headers),
        ip_address=item.ip_address, protocol=item.protocol, raw_sha256=raw_sha256,
        etag=item.header("ETag"), last_modified=item.header("Last-Modified"))
    return capture, blobs


def memento_capture(archive: Archive, item: PageItem, run_id: int | None
                    ) -> tuple[Capture, list[Blob], str | None]:
    """A web archive's copy of a page, as the capture, bodies and page hash a snapshot is
    stored from (crawler.jobs.recovery): no check, no schedule, no change judgement."""
    capture, blobs = _capture(archive, item, run_id)
    return capture, blobs, _fetched(capture).page_sha256


def _reschedule(archive: Archive, schedule: Schedule, url_id: int, outcome: Outcome,
                checked_at: str, *, etag: str | None = None, last_modified: str | None = None,
                retry_after: float | None = None) -> None:
    after = schedule.after(archive.urls.schedule(url_id), outcome, checked_at, retry_after)
    archive.urls.set_schedule(url_id, after, etag, last_modified,
                              keep_validators=outcome is Outcome.FAILED)


def _fetched(capture: Capture) -> Fetched:
    extraction = capture.extraction
    page = extraction.page_text if extraction else None
    page_title = (extraction.metadata.get("page_title") or None) if extraction else None
    seen = f"{extraction.title or ''}\n{page or ''}" if extraction else None
    return Fetched(
        body_sha256=capture.body_sha256, text_sha256=capture.text_sha256,
        # The page as a reader sees it: its headline, <title> and visible text.
        page_sha256=text_sha256(seen if page_title is None else f"{page_title}\n{seen}")
        if seen is not None else None,
        article=Version(extraction.title, extraction.text, extraction.author, extraction.date)
        if extraction else None,
        page=page, page_title=page_title)


def _record_page(archive: Archive, capture: Capture, blobs: list[Blob], schedule: Schedule
                 ) -> CheckResult:
    held = archive.snapshots.held(capture.url_id)
    fetched = _fetched(capture)
    judgement = judge(held, fetched)
    outcome = judgement.outcome
    if not judgement.snapshot:
        assert held is not None
        snapshot_id = held.latest_id
    else:
        archive.snapshots.add_bodies(blobs)
        snapshot_id = archive.snapshots.add(capture, judgement, fetched.page_sha256)
    if (replaced := archive.urls.promote(capture.url_id)) is not None:
        # Another reading of a wrapped URL exists where the first did not: the documents
        # cite this one now.
        archive.documents.repoint(replaced, capture.url_id)
        logger.info("%s replaces URL %s, which does not exist", capture.requested_url,
                    replaced)
    archive.checks.add(Check(capture.url_id, capture.run_id, capture.fetched_at, outcome,
                             capture.status, capture.final_url, snapshot_id,
                             redirects=capture.redirects))
    # Validators are the answering URL's: a redirect's target's, sent to the URL that
    # redirected, could get a 304 for a page never archived (they are stripped on the
    # redirect itself, so a URL that keeps redirecting loses nothing).
    own = not capture.redirects or capture.final_url == capture.requested_url
    _reschedule(archive, schedule, capture.url_id, outcome, capture.fetched_at,
                etag=capture.etag if own else None,
                last_modified=capture.last_modified if own else None)
    return CheckResult(capture.url_id, outcome, snapshot_id, change=judgement.summary)


def _record_not_modified(archive: Archive, item: NotModifiedItem, run_id: int | None,
                         schedule: Schedule) -> CheckResult:
    """A ``304 Not Modified``: the latest snapshot still stands, or, when there is none (a
    server answering 304 to a request we did not make conditional), a failure."""
    latest = archive.snapshots.latest(item.url_id)
    if latest is None:
        reason = "HTTP 304 Not Modified, but no snapshot is archived"
        archive.checks.add(Check(item.url_id, run_id, item.fetched_at, Outcome.FAILED, 304,
                                 item.final_url, reason=reason))
        _reschedule(archive, schedule, item.url_id, Outcome.FAILED, item.fetched_at)
        return CheckResult(item.url_id, Outcome.FAILED, reason=reason)
    archive.checks.add(Check(item.url_id, run_id, item.fetched_at, Outcome.UNCHANGED, 304,
                             item.final_url, latest.id))
    _reschedule(archive, schedule, item.url_id, Outcome.UNCHANGED, item.fetched_at,
                etag=item.etag, last_modified=item.last_modified)
    return CheckResult(item.url_id, Outcome.UNCHANGED, latest.id)


def _record_failure(archive: Archive, item: FailureItem, run_id: int | None,
                    schedule: Schedule) -> CheckResult:
    """A fetch that produced no page (DNS, timeout, HTTP error, robots.txt); the server's
    ``Retry-After`` delays the next check."""
    archive.checks.add(Check(item.url_id, run_id, item.fetched_at, Outcome.FAILED,
                             item.status, item.final_url, reason=item.reason,
                             redirects=tuple(item.redirects)))
    _reschedule(archive, schedule, item.url_id, Outcome.FAILED, item.fetched_at,
                retry_after=item.retry_after)
    return CheckResult(item.url_id, Outcome.FAILED, reason=item.reason)
