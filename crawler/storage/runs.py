"""Runs: every crawl and re-fetch, from start to end, with its counts and how it ended."""

from __future__ import annotations

import json
from typing import Any

from crawler.core.models import CrawlJob, RunCounts, RunStatus
from crawler.core.url import without_credentials
from crawler.core.views import RunInfo
from crawler.storage.database import Database


class Runs:
    def __init__(self, database: Database):
        self._db = database

    def start(self, job: CrawlJob, pid: int, now: str) -> int:
        """Record a run of ``job`` as ``running`` (in a write); return its id."""
        args: dict[str, Any] = {"documents": list(job.paths),
                                "urls": [without_credentials(url) for url in job.urls],
                                "all": job.everything, "limit": job.limit}
        if job.relay_prefix is not None:
            args["redis"] = job.relay_prefix
        if job.recheck is not None:
            args["recheck"] = {"urls": [without_credentials(url) for url in job.recheck.urls],
                               "documents": list(job.recheck.documents),
                               "failing": job.recheck.failing}
        return self._db.db["runs"].insert({
            "command": job.command, "args": json.dumps(args), "pid": pid,
            "started_at": now, "status": str(RunStatus.RUNNING)}).last_pk

    def finish(self, run_id: int, status: RunStatus, counts: RunCounts, now: str,
               reason: str | None = None) -> None:
        """Record how a run ended and what it did (in a write)."""
        self._db.db["runs"].update(run_id, {
            "documents": counts.documents_read, "urls": counts.urls_due, "new": counts.new,
            "changed": counts.changed, "unchanged": counts.unchanged, "failed": counts.failed,
            "html_changed": counts.html_changed, "churn": counts.churn, "ended_at": now, "status": str(status), "reason": reason})

    def refuse(self, reason: str, now: str) -> None:
        """Count an item a distributed crawl's writer refused, and why (in a write)."""
        self._db.db["refused_items"].insert({"at": now, "reason": reason[:1000]})

    def refused(self) -> tuple[int, str | None]:
        """How many items were refused, and the latest reason."""
        count = self._db.one("SELECT count(*) FROM refused_items")
        latest = self._db.one("SELECT reason FROM refused_items ORDER BY id DESC LIMIT 1")
        return count or 0, latest

    def interrupt_stale(self, command: str) -> int:
        """Mark runs of ``command`` still shown as running as ``interrupted`` (in a write):
        called by the holder of the run lock, so no such run can still be going."""
        return self._db.conn.execute(
            "UPDATE runs SET status = ? WHERE status = ? AND command = ?",
            [str(RunStatus.INTERRUPTED), str(RunStatus.RUNNING), command]).rowcount

    def recent(self, limit: int) -> tuple[RunInfo, ...]:
        """The newest runs, newest first."""
        return tuple(
            RunInfo(**{**row, **{key: row[key] or 0 for key in (
                "documents", "urls", "new", "changed", "unchanged", "failed", "html_changed",
                "churn")}})
            for row in self._db.rows(
                "SELECT id, command, started_at, ended_at, status, reason, documents, urls,"
                " new, changed, unchanged, failed, html_changed, churn FROM runs ORDER BY id DESC LIMIT ?", [limit]))
