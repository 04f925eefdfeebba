"""One run's hold on the archive: its connection, its writer thread, its lock and its counts.

A crawl process opens the archive once. Opening takes the run lock (one crawl at a time per
archive; a re-fetch runs beside it), marks runs left ``running`` by a killed crawl as
``interrupted``, and plans the run, all before a single request is made, so that a locked,
unwritable or corrupt archive is one clear error and not a half-started crawl.

While Scrapy runs, every use of the archive (reading the due queue a page at a time, looking
up the latest snapshot, recording an item, finishing the run) goes to the one writer thread
that owns the connection, and the event loop awaits it: a write that waits on another
process's lock slows archiving, never downloading. The same session serves synchronous
callers (the Redis coordinator) through its ``*_now`` methods.

Items are recorded in batches: a write waits ``_WRITE_WAIT`` for more items to join the first
(and while the writer thread writes, the items that arrive wait too), then takes them all (up
to ``_ITEMS_PER_WRITE``) in one transaction, each item in a savepoint of its own. One commit
per batch instead of one per page costs less CPU (the pages of the tables and of the text
index are written to the log once, one full-text segment is made): pages arrive one at a
time, so without the wait nine batches in ten held one item, and the writer thread spent 1.8
ms a page instead of 1.3 (bench/crawl.py). Every guarantee stands: an item's check, snapshot
and body are committed together or not at all, an item the archive refuses is rolled back
alone, and a crawl killed before a commit leaves those URLs due (they are fetched again),
never half written. A run of one URL (a re-fetch) does not wait.

The run's :class:`~crawler.core.models.RunCounts` are kept here and only here; Scrapy's stats
get a copy (:meth:`publish`) for its log and the progress bar.

Settings: ``ARCHIVE_DB`` (the archive file), ``ARCHIVE_LOCK_TIMEOUT`` (how long a write waits
for another process's), ``DOCUMENT_MAX_BYTES`` (larger documents are skipped with a warning),
``DOCUMENT_FOLLOW_LINKS`` (read files a folder links to outside itself, see
crawler.jobs.document_files) and the ``SCHEDULE_*`` intervals (see crawler.core.schedule).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import threading
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, TypeVar

from crawler import config
from crawler.core.clock import utcnow
from crawler.core.url import canonical
from crawler.core.models import (
    CheckResult, Outcome, CrawlJob, CrawlResult, LatestSnapshot, RunStatus, Target,
)
from crawler.core.schedule import Schedule
from crawler.errors import ArchiveError, ArchiveWriteError
from crawler.fetch.items import Item, PageItem
from crawler.jobs.plan import Plan, plan, start_run
from crawler.jobs.record import counted, record
from crawler.jobs.recovery import Options as RecoveryOptions, Recovery, wanted
from crawler.storage import Archive, RunLock

logger = logging.getLogger(__name__)
_T = TypeVar("_T")
# Due URLs handed from the writer thread to the event loop at a time (each hop costs a
# thread switch; the archive reads them in larger pages of its own).
_TARGETS_PER_HOP = 100
_CANDIDATE_TRIES = 3
# Items recorded in one write transaction at most (those that queued while the last one
# was written): enough to share a commit, few enough that a write is never long.
_ITEMS_PER_WRITE = 32
# Seconds a write waits for more items to join the first (a tenth of a second holds the
# responses of about six pages in memory a little longer).
_WRITE_WAIT = 0.1


_ALWAYS = ("archive/run_id", "urls/cited", "urls/due")


def _settle_all(waiting: list[asyncio.Future[Any]], outcomes: list[Any]) -> None:
    """Each waiting item's result, or its error (on the event loop)."""
    for done, outcome in zip(waiting, outcomes, strict=True):
        if done.cancelled():
            continue
        if isinstance(outcome, BaseException):
            done.set_exception(outcome)
        else:
            done.set_result(outcome)


class _Stats(Protocol):
    def set_value(self, key: str, value: Any) -> None: ...


