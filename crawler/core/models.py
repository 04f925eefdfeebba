"""The typed records that cross sourcekeeper's layers: the domain's enums, and what goes into
the archive (documents, mentions, captures, checks, runs). What comes back out of it is in
crawler.core.views.

They travel between the layers as these frozen dataclasses and enums, never as dicts: a
misspelt field is an error where it is written, not a ``None`` three layers later, and the
enums make every state and outcome a closed set (a ``StrEnum`` is stored and printed as its
plain value).
"""

from __future__ import annotations

import dataclasses
import signal
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from crawler.errors import Interrupted, RunFailed

if TYPE_CHECKING:
    from crawler.core.mementos import Recover

Headers = tuple[tuple[str, str], ...]


class Role(StrEnum):
    """What a cited URL is to the document citing it."""

    ORIGINAL = "original"  # the page the document is a copy of
    RELATED = "related"  # a page it points to as a related article
    CITED = "cited"  # anything else it links to

    @property
    def strength(self) -> int:
        """0 for the strongest role: a URL cited twice keeps its strongest."""
        return list(Role).index(self)


class Outcome(StrEnum):
    """What one check of a URL found."""

    NEW = "new"
    CHANGED = "changed"  # the article changed materially: a new text snapshot
    HTML_CHANGED = "html-changed"  # the same article, the page's visible text changed
    CHURN = "churn"  # only time stamps, counters, link lists or markup: the body is kept
    UNCHANGED = "unchanged"
    FAILED = "failed"


class UrlState(StrEnum):
    """The state of a cited source now, from its checks and snapshots (core.linkrot)."""

    GONE = "gone"
    UNREACHABLE = "unreachable"
    SOFT_404 = "soft-404"
    BLOCKED = "blocked"
    MOVED = "moved"
    CHANGED = "changed"
    FAILING = "failing"
    UNCHECKED = "unchecked"
    OK = "ok"


BROKEN = frozenset({UrlState.GONE, UrlState.UNREACHABLE, UrlState.SOFT_404, UrlState.BLOCKED})


class RunStatus(StrEnum):
    """How a run is, or how it ended."""

    RUNNING = "running"
    FINISHED = "finished"
    INTERRUPTED = "interrupted"
    FAILED = "failed"
    QUEUED = "queued"  # a distributed run whose items another process writes


# Documents and what they cite.

@dataclass(frozen=True)
class Document:
    """A readable document: its identity (sha256 of the bytes), where it was found, what kind
    of content it is for discovery (``text``, ``markdown``, ``html``), its encoding (or
    format: ``pdf``, ``docx``, ...), and its text as a reader sees it. ``content`` is the
    document as written when that differs from ``text`` (an HTML page's markup, a Word
    file's text with its links)."""

    id: str
    path: str
    kind: str
    encoding: str
    size: int
    text: str
    content: str | None = None

    @property
    def source(self) -> str:
        """What discovery reads."""
        return self.content if self.content is not None else self.text


@dataclass(frozen=True)
class Mention:
    """One URL a document cites: as written (rejoined, trimmed), the form we fetch, the
    canonical form we dedupe on, its role, anchor text and the line it starts on.
    ``alternatives`` are other readings of a URL wrapped across lines (the form we fetch),
    to try when this one turns out not to exist."""

    written: str
    url: str
    canonical: str
    role: Role = Role.CITED
    anchor: str | None = None
    line: int = 0
    alternatives: tuple[str, ...] = ()


class Dropped(StrEnum):
    """Why something that looks like a URL in a document is not a source it cites."""

    INVALID = "not a valid http(s) URL"
    IMAGE = "an image"
    CODE = "in code"
    NAVIGATION = "outside the main content"
    EXCLUDED = "excluded"


@dataclass(frozen=True)
class Finding:
    """A URL discovery saw in a document, kept or not: where, as written, what it resolves to
    and, when it is not cited, why (``dropped`` and a ``detail``)."""

    line: int
    written: str
    url: str | None
    canonical: str | None
    role: Role = Role.CITED
    anchor: str | None = None
    dropped: Dropped | None = None
    detail: str | None = None
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recheck:
    """A subset of the archive to check now, due or not: these URLs (any form of them), the
    URLs these documents (id or path) cite, and with ``failing`` those whose last check
    failed. A URL in any of them is checked."""

    urls: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()
    failing: bool = False


@dataclass(frozen=True)
class CrawlJob:
    """What a run is asked to do: read the documents under ``paths`` and check the URLs they
    cite that are due (all URLs in the archive without paths; every one with ``everything``;
    at most ``limit``), or fetch ``urls`` now (a re-fetch a person asked for: no retries, and
    robots.txt ignored for them with ``ignore_robots``). Recorded with the run."""

    paths: tuple[str, ...] = ()
    everything: bool = False
    limit: int | None = None
    urls: tuple[str, ...] = ()
    relay_prefix: str | None = None  # a distributed run, through Redis keys with this prefix
    ignore_robots: bool = False
    recheck: Recheck | None = None  # only these archived URLs, due or not
    recover: Recover | None = None  # only look these up in the web's archives

    @property
    def command(self) -> str:
        return "recover" if self.recover else "refetch" if self.urls else "crawl"


@dataclass(frozen=True)
class DocumentFindings:
    """What discovery saw in one document (or why the document could not be read)."""

    path: str
    kind: str | None
    findings: tuple[Finding, ...] = ()
    error: str | None = None


@dataclass(frozen=True)
class Target:
    """A URL to check: its id, the form we fetch, its last validators (a conditional GET)."""

    id: int
    url: str
    etag: str | None = None
    last_modified: str | None = None


