"""sourcekeeper as a library: every command is one function here.

Functions take plain values (paths, URLs, a mapping of settings) and return typed records
(crawler.core.models) or write a file; they raise the errors of crawler.errors and print
nothing. The ``sourcekeeper`` command is a thin layer over them, and so can your code::

    import crawler

    result = crawler.crawl(["notes/"], db="archive.db")
    print(result.summary)
    for hit in crawler.search("withdraw troops", db="archive.db"):
        print(hit.where, hit.snippet)

``db`` defaults to ``$SOURCEKEEPER_DB``, else ``sourcekeeper.db``. ``settings`` are the same
names as ``-s KEY=VALUE`` (crawler.config lists ours; Scrapy's work too). A crawl runs Scrapy
in this process, and Scrapy's reactor cannot restart: call :func:`crawl` or :func:`refetch`
once per process (``schedule`` starts a process per run).

Modules below are imported when a function needs them, so that importing this one (and
``sourcekeeper --help``) stays quick.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from crawler import config
from crawler.core.models import CrawlResult, DocumentFindings
from crawler.core.views import (
    ArchiveStatus, Change, Diff, DocumentInfo, DocumentReport, Forgotten, HistoryEntry,
    RefetchResult, SearchHit, SnapshotRecord, UrlInfo,
)
from crawler.errors import SettingWarning
from crawler.outputs.exporters import BINARY as BINARY_EXPORT_FORMATS  # noqa: F401 (for the CLI)
from crawler.outputs.exporters import FORMATS as EXPORT_FORMATS
from crawler.outputs.report_formats import FORMATS as REPORT_FORMATS

if TYPE_CHECKING:
    from crawler.storage import Archive

__all__ = [
    "EXPORT_FORMATS", "REPORT_FORMATS", "Diff", "RefetchResult", "changes", "crawl",
    "cron_line", "diff", "discover", "documents", "export", "history", "ingest", "list_urls",
    "refetch", "report", "schedule", "search", "snapshots", "status", "work", "write_report",
]


def _db(db: str | None) -> str:
    return db or config.default_db()


@contextmanager
def _archive(db: str | None) -> Iterator[Archive]:
    from crawler.storage import Archive

    archive = Archive(_db(db))
    try:
        yield archive
    finally:
        archive.close()


def _settings(db: str | None, settings: Mapping[str, Any] | None) -> Any:
    """Scrapy settings for a run: ours, the caller's, the archive; checked before anything
    starts (a bad value raises SettingError; an unknown name warns)."""
    overrides = {**(settings or {}), "ARCHIVE_DB": _db(db)}
    for warning in config.check(overrides):
        warnings.warn(warning, SettingWarning, stacklevel=3)
    return config.project_settings(overrides)


# Fetching.

def crawl(paths: list[str] | tuple[str, ...] = (), *, db: str | None = None,
          everything: bool = False, limit: int | None = None,
          settings: Mapping[str, Any] | None = None, redis: str | None = None,
          prefix: str | None = None, write: bool = True) -> CrawlResult:
    """Read the documents under ``paths`` and check the URLs they cite that are due (without
    ``paths``, every archived URL that is due; ``everything`` ignores the schedule; at most
    ``limit``). With ``redis``, workers fetch through that Redis and this process writes
    what they send back (or only queues the URLs when not ``write``).

    Returns how the run ended; a run cut short by a signal or a failing archive is a result
    too (see :meth:`CrawlResult.error`). Raises ArchiveError, LockHeld or SettingError before
    anything is fetched."""
    from crawler.core.models import CrawlJob

    job = CrawlJob(tuple(str(path) for path in paths), everything, limit)
    scrapy_settings = _settings(db, settings)
    if redis is None:
        from crawler.jobs.local import crawl as crawl_here

        return crawl_here(job, scrapy_settings)
    from crawler.jobs.distributed import require_redis
    from crawler.jobs.signals import StopFlag

    require_redis("crawl --redis")
    from crawler.jobs.distributed.coordinator import coordinate
    from crawler.jobs.distributed.relay import Relay, connect, relay_errors

    relay = Relay(connect(redis, config.get(scrapy_settings, "RELAY_CONNECT_WAIT")),
                  prefix or config.get(scrapy_settings, "RELAY_PREFIX"))
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

    scrapy_settings = _settings(db, {**_ASKED, **(settings or {})})
    for url in urls:
        fetchable(url)
    run = crawl_here(CrawlJob(urls=tuple(urls), ignore_robots=ignore_robots), scrapy_settings)
    if (error := run.error("refetch")) is not None:
        raise error
    checks = {check.url_id: check for check in run.checks}
    answers = []
    with _archive(db) as archive:
        for url in urls:
            check = checks.get(archive.urls.find(url).id)
            if check is None:
                raise RunFailed(f"{url}: failed: no answer recorded")
            taken = archive.snapshots.taken_at(check.snapshot_id) if check.snapshot_id else None
            answers.append(RefetchResult(url, check.outcome, check.reason, check.snapshot_id,
                                         check.change, run, taken))
    return answers


def cron_line(paths: list[str], *, db: str | None = None, every: float,
              allow_private: bool = False, settings: list[str] | None = None,
              verbose: int = 0) -> str:
    """The crontab line that crawls ``paths`` every ``every`` seconds, with a comment line
    before it when cron can only keep a nearby interval."""
    from crawler.jobs.repeat import crawl_command, crontab_line

    command = crawl_command(paths, _db(db), allow_private=allow_private, settings=settings,
                            verbose=verbose)
    return crontab_line(command, every, _db(db))


def systemd_units(paths: list[str], *, db: str | None = None, every: float,
                  allow_private: bool = False, settings: list[str] | None = None,
                  verbose: int = 0) -> str:
    """A systemd service and timer that crawl ``paths`` every ``every`` seconds exactly."""
    from crawler.jobs.repeat import crawl_command, systemd_units as units

    return units(crawl_command(paths, _db(db), allow_private=allow_private, settings=settings,
                               verbose=verbose), every)


def schedule(paths: list[str], *, db: str | None = None, every: float,
             allow_private: bool = False, settings: list[str] | None = None, verbose: int = 0,
             max_runs: int | None = None,
             on_run: Callable[[int, int, str], None] = lambda run, code, next_at: None) -> int:
    """Crawl ``paths`` every ``every`` seconds, one process per run, until stopped (or
    ``max_runs``); ``on_run`` gets each run's number, exit code and next start."""
    from crawler.jobs.repeat import crawl_command, repeat

    command = crawl_command(paths, _db(db), allow_private=allow_private, settings=settings,
                            verbose=verbose)
    return repeat(command, every, max_runs=max_runs, on_run=on_run)


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
    from crawler.jobs.distributed.relay import Relay, connect, relay_errors
    from crawler.storage import Archive, RunLock

    overrides = {**(settings or {}), "ARCHIVE_DB": _db(db)}
    for warning in config.check(overrides):
        warnings.warn(warning, SettingWarning, stacklevel=2)
    relay = Relay(connect(redis, config.get(overrides, "RELAY_CONNECT_WAIT")),
                  prefix or config.get(overrides, "RELAY_PREFIX"))
    with Archive(_db(db), lock_timeout=config.get(overrides, "ARCHIVE_LOCK_TIMEOUT")) as archive:
        archive.check_writable()
        with RunLock(archive.path, "ingest"), relay_errors(redis):
            writer = Writer(archive, relay, config.schedule(overrides))
            write_items(relay, writer.record, until_done=False, stopping=StopFlag(),
                        grace=config.get(overrides, "RELAY_REQUEUE_AFTER"),
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
                             options=config.discovery(overrides))


