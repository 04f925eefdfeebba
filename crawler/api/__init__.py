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
``sourcekeeper --help``) stays quick. The functions live in private modules by what they do
(``_fetching``, ``_reading``); this module is the one to import.
"""

from __future__ import annotations

from crawler.api._fetching import (
    crawl, cron_line, discover, ingest, recover, refetch, schedule, set_interval, systemd_units,
    work,
)
from crawler.api._reading import (
    body, changes, changes_feed, diff, documents, export, forget, history, list_urls, report,
    search, show, snapshot, snapshot_warc, snapshots, status, url_states, write_changes,
    write_report,
)
from crawler.core.views import Diff, RefetchResult
from crawler.outputs.exporters import BINARY as BINARY_EXPORT_FORMATS
from crawler.outputs.exporters import FORMATS as EXPORT_FORMATS
from crawler.outputs.report_formats import FORMATS as REPORT_FORMATS

__all__ = [
    "BINARY_EXPORT_FORMATS", "EXPORT_FORMATS", "REPORT_FORMATS", "Diff", "RefetchResult", "body",
    "changes", "changes_feed", "crawl", "cron_line", "diff", "discover", "documents", "export",
    "forget", "history", "ingest", "list_urls", "recover", "refetch", "report", "schedule", "search",
    "set_interval", "show", "snapshot", "snapshot_warc", "snapshots", "status", "systemd_units",
    "url_states", "work", "write_changes", "write_report",
]
