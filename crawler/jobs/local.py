"""A crawl (or re-fetch) in this process: Scrapy fetches, the session archives.

The archive is opened, locked and the run planned before Scrapy starts (crawler.jobs.session),
then the ``sources`` spider fetches the run's URLs and the pipelines record each one through
the session. A run with nothing due (most cron runs between due times) ends there, without
starting Scrapy. Scrapy's reactor cannot restart, so this runs at most once per process; repeated
runs (crawler.jobs.repeat) start one process per run.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from crawler import config
from crawler.core.models import CrawlJob, CrawlResult, RunStatus
from crawler.jobs.process_setup import (collected_rarely, install_logging, mark_started,
                                        once_per_process)
from crawler.jobs.session import ArchiveSession
from crawler.jobs.signals import Stopped, stop_signals

if TYPE_CHECKING:
    from crawler.jobs.process import SignalledProcess


def crawl(job: CrawlJob, settings: Mapping[str, Any]) -> CrawlResult:
    """Run ``job`` with Scrapy in this process; return what it did and how it ended.
    ``settings`` are the run's own (checked by crawler.config.check) over the project's;
    Scrapy's are built from them, and Scrapy imported, only when there is something to fetch.

    Raises :class:`~crawler.errors.ArchiveError` (``LockHeld`` included) and
    :class:`~crawler.errors.SettingError` before anything is fetched. A stop signal while
    the documents are read ends the run there, as gracefully as one during the fetching."""
    once_per_process()
    plain = config.plain_settings(settings)
    install_logging(plain)  # the documents' warnings are logged before Scrapy starts
    try:
        with stop_signals():
            session = ArchiveSession.open(job, plain)
    except Stopped as stopped:
        return CrawlResult(stopped.run_id, stopped.counts, RunStatus.INTERRUPTED,
                           signal=stopped.signum)
    if session.plan.counts.urls_due == 0 and not job.urls and not job.recover:
        # Nothing to fetch (a cron run between due times): Scrapy is not started at all.
        try:
            session.finish_now(RunStatus.FINISHED)
        finally:
            session.close()
        return session.result()
    from crawler.fetch import extract_pool
    from crawler.jobs.process import SignalledProcess

    mark_started()
    workers = config.get(plain, "EXTRACT_WORKERS")
    before = _handlers()  # given back once the run is closed (Scrapy's would outlive it)
    try:
        process = SignalledProcess(config.project_settings(settings))
    except BaseException:
        session.close()  # the run is recorded as interrupted, the lock released
        raise
    try:
        # The extraction processes start now, on the other core, while Scrapy starts.
        extract_pool.start_early(extract_pool.pool_size(workers))
        crawler = process.create_crawler("sources")
        process.crawl(crawler, session=session)
        with collected_rarely():
            process.start()
    except KeyboardInterrupt:
        process.received = signal.SIGINT
    finally:
        with _signals_remembered(process, before):
            extract_pool.discard()
            session.close()
    return session.result(process.received)


_STOPPING = (signal.SIGINT, signal.SIGTERM)


def _handlers() -> dict[int, Any]:
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {signum: signal.getsignal(signum) for signum in _STOPPING}


@contextmanager
def _signals_remembered(process: SignalledProcess, before: dict[int, Any]) -> Iterator[None]:
    """While the run closes (workers stopped, the run's end recorded), a Ctrl-C or SIGTERM
    is remembered, not raised: a second Ctrl-C there would kill the process before the
    archive says how the run ended. Then the handlers from ``before`` the run are given back:
    Scrapy's own, left in place, would try to stop a reactor that no longer runs."""
    def remember(signum: int, frame: object) -> None:
        process.received = process.received or signum

    if not before:
        yield  # only the main thread has signal handlers
        return
    for signum in _STOPPING:
        signal.signal(signum, remember)
    try:
        yield
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