# Reading.

def status(*, db: str | None = None, runs: int = config.STATUS_RUNS) -> ArchiveStatus:
    """The archive at a glance: documents, URLs, snapshots, what is due and failing, and the
    last ``runs`` runs."""
    from crawler.core.clock import utcnow

    with _archive(db) as archive:
        return archive.reads.status(utcnow(), runs)


def documents(*, db: str | None = None) -> list[DocumentInfo]:
    """Every archived document (its id, path, when it was read, its text), by path."""
    with _archive(db) as archive:
        return list(archive.documents.info())


def list_urls(*, db: str | None = None) -> list[UrlInfo]:
    """Every archived URL with its schedule."""
    with _archive(db) as archive:
        return list(archive.urls.all())


def history(url: str, *, db: str | None = None) -> list[HistoryEntry]:
    """Every check of ``url`` (any form of it), oldest first. Raises NotArchived."""
    with _archive(db) as archive:
        return archive.checks.history(archive.urls.find(url).id)


def search(query: str, *, db: str | None = None, limit: int = config.SEARCH_LIMIT,
           all_versions: bool = False) -> list[SearchHit]:
    """Archived pages and documents matching ``query`` (every word; "phrases", word*, OR,
    NOT, -word, NEAR(...)), best first: each page once (its newest matching version), or
    every version with ``all_versions``. Raises InvalidQuery."""
    with _archive(db) as archive:
        return archive.reads.search(query, limit, all_versions)


def snapshots(*, db: str | None = None, url: str | None = None, document: str | None = None,
              since: str | None = None, until: str | None = None,
              latest: bool = False) -> Iterator[SnapshotRecord]:
    """Archived snapshots, oldest first, streamed: of one URL, of the URLs a document (id or
    path) cites, fetched since/until an archive time, only the newest of each URL."""
    with _archive(db) as archive:
        yield from archive.snapshots.records(_filter(archive, url, document, since, until,
                                                     latest))


