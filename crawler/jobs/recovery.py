"""Recovering sources from the web's archives: which URLs, and the look-up of each.

After a crawl has checked its URLs (and for ``sourcekeeper recover``, at once), the sources
worth it are looked up in the archives of ``MEMENTO_ENDPOINTS``: the ones that are gone, a
soft-404, unreachable, blocked or moved (one failed check is enough: the look-up costs the
source nothing), and the ones we first archived more than ``MEMENTO_LAG`` after a document
citing them was written (the page may have changed in between). A URL looked up within
``MEMENTO_CACHE`` is not asked again, and a crawl makes at most ``MEMENTO_MAX_PER_RUN``
look-ups (broken sources first; the rest wait for the next run). ``MEMENTO_FALLBACK=False``
turns it off for people who must not contact third parties; archived copies a document
cites itself (a Wayback link) are fetched either way, as any cited URL is.

Per URL: every endpoint lists its captures (crawler.fetch.mementos); the distinct ones
nearest the document's date are fetched raw and extracted like any page; the one that best
supports the citing documents (crawler.core.mementos.choose: before the document's date,
with its quotes and passages) is stored as a snapshot of the URL whose origin says where it
came from, and the look-up (captures, scores, the choice) is kept for the report.

Settings: ``MEMENTO_FALLBACK``, ``MEMENTO_ENDPOINTS``, ``MEMENTO_CANDIDATES`` (captures
fetched per URL), ``MEMENTO_CACHE``, ``MEMENTO_LAG``, ``MEMENTO_MAX_PER_RUN``.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from crawler import config
from crawler.core.change import Judgement
from crawler.core.clock import iso, parse_iso, utcnow
from crawler.core.linkrot import worth_recovering
from crawler.core.mementos import (
    Citing, Endpoint, Lookup, Memento, Reason, Recover, Scored, choose, shortlist,
)
from crawler.core.models import Outcome
from crawler.core.provenance import Source, coverage, quotes
from crawler.errors import UsageError
from crawler.fetch.items import PageItem
from crawler.jobs.document_files import archived_documents
from crawler.jobs.record import memento_capture

if TYPE_CHECKING:
    from crawler.storage import Archive

logger = logging.getLogger(__name__)
_CHECKS = 10


@dataclass(frozen=True)
class Options:
    """How a run recovers sources, from the ``MEMENTO_*`` settings."""

    fallback: bool
    endpoints: tuple[Endpoint, ...]
    candidates: int
    cache: float
    lag: float
    per_run: int

    @classmethod
    def of(cls, settings: Any) -> Options:
        return cls(config.get(settings, "MEMENTO_FALLBACK"),
                   tuple(config.get(settings, "MEMENTO_ENDPOINTS")),
                   max(1, config.get(settings, "MEMENTO_CANDIDATES")),
                   config.get(settings, "MEMENTO_CACHE"), config.get(settings, "MEMENTO_LAG"),
                   config.get(settings, "MEMENTO_MAX_PER_RUN"))


@dataclass
class Want:
    """A URL to look up, why, and the documents it must support."""

    url_id: int
    url: str
    reason: Reason
    citing: list[Citing]
    copies: list[Memento] = field(default_factory=list)  # cited copies: fetched, not chosen

    @functools.cached_property
    def said(self) -> tuple[str, ...]:
        """The quotes of the citing documents (read once, scored against every capture)."""
        return tuple(dict.fromkeys(quote for document in self.citing
                                   for quote in quotes(document.text)))

    @property
    def written(self) -> str | None:
        """The earliest date of a citing document: the source had to say it then."""
        return self.citing[0].written if self.citing else None


def _ago(now: str, seconds: float) -> str:
    return iso(parse_iso(now) - timedelta(seconds=seconds))


def _broken(archive: Archive, url_id: int, url: str) -> bool:
    _, latest = archive.snapshots.ends(url_id)
    return worth_recovering(url, archive.checks.recent(url_id, _CHECKS), latest) is not None


def wanted(archive: Archive, run_id: int | None, recover: Recover | None, options: Options,
           now: str | None = None) -> list[Want]:
    """The URLs a run looks up: for ``recover``, the ones it names (raises
    :class:`~crawler.errors.NotArchived` for a URL or document the archive does not have);
    after a crawl, the broken and late-archived sources it checked, and the cited copies not
    fetched yet."""
    now = now or utcnow()
    wants: dict[int, Want] = {}
    if recover is not None:
        ids: dict[int, str] = {}
        for url in recover.urls:
            info = archive.urls.find(url)
            ids[info.id] = info.url
        for document in recover.documents:
            for document_id in archived_documents(archive, document):
                for cited in archive.documents.cited(document_id):
                    ids[cited.url_id] = cited.url
        if recover.broken:
            for info in archive.urls.all():
                if info.id not in ids and _broken(archive, info.id, info.url):
                    ids[info.id] = info.url
        for url_id, url in ids.items():
            wants[url_id] = Want(url_id, url, Reason.ASKED, archive.mementos.citing(url_id))
    elif run_id is not None and options.fallback:
        broken, late = [], []
        checked = archive.mementos.checked_in_run(run_id)
        recent = archive.mementos.looked_up_since([url_id for url_id, _, _ in checked],
                                                  _ago(now, options.cache))
        for url_id, url, outcome in checked:
            if len(broken) >= options.per_run:
                break  # broken sources come first: the run looks up no more
            if url_id in recent:
                continue
            if _broken(archive, url_id, url):
                broken.append((url_id, url, Reason.BROKEN))
            elif outcome is Outcome.NEW:  # our first snapshot: was it taken late?
                first = archive.mementos.first_live(url_id)
                written = archive.mementos.first_written(url_id)
                if first and written and written <= _ago(first, options.lag):
                    late.append((url_id, url, Reason.LAG))
        for url_id, url, reason in (broken + late)[:options.per_run]:
            wants[url_id] = Want(url_id, url, reason, archive.mementos.citing(url_id))
    for url_id, memento in archive.mementos.cited_pending(
            None if recover is None else list(wants)):
        if url_id not in wants:
            wants[url_id] = Want(url_id, memento.original, Reason.CITED,
                                 archive.mementos.citing(url_id))
        wants[url_id].copies.append(memento)
    return list(wants.values())


def score(memento: Memento, text: str | None, want: Want) -> Scored:
    """How well a capture's text supports the citing documents: its best coverage of any of
    them, and which of their quotes it carries."""
    source = Source(text)
    best = max((coverage(document.text, text).score for document in want.citing), default=0.0)
    return Scored(memento, best, tuple(q for q in want.said if source.contains(q)),
                  len(want.said))


@dataclass
class _Pending:
    want: Want
    lookups_left: int
    captures: list[Memento] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    fetches_left: int = 0
    fetched: list[tuple[Scored, PageItem]] = field(default_factory=list)


class Recovery:
    """One run's look-ups in progress. The spider hands it look-up answers and captures
    (``requests``, ``looked_up``, ``captured``, ``failed``); each URL is settled (its copy
    chosen and stored) when its last answer is in. ``write`` runs a function with the
    archive on the run's writer thread and returns its result; the spider makes the
    requests (``make_lookups``, ``make_capture``) and sets ``on_done``."""

    def __init__(self, wants: list[Want], options: Options, write: Callable[..., Any],
                 run_id: int | None):
        self.options = options
        self.on_done: Callable[[], Any] = lambda: None  # called when the last URL settled
        self.pending: dict[int, _Pending] = {}
        self._wants = wants
        self._write = write
        self._run_id = run_id

    @property
    def busy(self) -> bool:
        return bool(self.pending)

    def requests(self, make_lookups: Callable[..., list], make_capture: Callable[..., Any]
                 ) -> list:
        """Every look-up request (and the cited copies' capture requests) of the run."""
        found = []
        for want in self._wants:
            searching = want.reason is not Reason.CITED
            lookups = [request for endpoint in self.options.endpoints
                       for request in make_lookups(endpoint, want)] if searching else []
            if not lookups and not want.copies:
                continue  # no archive to ask (MEMENTO_ENDPOINTS is empty)
            entry = _Pending(want, len(lookups), fetches_left=len(want.copies))
            self.pending[want.url_id] = entry
            found += lookups + [make_capture(copy, want.url_id) for copy in want.copies]
        return found

    async def looked_up(self, url_id: int, mementos: list[Memento] | None, error: str | None,
                        make_capture: Callable[..., Any]) -> list:
        """An endpoint's answer (or why it failed); the capture requests once every endpoint
        answered (none: the URL is settled, with what was found)."""
        entry = self.pending.get(url_id)
        if entry is None:
            return []
        entry.lookups_left -= 1
        entry.captures += mementos or []
        if error:
            entry.errors.append(error)
        if entry.lookups_left > 0:
            return []
        chosen = shortlist(entry.captures, entry.want.written or utcnow(),
                           self.options.candidates)
        if not chosen and entry.fetches_left <= 0:
            entry.fetches_left = 1  # settled as if one capture came back
            await self._fetched(entry)
            return []
        entry.fetches_left += len(chosen)
        return [make_capture(memento, url_id) for memento in chosen]

    async def captured(self, item: PageItem) -> None:
        """A capture's page, extracted: scored now, the URL settled with its last one."""
        entry = self.pending.get(item.url_id)
        if entry is None:
            return
        text = item.extraction.text if item.extraction else None
        entry.fetched.append((score(item.memento, text, entry.want), item))
        await self._fetched(entry)

    async def failed(self, url_id: int, memento: Memento, reason: str) -> None:
        entry = self.pending.get(url_id)
        if entry is None:
            return
        entry.errors.append(f"{memento.uri}: {reason}")
        if memento in entry.want.copies:
            await self._write(self._cited_failed, url_id, memento.uri, reason)
        await self._fetched(entry)

    async def _fetched(self, entry: _Pending) -> None:
        entry.fetches_left -= 1
        if entry.fetches_left <= 0 and entry.lookups_left <= 0:
            del self.pending[entry.want.url_id]
            await self._write(self._settle, entry)
            if not self.pending:
                self.on_done()

    def _cited_failed(self, archive: Archive, url_id: int, uri: str, reason: str) -> None:
        archive.write(archive.mementos.cited_fetched, url_id, uri, None, reason)

    def _settle(self, archive: Archive, entry: _Pending) -> None:
        """Store the cited copies fetched and the chosen capture as snapshots, and the
        look-up (on the writer thread)."""
        want, now = entry.want, utcnow()
        cited = {copy.uri for copy in want.copies}
        for scored, item in entry.fetched:
            if scored.memento.uri in cited:
                snapshot = archive.write(self._store, archive, item)
                archive.write(archive.mementos.cited_fetched, want.url_id, scored.memento.uri,
                              snapshot, None)
        if want.reason is Reason.CITED:
            return
        searched = [entry_ for entry_ in entry.fetched if entry_[0].memento.uri not in cited]
        best = choose([scored for scored, _ in searched], want.written or now)
        snapshot_id = None
        if best is not None:
            item = next(item for scored, item in searched if scored is best)
            snapshot_id = archive.write(self._store, archive, item)
        lookup = Lookup(want.url_id, want.reason, now, want.written, tuple(entry.captures),
                        tuple(scored for scored, _ in searched),
                        best.memento.uri if best else None, snapshot_id, tuple(entry.errors))
        archive.write(archive.mementos.save_lookup, lookup)
        if best is not None:
            logger.info("recovered %s from %s (%s): %d of %d quotes, coverage %.0f%%",
                        want.url, best.memento.archive, best.memento.datetime[:10],
                        len(best.quotes), best.quotes_total, best.coverage * 100)
        else:
            logger.info("no archived copy of %s found (%d captures listed)", want.url,
                        len(entry.captures))

    def _store(self, archive: Archive, item: PageItem) -> int:
        """A capture as a snapshot of its URL (in a write), once per memento."""
        existing = archive.mementos.snapshot_of(item.url_id, item.memento.uri)
        if existing is not None:
            return existing
        capture, blobs, page_sha256 = memento_capture(archive, item, self._run_id)
        archive.snapshots.add_bodies(blobs)
        return archive.snapshots.add(capture, Judgement(Outcome.NEW), page_sha256,
                                     memento=item.memento)


def check_recover(archive: Archive, recover: Recover) -> None:
    """Refuse a ``recover`` that names nothing, or a URL or document the archive does not
    have (:class:`~crawler.errors.NotArchived`), before anything starts."""
    if not (recover.urls or recover.documents or recover.broken):
        raise UsageError("recover: name a URL, --document or --all-gone")
    for url in recover.urls:
        archive.urls.find(url)
    for document in recover.documents:
        archived_documents(archive, document)
