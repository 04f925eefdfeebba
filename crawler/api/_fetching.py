"""The API's fetching functions: crawl, refetch, schedule, the distributed roles, and the
dry run of discovery."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from crawler import config
from crawler.api._common import archive_db, open_archive, run_settings
from crawler.core.mementos import Lookup
from crawler.core.models import CrawlResult, DocumentFindings
from crawler.core.views import RefetchResult, UrlInfo
from crawler.errors import SettingWarning

def crawl(paths: list[str] | tuple[str, ...] = (), *, db: str | None = None,
          everything: bool = False, limit: int | None = None,
          settings: Mapping[str, Any] | None = None, redis: str | None = None,
          prefix: str | None = None, write: bool = True, failing: bool = False,
          recheck_urls: tuple[str, ...] = (), recheck_documents: tuple[str, ...] = ()
          ) -> CrawlResult:
    """Read the documents under ``paths`` and check the URLs they cite that are due (without
    ``paths``, every archived URL that is due; ``everything`` ignores the schedule; at most
    ``limit``). With ``redis``, workers fetch through that Redis and this process writes
    what they send back (or only queues the URLs when not ``write``).

    A re-check checks only, and now, the archived URLs it names: those whose last check
    failed (``failing``), ``recheck_urls``, and those the archived documents
    ``recheck_documents`` (paths or ids) cite; with ``paths``, among the ones they cite.
    Raises NotArchived for a URL or document that is not in the archive.

    Returns how the run ended; a run cut short by a signal or a failing archive is a result
    too (see :meth:`CrawlResult.error`). Raises ArchiveError, LockHeld or SettingError before
    anything is fetched."""
    from crawler.core.models import CrawlJob, Recheck

    recheck = Recheck(tuple(recheck_urls), tuple(recheck_documents), failing) \
        if failing or recheck_urls or recheck_documents else None
    job = CrawlJob(tuple(str(path) for path in paths), everything, limit, recheck=recheck)
    overrides = run_settings(db, settings)
    if redis is None:
        from crawler.jobs.local import crawl as crawl_here

        return crawl_here(job, overrides)
    scrapy_settings = config.project_settings(overrides)
    from crawler.jobs.distributed import require_redis
    from crawler.jobs.signals import StopFlag

    require_redis("crawl --redis")
    from crawler.jobs.distributed.coordinator import coordinate
    from crawler.jobs.distributed.relay import connect, relay_errors, relay_for

    relay = relay_for(connect(redis, config.get(scrapy_settings, "RELAY_CONNECT_WAIT")),
                      prefix or config.get(scrapy_settings, "RELAY_PREFIX"), scrapy_settings)
    if relay.seal.key is None:
        warnings.warn("no RELAY_KEY: whoever can write to this Redis can forge archived "
                      "pages (set SOURCEKEEPER_RELAY_KEY on every machine)", SettingWarning,
                      stacklevel=2)
    stop = StopFlag()
    with relay_errors(redis):
        return coordinate(job, scrapy_settings, relay, write=write, stopping=stop,
                          signal=lambda: stop.signal)


# A person waits for a re-fetch: one try, no politeness delay before it (it is one request
# per URL asked for, not a crawl of the site).
_ASKED = {"RETRY_ENABLED": False, "AUTOTHROTTLE_ENABLED": False, "DOWNLOAD_DELAY": 0}


def refetch(*urls: str, db: str | None = None, settings: Mapping[str, Any] | None = None,
            ignore_robots: bool = False) -> list[RefetchResult]:
    """Fetch ``urls`` now, whatever their schedule and unconditionally, adding them to the
    archive if new: one answer per URL, in order. A person is waiting: no retries, no
    delay; ``ignore_robots`` fetches pages robots.txt disallows (for these URLs only).
    Raises InvalidURL for what is not an http(s) URL, and RunFailed (Interrupted) when the
    run could not be completed."""
    from crawler.core.models import CrawlJob
    from crawler.core.url import fetchable
    from crawler.errors import RunFailed
    from crawler.jobs.local import crawl as crawl_here

    overrides = run_settings(db, {**_ASKED, **(settings or {})})
    for url in urls:
        fetchable(url)
    run = crawl_here(CrawlJob(urls=tuple(urls), ignore_robots=ignore_robots), overrides)
    if (error := run.error("refetch")) is not None:
        raise error
    checks = {check.url_id: check for check in run.checks}
    answers = []
    with open_archive(db) as archive:
        for url in urls:
            check = checks.get(archive.urls.find(url).id)
            if check is None:
                raise RunFailed(f"{url}: failed: no answer recorded")
            taken = archive.snapshots.taken_at(check.snapshot_id) if check.snapshot_id else None
            answers.append(RefetchResult(url, check.outcome, check.reason, check.snapshot_id,
                                         check.change, run, taken))
    return answers


def recover(*urls: str, documents: tuple[str, ...] = (), broken: bool = False,
            db: str | None = None, settings: Mapping[str, Any] | None = None) -> list[Lookup]:
    """Look ``urls``, the URLs the archived ``documents`` cite, and with ``broken`` every
    source that is gone, a soft-404, unreachable, blocked or moved, up in the web's archives
    (``MEMENTO_ENDPOINTS``) now, whatever earlier look-ups found: for each, the captures
    listed, how each fetched one supports the citing documents, and the one kept as a
    snapshot (crawler.jobs.recovery). Raises UsageError when nothing is named, NotArchived
    for a URL or document the archive does not have, RunFailed when the run was cut
    short."""
    from crawler.core.clock import utcnow
    from crawler.core.mementos import Recover
    from crawler.core.models import CrawlJob
    from crawler.jobs.local import crawl as crawl_here
    from crawler.jobs.recovery import check_recover

    selection = Recover(tuple(urls), tuple(documents), broken)
    overrides = run_settings(db, settings)
    with open_archive(db) as archive:
        check_recover(archive, selection)
    started = utcnow()
    run = crawl_here(CrawlJob(recover=selection), overrides)
    if (error := run.error("recover")) is not None:
        raise error
    with open_archive(db) as archive:
        return archive.mementos.lookups_since(started)


def cron_line(paths: list[str], *, db: str | None = None, every: float,
              allow_private: bool = False, settings: list[str] | None = None,
              verbose: int = 0) -> str:
    """The crontab line that crawls ``paths`` every ``every`` seconds, with a comment line
    before it when cron can only keep a nearby interval."""
    from crawler.jobs.repeat import crawl_command, crontab_line

    command = crawl_command(paths, archive_db(db), allow_private=allow_private, settings=settings,
                            verbose=verbose)
    return crontab_line(command, every, archive_db(db))


def systemd_units(paths: list[str], *, db: str | None = None, every: float,
                  allow_private: bool = False, settings: list[str] | None = None,
                  verbose: int = 0) -> str:
    """A systemd service and timer that crawl ``paths`` every ``every`` seconds exactly."""
    from crawler.jobs.repeat import crawl_command, systemd_units as units

    return units(crawl_command(paths, archive_db(db), allow_private=allow_private,
                               settings=settings, verbose=verbose), every)


def schedule(paths: list[str], *, db: str | None = None, every: float,
             allow_private: bool = False, settings: list[str] | None = None, verbose: int = 0,
             max_runs: int | None = None,
             on_run: Callable[[int, int, str], None] = lambda run, code, next_at: None) -> int:
    """Crawl ``paths`` every ``every`` seconds, one process per run, until stopped (or
    ``max_runs``); ``on_run`` gets each run's number, exit code and next start."""
    from crawler.jobs.repeat import crawl_command, repeat

    command = crawl_command(paths, archive_db(db), allow_private=allow_private, settings=settings,
                            verbose=verbose)
    return repeat(command, every, max_runs=max_runs, on_run=on_run)


