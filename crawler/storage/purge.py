"""Deleting what a user asked to forget with ``--purge``: a URL's snapshots and checks, a
document's versions, and the bodies nothing points to any more.

Deleting evidence is the one thing sourcekeeper otherwise never does, so it lives here, apart,
every method in a write of the caller's (crawler.jobs.forgetting), each returning how much it
deleted so that the command can say so plainly.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from crawler.storage.database import Database


def _json(values: Iterable[object]) -> str:
    return json.dumps(list(values))


class Purge:
    def __init__(self, database: Database):
        self._db = database

    def snapshot_count(self, url_ids: Iterable[int]) -> int:
        return self._db.one("SELECT count(*) FROM snapshots WHERE url_id IN"
                            " (SELECT value FROM json_each(?))", [_json(url_ids)])

    def url_history(self, url_ids: Iterable[int]) -> tuple[int, int]:
        """Delete the snapshots, checks and web-archive look-ups of these URLs, and the
        bodies only they used; return (snapshots, bodies) deleted."""
        ids = _json(url_ids)
        conn = self._db.conn
        shas = {row[0] for row in conn.execute(
            "SELECT body_sha256 FROM snapshots WHERE url_id IN (SELECT value FROM json_each(?))"
            " UNION SELECT raw_sha256 FROM snapshots WHERE url_id IN"
            " (SELECT value FROM json_each(?)) AND raw_sha256 IS NOT NULL", [ids, ids])}
        conn.execute("DELETE FROM coverage WHERE snapshot_id IN (SELECT id FROM snapshots"
                     " WHERE url_id IN (SELECT value FROM json_each(?)))", [ids])
        for table in ("checks", "memento_lookups", "cited_mementos", "wayback_saves"):
            conn.execute(f"DELETE FROM {table} WHERE url_id IN (SELECT value FROM json_each(?))",
                         [ids])
        snapshots = conn.execute("DELETE FROM snapshots WHERE url_id IN"
                                 " (SELECT value FROM json_each(?))", [ids]).rowcount
        bodies = conn.execute(
            "DELETE FROM bodies WHERE sha256 IN (SELECT value FROM json_each(?))"
            " AND sha256 NOT IN (SELECT body_sha256 FROM snapshots WHERE body_sha256 IS NOT NULL)"
            " AND sha256 NOT IN (SELECT raw_sha256 FROM snapshots WHERE raw_sha256 IS NOT NULL)",
            [_json(shas)]).rowcount
        return snapshots, bodies

    def urls(self, url_ids: Iterable[int]) -> int:
        """Delete URL rows (after their history, and once nothing cites them)."""
        return self._db.conn.execute(
            "DELETE FROM urls WHERE id IN (SELECT value FROM json_each(?)) AND id NOT IN"
            " (SELECT url_id FROM mentions)", [_json(url_ids)]).rowcount

    def documents(self, document_ids: Iterable[str]) -> int:
        """Delete document versions that no path holds any more, with their mentions and
        coverage; return how many were deleted."""
        ids = _json(document_ids)
        conn = self._db.conn
        unheld = ("SELECT value FROM json_each(?) WHERE value NOT IN"
                  " (SELECT document_id FROM files)")
        conn.execute(f"DELETE FROM coverage WHERE document_id IN ({unheld})", [ids])
        conn.execute(f"DELETE FROM mentions WHERE document_id IN ({unheld})", [ids])
        return conn.execute(f"DELETE FROM documents WHERE id IN ({unheld})", [ids]).rowcount
