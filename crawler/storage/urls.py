"""The URLs documents cite: one row per canonical URL, with its schedule and validators.

The due queue is read a page at a time, most overdue first, with keyset pagination on
``(next_check_at, id)``: 100,000 due URLs cost no more memory than 1,000, and a URL checked
while the queue is being read is not read again.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from crawler.core.models import Mention, Outcome, Target, UrlSchedule
from crawler.core.views import UrlInfo
from crawler.core.url import canonical
from crawler.errors import ArchiveError, InvalidURL, NotArchived
from crawler.storage.database import Database
from crawler.storage.files import LIVE_URL


def _info(row: dict[str, Any]) -> UrlInfo:
    return UrlInfo(
        id=row["id"], url=row["url"], canonical=row["canonical"], first_seen=row["first_seen"],
        next_check_at=row["next_check_at"], interval=row["interval"],
        last_checked_at=row["last_checked_at"],
        last_outcome=Outcome(row["last_outcome"]) if row["last_outcome"] else None,
        failures=row["failures"] or 0, etag=row["etag"], last_modified=row["last_modified"],
        candidate_of=row["candidate_of"], superseded_by=row["superseded_by"],
        forgotten_at=row["forgotten_at"], fixed_interval=row["fixed_interval"])


class Urls:
    def __init__(self, database: Database):
        self._db = database

    def add(self, canonical_url: str, url: str, now: str) -> int:
        """The id of a URL, adding it when it is new (in a write)."""
        self._db.conn.execute(
            "INSERT OR IGNORE INTO urls (canonical, url, first_seen) VALUES (?, ?, ?)",
            (canonical_url, url, now),
        )
        return self._db.one("SELECT id FROM urls WHERE canonical = ?", (canonical_url,))

    def cite(self, mention: Mention, now: str) -> int:
        """The id of the URL a mention cites (in a write). A URL that another reading of a
        wrapped URL replaced stands for that reading when the mention has it among its
        own readings (the same wrapped URL, in a new version of the document); cited
        otherwise, it is checked again: the new document may mean it."""
        url_id = self.add(mention.canonical, mention.url, now)
        replaced_by = self._db.one("SELECT superseded_by FROM urls WHERE id = ?", [url_id])
        if replaced_by is None:
            return url_id
        replacement = self._db.one("SELECT canonical FROM urls WHERE id = ?", [replaced_by])
        readings = set()
        for other in mention.alternatives:
            try:
                readings.add(canonical(other))
            except InvalidURL:
                continue
        if replacement in readings:
            return replaced_by
        self._db.conn.execute("UPDATE urls SET superseded_by = NULL WHERE id = ?", [url_id])
        return url_id

    def find(self, url: str) -> UrlInfo:
        """A URL as a user types it (any form that canonicalises the same)."""
        try:
            key = canonical(url)
        except InvalidURL:
            key = url
        # By its canonical form (indexed), else as written (a scan, rare: a URL whose form
        # canonicalises differently now); one query with OR would scan every time.
        for sql, value in (("SELECT * FROM urls WHERE canonical = ?", key),
                           ("SELECT * FROM urls WHERE url = ? ORDER BY id LIMIT 1", url)):
            for row in self._db.rows(sql, [value]):
                return _info(row)
        raise NotArchived(f"{url}: not in the archive")

    def forget(self, url_id: int, now: str) -> None:
        """Never check a URL again (in a write), until it is re-fetched by hand."""
        self._db.conn.execute("UPDATE urls SET forgotten_at = ? WHERE id = ?", [now, url_id])

    def remember(self, url_id: int) -> None:
        """Check a forgotten URL again (in a write): a re-fetch by hand asks for it."""
        self._db.conn.execute("UPDATE urls SET forgotten_at = NULL WHERE id = ?", [url_id])

    def all(self) -> Iterator[UrlInfo]:
        for row in self._db.rows("SELECT * FROM urls ORDER BY id"):
            yield _info(row)

    def listed(self, url_id: int | None = None) -> Iterator[tuple[UrlInfo, int, int]]:
        """The URLs a person sees in the archive (or only ``url_id``), each with how many
        snapshots it has and how many live documents cite it: those live documents cite or
        that were fetched by hand, not the unconfirmed or replaced readings of wrapped
        URLs."""
        only = "" if url_id is None else " AND u.id = ?"
        for row in self._db.rows(
                "SELECT u.*, (SELECT count(*) FROM snapshots s WHERE s.url_id = u.id)"
                " AS snapshot_count, (SELECT count(DISTINCT m.document_id) FROM mentions m"
                " JOIN files f ON f.document_id = m.document_id AND f.state = 'live'"
                " WHERE m.url_id = u.id) AS document_count FROM urls u"
                f" WHERE candidate_of IS NULL AND superseded_by IS NULL AND {LIVE_URL}{only}"
                " ORDER BY u.id", [] if url_id is None else [url_id]):
            yield _info(row), row["snapshot_count"], row["document_count"]

    def schedule(self, url_id: int) -> UrlSchedule:
        row = self._db.conn.execute(
            "SELECT interval, failures, last_outcome, last_checked_at, next_check_at,"
            " fixed_interval FROM urls WHERE id = ?", [url_id]).fetchone()
        if row is None:
            return UrlSchedule()
        interval, failures, outcome, checked, due, fixed = row
        return UrlSchedule(interval, failures or 0, Outcome(outcome) if outcome else None,
                           checked, due, fixed)

    def fix_interval(self, url_id: int, interval: float | None, next_check_at: str | None
                     ) -> None:
        """Check a URL every ``interval`` seconds from ``next_check_at`` on, whatever it does
        (None: the adaptive schedule again, from its next check as it stands; in a write)."""
        update: dict[str, Any] = {"fixed_interval": interval}
        if interval is not None:
            update.update(interval=interval, next_check_at=next_check_at)
        self._db.db["urls"].update(url_id, update)

    def failing(self) -> list[int]:
        """The URLs whose last check failed, among those a crawl of the archive checks."""
        return [row["id"] for row in self._db.rows(
            "SELECT id FROM urls WHERE last_outcome = 'failed' AND candidate_of IS NULL"
            f" AND superseded_by IS NULL AND forgotten_at IS NULL AND {LIVE_URL} ORDER BY id")]

    def set_schedule(self, url_id: int, schedule: UrlSchedule,
                     etag: str | None = None, last_modified: str | None = None,
                     keep_validators: bool = False) -> None:
        """Store a URL's new schedule and, unless ``keep_validators``, the validators for its
        next conditional request (in a write)."""
        update: dict[str, Any] = {
            "interval": schedule.interval, "failures": schedule.failures,
            "last_outcome": str(schedule.last_outcome) if schedule.last_outcome else None,
            "last_checked_at": schedule.last_checked_at,
            "next_check_at": schedule.next_check_at}
        if not keep_validators:
            update.update(etag=etag, last_modified=last_modified)
        # Plain SQL: sqlite-utils' update reads the table's columns and the row first.
        cursor = self._db.conn.execute(
            f"UPDATE urls SET {', '.join(f'{name} = ?' for name in update)} WHERE id = ?",
            [*update.values(), url_id])
        if cursor.rowcount != 1:
            raise ArchiveError(f"URL {url_id} is not in the archive")

    def add_candidate(self, canonical_url: str, url: str, of: int, now: str) -> int:
        """Add another reading of URL ``of`` (a URL wrapped across lines), not due by itself
        until a fetch confirms it (in a write); its id. A URL already archived stays as is."""
        self._db.conn.execute(
            "INSERT OR IGNORE INTO urls (canonical, url, first_seen, candidate_of)"
            " VALUES (?, ?, ?, ?)", (canonical_url, url, now, of))
        return self._db.one("SELECT id FROM urls WHERE canonical = ?", (canonical_url,))

    def candidate_of(self, url_id: int) -> int | None:
        """The URL this one is another reading of, while it is unconfirmed."""
        return self._db.one("SELECT candidate_of FROM urls WHERE id = ?", [url_id])

    def promote(self, url_id: int) -> int | None:
        """Confirm a candidate reading (in a write): it is checked like any URL from now on
        and replaces the reading it was the alternative of, whose id is returned."""
        replaced = self.candidate_of(url_id)
        if replaced is None:
            return None
        self._db.conn.execute("UPDATE urls SET candidate_of = NULL WHERE id = ?", [url_id])
        self._db.conn.execute("UPDATE urls SET superseded_by = ? WHERE id = ?",
                              [url_id, replaced])
        return replaced

    def set_next_check(self, url_id: int, when: str) -> None:
        """Make a URL due at ``when`` (in a write)."""
        self._db.conn.execute("UPDATE urls SET next_check_at = ? WHERE id = ?", (when, url_id))

    def _due_filter(self, now: str, everything: bool, document_ids: list[str] | None,
                    url_ids: list[int] | None = None) -> tuple[list[str], list[Any]]:
        # Unconfirmed readings of wrapped URLs, and URLs one replaced, are not checked.
        # Forgotten URLs neither; nor, in a run over the whole archive, URLs that only
        # missing or superseded documents cite (a person naming them checks them).
        where: list[str] = ["candidate_of IS NULL", "superseded_by IS NULL",
                            "forgotten_at IS NULL"]
        params: list[Any] = []
        if document_ids is None and url_ids is None:
            where.append(LIVE_URL)
        if not everything:
            # never checked ('') first; the form crawler.storage.schema indexes
            where.append("coalesce(next_check_at, '') <= ?")
            params.append(now)
        if document_ids is not None:
            where.append("id IN (SELECT url_id FROM mentions WHERE document_id IN"
                         " (SELECT value FROM json_each(?)))")
            params.append(json.dumps(document_ids))
        if url_ids is not None:
            where.append("id IN (SELECT value FROM json_each(?))")
            params.append(json.dumps(url_ids))
        return where, params

    def count_due(self, *, now: str, everything: bool = False,
                  document_ids: list[str] | None = None, url_ids: list[int] | None = None
                  ) -> int:
        where, params = self._due_filter(now, everything, document_ids, url_ids)
        return self._db.one("SELECT count(*) FROM urls WHERE " + " AND ".join(where), params)

    def due(self, *, now: str, everything: bool = False, limit: int | None = None,
            document_ids: list[str] | None = None, url_ids: list[int] | None = None,
            page: int = 1000) -> Iterator[Target]:
        """The URLs to check, most overdue first (never checked, then by due time), read
        ``page`` rows at a time. ``now`` is fixed for the run: a URL checked meanwhile
        (``last_checked_at`` after ``now``) is not read again. ``document_ids`` narrows them to
        the URLs those documents cite, ``url_ids`` to those URLs; ``everything`` ignores the
        schedule."""
        where, params = self._due_filter(now, everything, document_ids, url_ids)
        where.append("coalesce(last_checked_at, '') < ?")
        params.append(now)
        key = "coalesce(next_check_at, ''), id"
        cursor: list[Any] | None = None
        sent = 0
        while limit is None or sent < limit:
            conditions, values = list(where), list(params)
            if cursor is not None:
                conditions.append(f"({key}) > ({', '.join('?' * len(cursor))})")
                values.extend(cursor)
            size = page if limit is None else min(page, limit - sent)
            sql = ("SELECT id, url, etag, last_modified, coalesce(next_check_at, '') AS due"
                   " FROM urls WHERE " + " AND ".join(conditions)
                   + f" ORDER BY {key} LIMIT {int(size)}")
            rows = list(self._db.rows(sql, values))
            for row in rows:
                yield Target(row["id"], row["url"], row["etag"], row["last_modified"])
            sent += len(rows)
            if len(rows) < size:
                return
            cursor = [rows[-1]["due"], rows[-1]["id"]]