def set_interval(*urls: str, every: float | None, db: str | None = None) -> list[UrlInfo]:
    """Check ``urls`` (archived, any form) every ``every`` seconds whatever they do, from one
    interval after their last check; ``every=None`` gives them back to the adaptive schedule.
    Raises NotArchived before changing anything, and InvalidDuration under a minute."""
    from crawler.jobs.intervals import set_intervals

    with open_archive(db, "write") as archive:
        return set_intervals(archive, urls, every)


def work(redis: str, *, prefix: str | None = None,
         settings: Mapping[str, Any] | None = None) -> CrawlResult:
    """Fetch and extract URLs queued in ``redis`` by a distributed crawl until stopped."""
    from crawler.jobs.distributed import require_redis

    require_redis("worker")
    from crawler.jobs.distributed.worker import work as run_worker, worker_settings

    overrides = dict(settings or {})
    chosen = prefix or config.get(overrides, "RELAY_PREFIX")
    overrides.update(worker_settings(redis, chosen))
    for warning in config.check(overrides):
        warnings.warn(warning, SettingWarning, stacklevel=2)
    return run_worker(config.project_settings(overrides))


def ingest(redis: str, *, db: str | None = None, prefix: str | None = None,
           settings: Mapping[str, Any] | None = None) -> None:
    """Write the items distributed workers send back into the archive until stopped."""
    from crawler.jobs.distributed import require_redis
    from crawler.jobs.signals import StopFlag

    require_redis("ingest")
    from crawler.jobs.distributed.ingest import Writer, ingest as write_items
    from crawler.jobs.distributed.relay import connect, relay_errors, relay_for
    from crawler.storage import Archive, RunLock

    overrides = {**(settings or {}), "ARCHIVE_DB": archive_db(db)}
    for warning in config.check(overrides):
        warnings.warn(warning, SettingWarning, stacklevel=2)
    relay = relay_for(connect(redis, config.get(overrides, "RELAY_CONNECT_WAIT")),
                      prefix or config.get(overrides, "RELAY_PREFIX"),
                      config.project_settings(overrides))
    with Archive(archive_db(db),
                 lock_timeout=config.get(overrides, "ARCHIVE_LOCK_TIMEOUT")) as archive:
        archive.check_writable()
        with RunLock(archive.path, "ingest"), relay_errors(redis):
            writer = Writer(archive, relay, config.schedule(overrides))
            write_items(relay, writer.record, until_done=False, stopping=StopFlag(),
                        grace=config.get(overrides, "RELAY_REQUEUE_AFTER"),
                        refused=writer.refused,
                        run_done=writer.run_done)


def discover(paths: list[str] | tuple[str, ...], *, all_links: bool = False,
             exclude: tuple[str, ...] = (), settings: Mapping[str, Any] | None = None
             ) -> Iterator[DocumentFindings]:
    """What a crawl of ``paths`` would cite, without fetching or writing anything: per
    document, every URL seen, as written, to fetch and canonical, with its role, and why
    the dropped ones are not cited. ``-`` is the standard input. ``exclude`` patterns add to
    the ``EXCLUDE_URLS`` setting; ``all_links`` sets ``ALL_LINKS``."""
    from crawler.jobs.listing import list_findings

    overrides = dict(settings or {})
    if all_links:
        overrides["ALL_LINKS"] = True
    if exclude:
        overrides["EXCLUDE_URLS"] = [*config.get(overrides, "EXCLUDE_URLS"), *exclude]
    for warning in config.check(overrides):
        warnings.warn(warning, SettingWarning, stacklevel=2)
    yield from list_findings(paths, max_bytes=config.get(overrides, "DOCUMENT_MAX_BYTES"),
                             follow_links=config.get(overrides, "DOCUMENT_FOLLOW_LINKS"),
                             options=config.discovery(overrides))
