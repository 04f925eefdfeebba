"""sourcekeeper: archive the sources your documents cite.

The Python API is :mod:`crawler.api`, re-exported here (``crawler.crawl(...)``,
``crawler.search(...)``, ...). It is loaded on first use, so that processes that only need a
corner of the package (an extraction worker imports crawler.core) stay light.

The layers, each importing only those below it::

    crawler.cli      the ``sourcekeeper`` command: parse, one API call, print
    crawler.api      one function per command, typed results
    crawler.jobs     orchestration: plan, record, sessions, local and distributed runs
    crawler.storage | crawler.fetch | crawler.outputs
                     SQL | Scrapy building blocks | exports and the report
    crawler.core     the pure domain: models, URLs, discovery, extraction, change, ...

with crawler.config (every setting) and crawler.errors (every error) usable by all.
``crawler/spiders`` and ``pipelines/`` are Scrapy's entry points: thin adapters over jobs.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

# crawler.api.__all__ and __version__ (not read from crawler.api, which would load it).
__all__ = [
    "BINARY_EXPORT_FORMATS", "EXPORT_FORMATS", "REPORT_FORMATS", "Diff", "RefetchResult",
    "__version__", "body", "changes", "changes_feed", "crawl", "cron_line", "diff", "discover",
    "documents", "export", "forget", "history", "ingest", "list_urls", "recover", "refetch",
    "report", "schedule", "search", "set_interval", "show", "snapshot", "snapshot_warc",
    "snapshots", "status", "systemd_units", "url_states", "work", "write_changes", "write_report",
]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from crawler import api

        return getattr(api, name)
    raise AttributeError(f"module 'crawler' has no attribute {name!r}")