# What a fetch produced, on its way into the archive.

@dataclass(frozen=True)
class Hop:
    """One redirect on the way to a page: the URL asked, the 3xx status and the absolute
    ``location`` it answered, when, and the headers both ways (what a WARC export replays)."""

    url: str
    status: int | None = None
    location: str | None = None
    fetched_at: str | None = None
    headers: Headers = ()
    request_headers: Headers = ()
    ip_address: str | None = None
    protocol: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def of(cls, value: Mapping[str, Any] | str) -> Hop:
        """A hop as stored or relayed (a bare URL: as archives before 2026-11-25 kept it)."""
        if isinstance(value, str):
            return cls(value)
        pairs = {name: tuple((key, text) for key, text in value.get(name) or ())
                 for name in ("headers", "request_headers")}
        return cls(**{**value, **pairs})


@dataclass(frozen=True)
class Extraction:
    """A page's main text (and its comparison hash) and metadata; ``page_text`` is the
    page's visible text around the article (corrections and captions often sit outside
    it)."""

    text: str
    text_sha256: str
    title: str | None = None
    author: str | None = None
    date: str | None = None
    sitename: str | None = None
    language: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    page_text: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "metadata": dict(self.metadata)}


@dataclass(frozen=True)
class Blob:
    """A body, compressed for storage under the sha256 of its uncompressed bytes."""

    sha256: str
    size: int
    codec: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class LatestSnapshot:
    id: int
    body_sha256: str | None
    text_sha256: str | None


@dataclass(frozen=True)
class Capture:
    """A fetched page as archived: the exchange (URLs, status, headers, address) and what we
    read in it. Bodies travel separately as :class:`Blob`."""

    url_id: int
    run_id: int | None
    fetched_at: str
    requested_url: str
    final_url: str
    status: int
    content_type: str
    body_sha256: str
    body_size: int
    text_sha256: str | None = None
    extraction: Extraction | None = None
    redirects: tuple[Hop, ...] = ()
    headers: Headers = ()
    request_headers: Headers = ()
    ip_address: str | None = None
    protocol: str | None = None
    raw_sha256: str | None = None
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class Check:
    """One check of a URL as recorded: every fetch attempt, whatever it found."""

    url_id: int
    run_id: int | None
    checked_at: str
    outcome: Outcome
    status: int | None = None
    final_url: str | None = None
    snapshot_id: int | None = None
    reason: str | None = None
    redirects: tuple[Hop, ...] = ()


@dataclass(frozen=True)
class CheckResult:
    """What recording one check concluded; ``change`` says what changed and why."""

    url_id: int
    outcome: Outcome
    snapshot_id: int | None = None
    reason: str | None = None
    change: str | None = None


@dataclass(frozen=True)
class UrlSchedule:
    """When a URL is next due, and what its schedule is built on."""

    interval: float | None = None
    failures: int = 0
    last_outcome: Outcome | None = None
    last_checked_at: str | None = None
    next_check_at: str | None = None
    fixed_interval: float | None = None  # set by a person: kept whatever the page does


@dataclass(frozen=True)
class RunCounts:
    """What a run did: documents read, URLs found and due, and each check's outcome."""

    documents_read: int = 0
    documents_new: int = 0
    documents_skipped: int = 0
    urls_cited: int = 0
    urls_due: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    not_modified: int = 0
    errors: int = 0
    html_changed: int = 0
    churn: int = 0

    def plus(self, **deltas: int) -> RunCounts:
        return dataclasses.replace(
            self, **{name: getattr(self, name) + value for name, value in deltas.items()})

    def counted(self, outcome: Outcome, *, not_modified: bool = False) -> RunCounts:
        """These counts with one more check of this outcome."""
        return self.plus(**{str(outcome).replace("-", "_"): 1}, not_modified=int(not_modified))

    @property
    def archived(self) -> int:
        """Checks that made a snapshot worth reading (churn keeps a body, not a version)."""
        return self.new + self.changed + self.html_changed

    @property
    def summary(self) -> str:
        """The line a crawl ends with."""
        documents = f"{self.documents_read} documents read"
        if self.documents_skipped:
            documents += f" ({self.documents_skipped} skipped)"
        html = f", {self.html_changed} html-changed" if self.html_changed else ""
        churn = f", {self.churn} churn" if self.churn else ""
        return (f"{documents}, {self.urls_cited} URLs found ({self.urls_due} due), "
                f"{self.archived} archived ({self.new} new, {self.changed} changed{html}), "
                f"{self.unchanged} unchanged{churn}, {self.failed} failed")


@dataclass(frozen=True)
class CrawlResult:
    """What a run did and how it ended; ``last``: its last check (a re-fetch's answer)."""

    run_id: int | None
    counts: RunCounts
    status: RunStatus
    reason: str | None = None
    signal: int | None = None
    last: CheckResult | None = None
    checks: tuple[CheckResult, ...] = ()  # every check a re-fetch recorded, in order

    @property
    def finished(self) -> bool:
        return self.status is RunStatus.FINISHED

    @property
    def summary(self) -> str:
        return self.counts.summary

    def error(self, command: str) -> RunFailed | None:
        """The error to report for a run that did not finish (None when it did, or when it
        handed its items to another process)."""
        if self.signal is not None:
            rest = "; the URLs not checked stay due" if command == "crawl" else ""
            name = signal.Signals(self.signal).name
            return Interrupted(f"{command} interrupted by {name}{rest}", self.signal)
        if self.status in (RunStatus.FINISHED, RunStatus.QUEUED):
            return None
        return RunFailed(f"{command} did not finish: {self.reason or 'unknown reason'}")
