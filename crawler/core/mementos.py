"""Captures of a page in the web's archives (Mementos, RFC 7089), and which one to keep.

A cited page that is gone, or that we first archived long after the document citing it was
written, may survive in a public web archive. Archives list their captures in three
shapes (crawler.core.memento_parsing reads them all): the Wayback Machine's CDX API, its
availability API, and a Memento TimeMap, which aggregators such as Time Travel and any
Memento-compliant archive (archive.today, national archives, a self-hosted pywb) serve.

Choosing among captures is the part no archive does for us. The copy worth keeping is the one
that supports the document: taken *before* the document was written (what the author saw),
carrying the document's quotes and passages (crawler.core.provenance). The nearest capture
may already be the edited page, so support decides first and nearness only breaks ties.

Pure: the records and the choice; reading the archives' answers and URL shapes is
crawler.core.memento_parsing. Fetching is crawler.fetch.mementos; the run that looks
captures up and records the chosen one is crawler.jobs.recovery.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

from crawler.core.clock import parse_iso

__all__ = ["Citing", "Endpoint", "Lookup", "Memento", "Origin", "Reason", "Recover",
           "RecoveredCopy", "Scored", "against", "archive_name", "choose", "relative",
           "shortlist"]


class Origin(StrEnum):
    """Where a snapshot came from: our own fetch of the page, or a web archive's copy."""

    LIVE = "live"
    MEMENTO = "memento"


class Reason(StrEnum):
    """Why captures of a URL were looked up."""

    BROKEN = "broken"  # gone, soft-404, unreachable, blocked, moved to an unrelated page
    LAG = "capture lag"  # first archived after the citing document was written
    CITED = "cited"  # a document cites an archived copy itself
    ASKED = "asked"  # sourcekeeper recover


@dataclass(frozen=True)
class Endpoint:
    """A web archive to ask: ``kind`` is ``wayback`` (CDX and availability APIs under
    ``url``) or ``timemap`` (``url`` + the page's URL gives its TimeMap)."""

    kind: str
    url: str

    @property
    def name(self) -> str:
        return archive_name(self.url)


@dataclass(frozen=True)
class Memento:
    """One capture of ``original`` in an archive: its URI there, when it was taken (archive
    time text), and what the archive says of it (status, payload digest, media type)."""

    archive: str
    uri: str
    datetime: str
    original: str
    digest: str | None = None
    status: int | None = None
    mimetype: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"archive": self.archive, "uri": self.uri, "datetime": self.datetime,
                "original": self.original, "digest": self.digest, "status": self.status,
                "mimetype": self.mimetype}


@dataclass(frozen=True)
class Scored:
    """A fetched capture and how well it supports the citing documents: the share of their
    passages it carries (0-1) and which of their quotes it has."""

    memento: Memento
    coverage: float
    quotes: tuple[str, ...] = ()
    quotes_total: int = 0

    @property
    def support(self) -> tuple[int, float]:
        return len(self.quotes), self.coverage

    def as_dict(self) -> dict[str, object]:
        return {**self.memento.as_dict(), "coverage": self.coverage,
                "quotes": list(self.quotes), "quotes_total": self.quotes_total}


@dataclass(frozen=True)
class Citing:
    """A document citing a URL, as a look-up needs it: its text and when it was written
    (archive time text: crawler.core.document_dates; undated, when first read)."""

    text: str
    written: str


@dataclass(frozen=True)
class Lookup:
    """One URL's look-up in the web's archives: why, against which date, the captures found,
    how each fetched one scored, the one kept (its snapshot) and what went wrong."""

    url_id: int
    reason: Reason
    looked_up_at: str
    written: str | None
    captures: tuple[Memento, ...] = ()
    scores: tuple[Scored, ...] = ()
    chosen: str | None = None
    snapshot_id: int | None = None
    errors: tuple[str, ...] = ()
    url: str = ""

    @property
    def chosen_score(self) -> Scored | None:
        return next((score for score in self.scores if score.memento.uri == self.chosen), None)


@dataclass(frozen=True)
class RecoveredCopy:
    """The web archive's copy of a source kept for a document (crawler.jobs.recovery): where
    and when it was taken, against the document's date (and how that date is known), and
    what of the document it carries."""

    archive: str
    uri: str
    taken: str
    snapshot_id: int
    written: str | None
    written_from: str | None
    coverage: float
    quotes: tuple[str, ...]
    quotes_total: int


@dataclass(frozen=True)
class Recover:
    """What ``sourcekeeper recover`` looks up, whatever earlier look-ups found: these URLs,
    the URLs these documents cite, every broken source with ``broken``."""

    urls: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()
    broken: bool = False


def archive_name(url: str) -> str:
    """An archive's name: its host (``web.archive.org``), with its port when not standard."""
    parts = urlsplit(url)
    return (parts.netloc or url).lower().removeprefix("www.")

def shortlist(mementos: Iterable[Memento], written: str, limit: int) -> list[Memento]:
    """The captures worth fetching: one per distinct payload (digest, where the archive
    gives one), successful ones only, the nearest ``limit`` before ``written`` and then the
    nearest after it (a page may have been captured only after the document was written)."""
    seen: set[str | None] = set()
    distinct = []
    for memento in sorted(mementos, key=lambda m: (m.datetime, m.uri)):
        if memento.status is not None and not 200 <= memento.status < 300:
            continue
        keys = {memento.uri, memento.digest} - {None}
        if keys & seen:  # the same capture twice (CDX and availability), or the same payload
            continue
        seen |= keys
        distinct.append(memento)
    before = [m for m in distinct if m.datetime <= written][::-1]
    after = [m for m in distinct if m.datetime > written]
    chosen = before[:limit]
    return chosen + after[:max(1, limit - len(chosen))]


def choose(scored: Sequence[Scored], written: str) -> Scored | None:
    """The capture that best supports the document: among those taken at or before
    ``written``, the one carrying most of its quotes, then most of its passages, then the
    nearest; a later capture only when no earlier one supports it at all."""
    if not scored:
        return None

    def nearness(entry: Scored) -> float:
        return -abs((parse_iso(entry.memento.datetime) - parse_iso(written)).total_seconds())

    before = [entry for entry in scored if entry.memento.datetime <= written]
    after = [entry for entry in scored if entry.memento.datetime > written]
    best_before = max(before, key=lambda e: (e.support, nearness(e)), default=None)
    if best_before is not None and best_before.support > (0, 0.0):
        return best_before
    best_after = max(after, key=lambda e: (e.support, nearness(e)), default=None)
    if best_after is not None and best_after.support > (0, 0.0):
        return best_after
    return best_before or best_after


def against(moment: str, written: str) -> str:
    """A capture's time against the document's date: ``13 days before the document
    (2025-07-03)``."""
    seconds = (parse_iso(moment) - parse_iso(written)).total_seconds()
    days = abs(seconds) / 86400
    amount = (f"{days:.0f} day{'s' * (round(days) != 1)}" if days >= 1
              else f"{abs(seconds) / 3600:.0f} hours")
    side = "before" if seconds <= 0 else "after"
    return f"{amount} {side} the document ({written[:10]})"


def relative(moment: str, written: str | None) -> str:
    """When a capture was taken, and against the document's date when it is known:
    ``taken 2025-06-20, 13 days before the document (2025-07-03)``."""
    taken = f"taken {moment[:10]}"
    return f"{taken}, {against(moment, written)}" if written else taken
