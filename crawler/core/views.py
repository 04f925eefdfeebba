"""Read models: what the archive gives back to people, exports and the report.

Frozen dataclasses built by crawler.storage from its rows (and by crawler.jobs.report from
those and the domain's rules), so that nothing above the storage layer sees a row or a dict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from crawler.core.mementos import Memento, RecoveredCopy
from crawler.core.models import CrawlResult, Headers, Hop, Outcome, Role, UrlState


@dataclass(frozen=True)
class CheckInfo:
    """A past check, as link-rot classification reads it."""

    outcome: Outcome
    status: int | None
    reason: str | None
    checked_at: str


@dataclass(frozen=True)
class SnapshotInfo:
    """A past snapshot, as link-rot classification and the report read it."""

    id: int
    fetched_at: str
    final_url: str | None
    title: str | None
    text: str | None
    author: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class Assessment:
    """A URL's state and the detail a person needs to act on it."""

    state: UrlState
    detail: str = ""


@dataclass(frozen=True)
class RunInfo:
    id: int
    command: str
    started_at: str
    ended_at: str | None
    status: str
    reason: str | None
    documents: int
    urls: int
    new: int
    changed: int
    unchanged: int
    failed: int
    html_changed: int = 0
    churn: int = 0


@dataclass(frozen=True)
class ArchiveStatus:
    """The archive at a glance."""

    documents: int
    urls: int
    snapshots: int
    bodies: int
    bodies_bytes: int
    due: int
    failing: int
    never_archived: int
    runs: tuple[RunInfo, ...]
    refused_items: int = 0  # items a distributed crawl's writer refused (forged, malformed)
    refused_reason: str | None = None  # the latest one's


@dataclass(frozen=True)
class UrlStatus:
    """An archived URL as ``sourcekeeper list`` shows it: its state now, its last and next
    check, how it is scheduled, what the archive holds of it and how many documents cite
    it. ``next_check_at`` is None for a URL that is never checked again (forgotten)."""

    url: str
    state: UrlState
    detail: str
    last_checked_at: str | None
    last_outcome: Outcome | None
    next_check_at: str | None
    interval: float | None
    fixed_interval: float | None
    snapshots: int
    documents: int
    forgotten_at: str | None = None


@dataclass(frozen=True)
class UrlInfo:
    """An archived URL and its schedule."""

    id: int
    url: str
    canonical: str
    first_seen: str | None
    next_check_at: str | None
    interval: float | None
    last_checked_at: str | None
    last_outcome: Outcome | None
    failures: int
    etag: str | None
    last_modified: str | None
    candidate_of: int | None = None  # another reading of this URL id, not yet confirmed
    superseded_by: int | None = None  # replaced by this confirmed reading
    forgotten_at: str | None = None  # never checked again (sourcekeeper forget)
    fixed_interval: float | None = None  # set by a person (schedule URL --every)


@dataclass(frozen=True)
class HistoryEntry:
    """One check of a URL, with the snapshot it made or confirmed; ``change`` says what
    changed and why when the check made a snapshot."""

    checked_at: str
    status: int | None
    outcome: Outcome | None  # None: not a check (a web archive's copy, a Save Page Now)
    reason: str | None
    final_url: str | None
    snapshot_id: int | None
    text_sha256: str | None
    title: str | None
    change: str | None = None
    redirects: tuple[Hop, ...] = ()
    memento: Memento | None = None  # a web archive's copy, fetched then (or saved: its URI)
    saved: str | None = None  # a Save Page Now request: saved, pending, refused, failed


@dataclass(frozen=True)
class CheckRecord:
    """One check as ``export --checks`` writes it: failures included."""

    url: str
    checked_at: str
    status: int | None
    outcome: Outcome
    reason: str | None
    final_url: str | None
    redirects: tuple[Hop, ...]
    snapshot_id: int | None


@dataclass(frozen=True)
class SearchHit:
    kind: str  # "snapshot" or "document"
    where: str  # the URL or the document's path
    title: str | None
    date: str
    snippet: str
    rank: float
    snapshot_id: int | None = None
    versions: int = 1  # how many archived versions of the page match


@dataclass(frozen=True)
class Citation:
    """A document citing a URL, as exports list it."""

    id: str
    path: str
    role: Role
    anchor: str | None
    written: str


@dataclass(frozen=True)
class SnapshotRecord:
    """One archived snapshot with its URL and the documents citing it: what exports write."""

    id: int
    url: str
    canonical_url: str
    final_url: str | None
    redirects: tuple[Hop, ...]
    fetched_at: str
    status: int | None
    content_type: str | None
    title: str | None
    author: str | None
    date: str | None
    sitename: str | None
    language: str | None
    text: str | None
    body_sha256: str | None
    body_size: int | None
    text_sha256: str | None
    raw_sha256: str | None
    ip_address: str | None
    protocol: str | None
    headers: Headers
    request_headers: Headers
    metadata: Mapping[str, Any]
    documents: tuple[Citation, ...]
    change: str | None = None  # the outcome of the fetch that made it (new, changed, ...)
    reasons: tuple[str, ...] = ()
    page_text: str | None = None
    memento: Memento | None = None  # a web archive's copy, not our own fetch of the page