def body(sha256: str, *, db: str | None = None) -> bytes | None:
    """A body as it was received (decompressed), by its sha256; None when not stored."""
    with _archive(db) as archive:
        return archive.snapshots.body(sha256)


def _moment(text: str | None, end: bool = False) -> str | None:
    """An ISO date or date-time as archive time; raises InvalidTime."""
    from crawler.core.clock import parse_moment

    return parse_moment(text, end) if text else None


def _document_ids(archive: Archive, document: str) -> list[str]:
    """The current versions of the document(s) at a path (a file or a folder, typed
    relative or absolute), or with an id; raises NotArchived."""
    from pathlib import Path

    from crawler.jobs.document_files import document_key

    key = document_key(document, Path(archive.path).resolve().parent)
    return archive.documents.ids(document, key)


def _filter(archive: Archive, url: str | None, document: str | None, since: str | None,
            until: str | None, latest: bool) -> Any:
    from crawler.storage.snapshots import SnapshotFilter

    return SnapshotFilter(
        url_id=archive.urls.find(url).id if url else None,
        document_ids=tuple(_document_ids(archive, document)) if document else None,
        since=_moment(since), until=_moment(until, end=True), latest=latest)


def export(destination: str = "-", *, format: str = "jsonl", db: str | None = None,
           url: str | None = None, document: str | None = None, since: str | None = None,
           until: str | None = None, latest: bool = False, checks: bool = False,
           excel: bool = False) -> int:
    """Write snapshots to ``destination`` (``-`` for stdout) as ``jsonl``, ``csv`` or
    ``warc``, replacing a file only when complete; return how many were written. With
    ``checks``, every check instead (failures included; JSONL or CSV); ``excel`` makes a
    CSV that Excel opens as written. Raises UsageError for WARC of checks."""
    import os

    from crawler.outputs.exporters import BINARY, EXPORTERS
    from crawler.outputs.atomic_file import output

    with _archive(db) as archive:
        chosen = _filter(archive, url, document, since, until, latest)
        if checks and format in BINARY:
            from crawler.errors import UsageError

            raise UsageError("--checks exports checks as jsonl or csv, not as WARC (a failed "
                             "check has no response to store)")
        records = (archive.checks.records(chosen) if checks
                   else archive.snapshots.records(chosen))
        with output(destination, binary=format in BINARY) as stream:
            return EXPORTERS[format](records, stream, body=archive.snapshots.body,
                                     filename=os.path.basename(destination), checks=checks,
                                     excel=excel)


def report(*, db: str | None = None, document: str | None = None) -> list[DocumentReport]:
    """Per document (or only ``document``, id or path): every cited source's state and how
    much of the document it carries; documents needing attention first."""
    from crawler.jobs.report import build

    with _archive(db) as archive:
        return build(archive, _document_ids(archive, document) if document else None)


def write_report(destination: str = "-", *, format: str = "text", db: str | None = None,
                 document: str | None = None) -> int:
    """Write the report as ``text``, ``json``, ``csv`` or ``html``; return its documents."""
    from crawler.outputs.atomic_file import output
    from crawler.outputs.report_formats import RENDERERS

    entries = report(db=db, document=document)
    with output(destination) as stream:
        RENDERERS[format](entries, stream)
    return len(entries)


def diff(url: str, *, db: str | None = None, since: str | None = None,
         until: str | None = None) -> Diff | None:
    """How ``url``'s text changed between the snapshot current at ``since`` (default: the one
    before ``until``'s) and the one current at ``until`` (default: the latest); None when
    there are fewer than two. A date alone means its end."""
    from crawler.jobs.compare import compare

    with _archive(db) as archive:
        return compare(archive, url, _moment(since, end=True), _moment(until, end=True))


def forget(target: str, *, db: str | None = None, purge: bool = False) -> Forgotten:
    """Stop checking ``target``: a URL, or a document (path, folder or id) whose URLs are
    then checked only for other documents. Snapshots are kept, or with ``purge`` deleted
    (with a document's versions and bodies nothing else uses). Raises NotArchived."""
    from crawler.jobs.forgetting import forget as forget_target

    with _archive(db) as archive:
        return forget_target(archive, target, purge=purge)


def changes(*, db: str | None = None, everything: bool = False) -> list[Change]:
    """URLs whose page changed materially (its article, or its visible text outside the
    article), most recent first; ``everything``: churn such as time stamps too."""
    with _archive(db) as archive:
        return archive.reads.changes(everything)
