"""How the archive pipelines find the run's archive session."""

from __future__ import annotations

from typing import Any

from crawler.jobs.session import ArchiveSession


def session_of(crawler: Any) -> ArchiveSession:
    """The archive session of the crawl (the ``sources`` spider owns it)."""
    session = getattr(crawler.spider, "session", None)
    if not isinstance(session, ArchiveSession):
        raise TypeError(f"spider {crawler.spider.name!r} has no archive session: the archive "
                        "pipelines go with the 'sources' spider")
    return session