@dataclass(frozen=True)
class SnapshotText:
    """A snapshot's text (and headline, byline, date), for diffs."""

    id: int
    fetched_at: str
    title: str | None
    text: str | None
    author: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class Change:
    """A URL whose archived page changed: its snapshots, its latest change (when, of which
    kind, and why), and whether any of its changes was material."""

    url: str
    snapshots: int
    changed_at: str
    outcome: Outcome
    summary: str
    material: bool
    snapshot_id: int = 0  # the snapshot the latest change made
    documents: tuple[str, ...] = ()  # the live documents citing the URL (their paths)


@dataclass(frozen=True)
class DocumentInfo:
    """A document as the archive knows it: its current version (id, text) at its path, and
    whether the file is still there (``live``) or ``missing`` since a date."""

    id: str
    path: str
    read_at: str | None
    text: str | None
    state: str = "live"
    missing_since: str | None = None
    moved_from: str | None = None
    written_at: str | None = None  # when it was written, and how we know (core.document_dates)
    written_from: str | None = None


@dataclass(frozen=True)
class FileInfo:
    """A document's path (its identity), the file on disk, the content version it holds,
    and its state."""

    path: str
    file: str
    document_id: str
    state: str
    first_seen: str | None
    updated_at: str | None
    missing_since: str | None = None
    moved_from: str | None = None


@dataclass(frozen=True)
class CitedUrl:
    """A URL as a document cites it."""

    url_id: int
    url: str
    role: Role
    anchor: str | None


class QuoteStatus(StrEnum):
    """Whether a quote a document makes is in its sources."""

    FOUND = "found"  # in the latest snapshot of a cited source
    REMOVED = "removed"  # in an earlier snapshot, not in the latest: removed since
    NEVER_FOUND = "never found"  # in no snapshot of any cited source
    ARCHIVED = "in an archived copy"  # only in a web archive's copy of a cited source


@dataclass(frozen=True)
class QuoteReport:
    """A quote, where it was found, or since when (and from which snapshot on) it is gone."""

    quote: str
    status: QuoteStatus
    url: str | None = None
    since: str | None = None  # the first snapshot without it (removed)
    snapshot_id: int | None = None


@dataclass(frozen=True)
class SourceReport:
    """One source as a document cites it, and how it stands; ``coverage`` only for a source
    the document is a copy of (an ``original`` that carried its text when first archived)."""

    url: str
    role: Role
    anchor: str | None
    state: UrlState
    detail: str
    first_archived: str | None
    last_archived: str | None
    last_checked: str | None
    coverage: float | None
    missing: tuple[str, ...]
    recovered: RecoveredCopy | None = None


@dataclass(frozen=True)
class DocumentReport:
    """A document, its sources and quotes, and whether it needs a person (``reasons``
    say why). A ``missing`` document (its file is gone) is listed with the date only."""

    id: str
    path: str
    read_at: str | None
    attention: bool
    sources: tuple[SourceReport, ...]
    quotes: tuple[QuoteReport, ...] = ()
    reasons: tuple[str, ...] = ()
    state: str = "live"
    missing_since: str | None = None


@dataclass(frozen=True)
class Forgotten:
    """What ``forget`` did: which documents or URL, how many URLs are no longer checked and
    how many still are (another live document cites them), and the snapshots kept or, with
    ``purged``, deleted (with the bodies nothing else used)."""

    what: str  # "document" or "url"
    names: tuple[str, ...]
    unscheduled: int
    still_cited: int
    snapshots: int
    purged: bool = False
    bodies: int = 0
    versions: int = 0


@dataclass(frozen=True)
class Coverage:
    """How much of a document a snapshot carries (0-1), and which passages."""

    score: float
    found: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class Diff:
    """Two snapshots of a URL compared: what changed and why (``summary``), whether that is
    material, and a sentence-by-sentence unified diff."""

    old: SnapshotText
    new: SnapshotText
    summary: str
    material: bool
    lines: tuple[str, ...]


@dataclass(frozen=True)
class RefetchResult:
    """The answer of a re-fetch: what the check found and, for a change, how much changed."""

    url: str
    outcome: Outcome
    reason: str | None
    snapshot_id: int | None
    summary: str | None
    run: CrawlResult
    taken_at: str | None = None  # when the snapshot it made or confirmed was taken
