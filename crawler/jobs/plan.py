"""Planning a run: what to check, recorded before anything is fetched.

A run starts by being recorded (``running``), so that a run cut off at any moment, even while
it reads documents, is seen as such. Then the documents under its paths are read into the
archive (crawler.jobs.document_intake: each content once, with the URLs discovery finds in
it; edits, moves and missing files reconciled) and the URLs to check are counted. The URLs themselves are read
from the archive later, a page at a time, as the fetching asks for them
(:meth:`Plan.targets`): a run over 100,000 due URLs never holds them all.

A re-check (``crawl --failing``, ``--url``, ``--document``) checks the URLs it names now,
due or not, with a crawl's retries and politeness: a subset of the archive, not a re-fetch.

Shared by local crawls, re-fetches and distributed crawls.
"""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from crawler.core.clock import utcnow
from crawler.core.discovery import Options as DiscoveryOptions
from crawler.core.models import CrawlJob, Recheck, RunCounts, RunStatus, Target
from crawler.core.url import canonical, fetchable
from crawler.errors import ArchiveError
from crawler.jobs.document_files import archived_documents
from crawler.jobs.document_intake import Intake
from crawler.jobs.signals import Stopped, check_stop

if TYPE_CHECKING:
    from crawler.storage import Archive

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Plan:
    """A recorded run: its job, its id, when it was planned, its counts so far, and which URLs
    it checks (those cited by ``document_ids`` when the job has paths)."""

    job: CrawlJob
    run_id: int
    now: str
    counts: RunCounts
    document_ids: tuple[str, ...] | None = None
    refetch: tuple[Target, ...] = ()
    url_ids: tuple[int, ...] | None = None  # a re-check of these URLs, due or not

    def targets(self, archive: Archive) -> Iterator[Target]:
        """The URLs to check, most overdue first, read from the archive a page at a time."""
        if self.job.urls or self.job.recover:
            yield from self.refetch
            return
        ids = list(self.document_ids) if self.document_ids is not None else None
        yield from archive.urls.due(
            now=self.now, everything=self.job.everything or self.url_ids is not None,
            limit=self.job.limit, document_ids=ids,
            url_ids=list(self.url_ids) if self.url_ids is not None else None)


def start_run(archive: Archive, job: CrawlJob) -> int:
    """Record the run as ``running``; return its id."""
    return archive.write(archive.runs.start, job, os.getpid(), utcnow())


def plan(archive: Archive, job: CrawlJob, run_id: int, *, max_bytes: int,
         options: DiscoveryOptions | None = None, follow_links: bool = False) -> Plan:
    """Read the run's documents and count what it will check.

    A run that cannot be planned is recorded as ``failed`` with the reason; one stopped by a
    signal (Ctrl-C while a large folder is read) as ``interrupted`` with what it had read,
    and :class:`~crawler.jobs.signals.Stopped` carries both to the caller."""
    intake = Intake(archive, max_bytes, options or DiscoveryOptions(), follow_links)
    try:
        check_stop()  # a signal during the write that recorded the run
        if job.recover:  # nothing to check: look-ups only (crawler.jobs.recovery)
            return Plan(job, run_id, utcnow(), RunCounts())
        if job.urls:
            targets = []
            for asked in dict.fromkeys(job.urls):
                url = fetchable(asked)
                targets.append(Target(archive.write(_asked_for, archive, canonical(asked), url),
                                      url))
            targets = list({target.id: target for target in targets}.values())
            check_stop()
            return Plan(job, run_id, utcnow(),
                        RunCounts(urls_cited=len(targets), urls_due=len(targets)),
                        refetch=tuple(targets))
        if job.paths:
            intake.read(job.paths)
        check_stop()
        document_ids = intake.ids if job.paths else None
        url_ids = _rechecked(archive, job.recheck) if job.recheck else None
        now = utcnow()
        cited = archive.urls.count_due(now=now, everything=True, document_ids=document_ids,
                                       url_ids=url_ids)
        due = archive.urls.count_due(now=now, everything=job.everything or bool(job.recheck),
                                     document_ids=document_ids, url_ids=url_ids)
        due = min(due, job.limit) if job.limit else due
        return Plan(job, run_id, now, intake.counts.plus(urls_cited=cited, urls_due=due),
                    tuple(document_ids) if document_ids is not None else None,
                    url_ids=tuple(url_ids) if url_ids is not None else None)
    except (Stopped, KeyboardInterrupt) as exc:
        signum = exc.signum if isinstance(exc, Stopped) else signal.SIGINT
        _end(archive, run_id, RunStatus.INTERRUPTED, intake.counts)
        raise Stopped(signum, run_id, intake.counts) from None
    except Exception as exc:
        _end(archive, run_id, RunStatus.FAILED, intake.counts, str(exc))
        raise


def _rechecked(archive: Archive, recheck: Recheck) -> list[int]:
    """The URLs a re-check names (see :class:`~crawler.core.models.Recheck`). Raises
    NotArchived for a URL or document that is not in the archive."""
    ids = [archive.urls.find(url).id for url in recheck.urls]
    for name in recheck.documents:
        ids.extend(archive.documents.url_ids(archived_documents(archive, name)))
    if recheck.failing:
        ids.extend(archive.urls.failing())
    return sorted(set(ids))


def _asked_for(archive: Archive, canonical_url: str, url: str) -> int:
    """A URL a person asked to re-fetch: added if new, remembered if forgotten."""
    url_id = archive.urls.add(canonical_url, url, utcnow())
    archive.urls.remember(url_id)
    return url_id


def _end(archive: Archive, run_id: int, status: RunStatus, counts: RunCounts,
         reason: str | None = None) -> None:
    try:
        archive.write(archive.runs.finish, run_id, status, counts, utcnow(), reason)
    except ArchiveError:
        pass  # the archive failed the plan itself; that error is the one to report