class ArchiveSession:
    """Open with :meth:`open`; close with :meth:`close` (which finishes an unfinished run)."""

    def __init__(self, archive: Archive, job: CrawlJob, plan_: Plan, schedule: Schedule,
                 lock: RunLock | None):
        self.archive = archive
        self.job = job
        self.plan = plan_
        self.schedule = schedule
        self.counts = plan_.counts
        self.last: CheckResult | None = None
        self.checks: list[CheckResult] = []
        self.status: RunStatus | None = None
        self.reason: str | None = None
        self.recovery: Recovery | None = None
        self._lock = lock
        self._counting = threading.Lock()  # the writer thread and the event loop both count
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archive")
        self._queued: list[tuple[Item, asyncio.Future[CheckResult]]] = []
        self._published: dict[str, int | None] = {}
        self._waiting: asyncio.TimerHandle | None = None  # a write waiting for company

    @classmethod
    def open(cls, job: CrawlJob, settings: Any) -> ArchiveSession:
        """Open the archive named by the ``ARCHIVE_DB`` setting for ``job``, take the run lock
        (crawls only) and plan the run. Raises :class:`~crawler.errors.ArchiveError` (or
        ``LockHeld``) and :class:`~crawler.errors.SettingError` before anything started."""
        schedule = config.schedule(settings)
        path = config.get(settings, "ARCHIVE_DB")
        archive = Archive(path, lock_timeout=config.get(settings, "ARCHIVE_LOCK_TIMEOUT"))
        lock = None
        try:
            archive.check_writable()
            if job.command == "crawl":
                lock = RunLock(path).acquire()
                archive.write(archive.runs.interrupt_stale, "crawl")
            run_id = start_run(archive, job)
            planned = plan(archive, job, run_id,
                           max_bytes=config.get(settings, "DOCUMENT_MAX_BYTES"),
                           options=config.discovery(settings),
                           follow_links=config.get(settings, "DOCUMENT_FOLLOW_LINKS"))
        except BaseException:
            if lock is not None:
                lock.release()
            archive.close()
            raise
        return cls(archive, job, planned, schedule, lock)

    @property
    def run_id(self) -> int:
        return self.plan.run_id

    # Synchronous use (in the calling thread; no writer thread involved).

    def record_now(self, item: Item) -> CheckResult:
        result = record(self.archive, item, self.run_id, self.schedule)
        self._count(item, result)
        return result

    def record_batch(self, items: list[Item]) -> list[CheckResult | Exception]:
        """Record ``items`` in one transaction, each whole or not at all: an item that
        cannot be recorded gets its error (an :class:`~crawler.errors.ArchiveError` the
        archive raised), the others are recorded. Raises
        :class:`~crawler.errors.ArchiveWriteError` (nothing recorded) when the archive
        cannot be written."""

        def each() -> list[CheckResult | Exception]:
            outcomes: list[CheckResult | Exception] = []
            for item in items:
                try:
                    outcomes.append(record(self.archive, item, self.run_id, self.schedule))
                except ArchiveWriteError:
                    raise
                except Exception as exc:  # that item's savepoint is rolled back, alone
                    outcomes.append(exc)
            return outcomes

        outcomes = self.archive.write(each)  # counted once committed, not before
        for item, outcome in zip(items, outcomes, strict=True):
            if not isinstance(outcome, Exception):
                self._count(item, outcome)
        return outcomes

    def _count(self, item: Item, result: CheckResult) -> None:
        with self._counting:
            self.counts = counted(self.counts, item, result)
        self.last = result
        if self.job.urls:
            self.checks.append(result)

    def refuse_now(self, why: str) -> None:
        """Count an item a distributed run refused (crawler.jobs.distributed.trust)."""
        try:
            self.archive.write(self.archive.runs.refuse, why, utcnow())
        except ArchiveError as exc:
            logger.warning("could not count a refused item: %s", exc)

    def count_error(self) -> None:
        with self._counting:
            self.counts = self.counts.plus(errors=1)

    def finish_now(self, status: RunStatus, reason: str | None = None) -> None:
        """Record how the run ended (once). When the archive cannot take even that, one
        warning line says so: the run is then shown as running until the next crawl marks
        it interrupted."""
        if self.status is not None:
            return
        try:
            self.archive.write(self.archive.runs.finish, self.run_id, status, self.counts,
                               utcnow(), reason)
        except ArchiveError as exc:
            logger.warning("the end of run %s could not be recorded: %s", self.run_id, exc)
        self.status, self.reason = status, reason

    def hand_over(self) -> None:
        """Leave the run ``running`` for another process (a Redis writer) to finish."""
        self.status = RunStatus.QUEUED

    def close(self) -> None:
        """Finish the run if nothing did (it was cut short), release the archive and lock.
        Items still waiting for their write (a crawl stopped at once) are written first."""
        if self._waiting is not None:
            self._waiting.cancel()
        self._writer.shutdown(wait=True)
        if self._queued:
            items = [item for item, _ in self._queued]
            self._queued.clear()
            try:
                self.record_batch(items)
            except ArchiveError as exc:
                logger.warning("%d pages fetched last could not be recorded: %s",
                               len(items), exc)
        try:
            if self.status is None:
                self.finish_now(RunStatus.INTERRUPTED)
        finally:
            self.archive.close()
            if self._lock is not None:
                self._lock.release()
                self._lock = None

    def result(self, signal: int | None = None) -> CrawlResult:
        return CrawlResult(run_id=self.run_id, counts=self.counts,
                           status=self.status or RunStatus.RUNNING, reason=self.reason,
                           signal=signal, last=self.last, checks=tuple(self.checks))

    # Asynchronous use from Scrapy's event loop: on the writer thread.

    async def _on_writer(self, function: Callable[..., _T], *args: Any) -> _T:
        return await asyncio.wrap_future(self._writer.submit(function, *args))

    async def targets(self) -> AsyncIterator[Target]:
        """The run's URLs to check, read from the archive a page at a time."""
        pending = self.plan.targets(self.archive)
        while batch := await self._on_writer(
                lambda: list(itertools.islice(pending, _TARGETS_PER_HOP))):
            for target in batch:
                yield target

    async def held(self, url_id: int, body_sha256: str) -> tuple[LatestSnapshot | None, bool]:
        """A URL's latest snapshot, and whether the archive holds a body (one hop)."""
        return await self._on_writer(lambda: (self.archive.snapshots.latest(url_id),
                                              self.archive.snapshots.has_body(body_sha256)))

    async def alternatives(self, url_id: int) -> list[Target]:
        """Other readings of a URL that does not exist (wrapped across lines in a document),
        each not tried before, as URLs to check now."""
        return await self._on_writer(self._alternatives, url_id)

    def _alternatives(self, url_id: int) -> list[Target]:
        targets = []
        for url in self.archive.documents.alternatives(url_id):
            candidate = self.archive.write(self.archive.urls.add_candidate, canonical(url), url,
                                           url_id, utcnow())
            info = self.archive.urls.find(url)
            # Not tried yet, or failed fewer than _CANDIDATE_TRIES times (in case it was a
            # timeout or a 503 that passes).
            retry = info.last_outcome is Outcome.FAILED and info.failures < _CANDIDATE_TRIES
            if candidate != url_id and info.candidate_of == url_id and (
                    not info.last_checked_at or retry):
                targets.append(Target(candidate, url))
        return targets

    async def record(self, item: Item) -> CheckResult | None:
        if isinstance(item, PageItem) and item.memento is not None:
            if self.recovery is not None:  # a web archive's copy: scored, maybe kept
                await self.recovery.captured(item)
            return None
        done: asyncio.Future[CheckResult] = asyncio.get_running_loop().create_future()
        self._queued.append((item, done))
        if len(self._queued) == 1:  # else a write is already on its way for this batch
            loop = asyncio.get_running_loop()
            wait = _WRITE_WAIT if self.counts.urls_due > 1 else 0
            self._waiting = loop.call_later(wait, self._writer.submit, self._write_queued,
                                            loop)
        return await done

    def _write_queued(self, loop: asyncio.AbstractEventLoop) -> None:
        """On the writer thread: record what has queued, in batches."""
        while batch := self._queued[:_ITEMS_PER_WRITE]:
            del self._queued[:len(batch)]  # items queued from now on go to the next write
            try:
                outcomes: list[Any] = self.record_batch([item for item, _ in batch])
            except BaseException as exc:  # the archive cannot be written: all of them fail
                outcomes = [exc] * len(batch)
            # One wake-up of the event loop for the whole batch.
            loop.call_soon_threadsafe(_settle_all, [done for _, done in batch], outcomes)

    async def start_recovery(self, settings: Any) -> Recovery | None:
        """The run's look-ups in the web's archives (crawler.jobs.recovery), once its own
        checks are done; None when there is nothing to look up."""
        if self.recovery is not None or self.job.urls:  # a re-fetch answers at once
            return None
        options = RecoveryOptions.of(settings)
        wants = await self._on_writer(wanted, self.archive, self.run_id, self.job.recover,
                                      options)
        self.recovery = Recovery(wants, options, self._on_archive_writer, self.run_id)
        return self.recovery if wants else None

    async def record_save(self, url_id: int, snapshot_id: int | None, at: str, status: str,
                          uri: str | None, detail: str | None) -> None:
        """What Save Page Now answered for a source; a failed write is a warning only."""
        try:
            await self._on_writer(self.archive.write, self.archive.mementos.add_save, url_id,
                                  snapshot_id, at, status, uri, detail)
        except ArchiveError as exc:
            logger.warning("could not record Save Page Now's answer: %s", exc)

    async def _on_archive_writer(self, function: Callable[..., _T], *args: Any) -> _T:
        return await self._on_writer(function, self.archive, *args)

    async def finish(self, finish_reason: str | None) -> None:
        from crawler.jobs.process import status_of  # Scrapy's: imported once it runs

        await self._on_writer(self.finish_now, *status_of(finish_reason))

    def publish(self, stats: _Stats) -> None:
        """Copy the counts into Scrapy-style stats (for its log and the progress bar): only
        those that changed since the last copy (this runs for every item)."""
        counts = self.counts
        for key, value in (("archive/run_id", self.run_id),
                           ("urls/cited", counts.urls_cited),
                           ("urls/due", counts.urls_due),
                           ("documents/read", counts.documents_read),
                           ("documents/new", counts.documents_new),
                           ("documents/skipped", counts.documents_skipped),
                           ("archive/snapshots/new", counts.new),
                           ("archive/snapshots/changed", counts.changed),
                           ("archive/snapshots/unchanged", counts.unchanged),
                           ("archive/not_modified", counts.not_modified),
                           ("archive/failures", counts.failed),
                           ("archive/errors", counts.errors)):
            # The run, cited and due are published even when 0; the other counts once not 0.
            if value != self._published.get(key, None if key in _ALWAYS else 0):
                stats.set_value(key, value)
                self._published[key] = value

