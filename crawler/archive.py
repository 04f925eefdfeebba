"""The archive: one SQLite file (WAL mode) holding documents, the URLs they cite, timestamped
snapshots of those URLs and every check and failure.

Tables:
- ``documents``: id (sha256 of the file's bytes), path, kind, encoding, size, text, read_at;
- ``urls``: id, canonical (unique dedupe key), url (the form we fetch), first_seen;
- ``mentions``: which document cites which URL, the URL as written, role, anchor text, line;
- ``bodies``: raw response bodies, compressed, stored once per distinct sha256;
- ``snapshots``: one row per distinct content seen at a URL: fetch time (UTC), status, final
  URL, headers, content type, body and text hashes, extracted text and metadata;
- ``checks``: every fetch attempt and its outcome (new, changed, unchanged, failed + reason);
- ``runs``: every crawl run, with its counts and how it ended.

A fetch whose extracted text equals the latest snapshot's adds a ``checks`` row only: a
nightly re-crawl of unchanged pages costs almost nothing. Writes take the write lock up front
(``BEGIN IMMEDIATE``) and are retried with tenacity while another process holds it, so a
crawl, a re-fetch and an export can share the file.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

try:
    from compression import zstd  # Python 3.14+
except ImportError:
    from backports import zstd
from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_exponential_jitter

from crawler.change import similarity
from crawler.discovery import Mention
from crawler.document import Document
from crawler.schema import SCHEMA_VERSION, migrate
from crawler.schedule import Schedule

BUSY_TIMEOUT_MS = 200
DEFAULT_LOCK_TIMEOUT = 120.0
ZSTD_LEVEL = 10
OUTCOMES = ("new", "changed", "unchanged", "failed")


class ArchiveError(Exception):
    """The archive cannot be used; ``str()`` names the file and the reason."""


class ArchiveUnavailable(ArchiveError):
    """The file cannot be opened or created as an archive (missing folder, not a database,
    no permission, newer schema)."""


class ArchiveWriteError(ArchiveError):
    """A write failed for a reason retrying will not cure (disk full, read-only file)."""


def compress(data: bytes) -> tuple[str, bytes]:
    """Bodies are stored with zstd level 10: on the news-pages corpus 5.5x smaller at about
    100 MB/s, against zlib's 5.0x at 76 MB/s (bench/compression.py)."""
    return "zstd", zstd.compress(data, ZSTD_LEVEL)


def decompress(codec: str, data: bytes) -> bytes:
    if codec == "zstd":
        return zstd.decompress(data)
    if codec == "zlib":
        return zlib.decompress(data)
    return data


def utcnow() -> str:
    """Now in UTC as ISO 8601 with milliseconds and a ``Z``: sortable as text."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _is_lock_error(exc: BaseException) -> bool:
    message = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in message or "busy" in message)


class Archive:
    """An open archive file. Not thread-safe: give each thread its own ``Archive``."""

    def __init__(self, path: str | Path, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
                 schedule: Schedule | None = None):
        self.path = str(path)
        self.schedule = schedule or Schedule()
        self._retrying = Retrying(
            retry=retry_if_exception(_is_lock_error),
            wait=wait_exponential_jitter(multiplier=0.05, max=2.0),
            stop=stop_after_delay(lock_timeout),
            reraise=True,
        )
        try:
            if Path(self.path).is_dir():
                raise ArchiveUnavailable(f"{self.path}: is a folder, not an archive file")
            if not Path(self.path).resolve().parent.is_dir():
                raise ArchiveUnavailable(f"{self.path}: its folder does not exist")
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self.db = Database(conn)
            self._call(self._prepare)
        except sqlite3.Error as exc:
            raise ArchiveUnavailable(f"{self.path}: {exc}") from None

    def close(self) -> None:
        self.db.close()

    def check_writable(self) -> None:
        """Raise :class:`ArchiveUnavailable` now, rather than mid-crawl, if the file or its
        folder is read-only."""
        try:
            self.db.conn.execute("BEGIN IMMEDIATE")
            self.db.conn.execute("ROLLBACK")
        except sqlite3.OperationalError as exc:
            raise ArchiveUnavailable(f"{self.path}: cannot be written ({exc})") from None

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _call(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        """Run ``function``, retrying while another process holds the write lock."""
        try:
            return self._retrying(function, *args, **kwargs)
        except sqlite3.OperationalError as exc:
            message = str(exc).lower()
            if "full" in message or "readonly" in message or "disk i/o" in message:
                raise ArchiveWriteError(f"{self.path}: {exc}") from None
            raise

    @contextmanager
    def _write(self) -> Iterator[None]:
        self.db.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.conn.execute("ROLLBACK")
            raise
        self.db.conn.execute("COMMIT")

    def _prepare(self) -> None:
        conn = self.db.conn
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA foreign_keys = ON")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise ArchiveUnavailable(
                f"{self.path}: made by a newer sourcekeeper (schema {version}); upgrade first"
            )
        if self.db.journal_mode != "wal":
            self.db.enable_wal()
        conn.execute("PRAGMA synchronous = NORMAL")
        if version < SCHEMA_VERSION:
            with self._write():
                migrate(self.db, version)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    # Documents and the URLs they cite.

    def add_document(self, document: Document, mentions: list[Mention]) -> bool:
        """Store a document and its mentions; False when it was already archived."""
        return self._call(self._add_document, document, mentions)

    def _add_document(self, document: Document, mentions: list[Mention]) -> bool:
        now = utcnow()
        with self._write():
            cursor = self.db.conn.execute(
                "INSERT OR IGNORE INTO documents (id, path, kind, encoding, size, text, read_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (document.id, document.path, document.kind, document.encoding, document.size,
                 document.text, now),
            )
            if cursor.rowcount == 0:
                return False
            for mention in mentions:
                url_id = self._url_id(mention.canonical, mention.url, now)
                self.db.conn.execute(
                    "INSERT OR IGNORE INTO mentions (document_id, url_id, written, role, anchor,"
                    " line) VALUES (?, ?, ?, ?, ?, ?)",
                    (document.id, url_id, mention.written, mention.role, mention.anchor,
                     mention.line),
                )
        return True

    def _url_id(self, canonical: str, url: str, now: str) -> int:
        self.db.conn.execute(
            "INSERT OR IGNORE INTO urls (canonical, url, first_seen) VALUES (?, ?, ?)",
            (canonical, url, now),
        )
        row = self.db.conn.execute("SELECT id FROM urls WHERE canonical = ?", (canonical,))
        return row.fetchone()[0]

    def add_url(self, canonical: str, url: str) -> int:
        """The id of a URL, adding it (cited by no document) when it is new."""

        def add() -> int:
            with self._write():
                return self._url_id(canonical, url, utcnow())

        return self._call(add)

    # Snapshots, checks and failures.

    def latest_snapshot(self, url_id: int) -> dict[str, Any] | None:
        """The newest snapshot's ``id``, ``body_sha256`` and ``text_sha256`` for a URL."""
        rows = self.db.query(
            "SELECT id, body_sha256, text_sha256 FROM snapshots WHERE url_id = ?"
            " ORDER BY id DESC LIMIT 1",
            [url_id],
        )
        return next(iter(rows), None)

    def has_body(self, body_sha256: str) -> bool:
        rows = self.db.execute("SELECT 1 FROM bodies WHERE sha256 = ?", [body_sha256])
        return rows.fetchone() is not None

    def record_snapshot(
        self, snapshot: dict[str, Any], body: bytes | None, *, raw: bytes | None = None,
        packed: tuple[str, bytes] | None = None,
        etag: str | None = None, last_modified: str | None = None,
    ) -> tuple[str, int]:
        """Archive a fetched page; return ``(outcome, snapshot_id)``.

        ``snapshot`` holds the ``snapshots`` columns (``url_id``, ``run_id``, ``fetched_at``,
        ``status``, ``body_sha256``, ``text_sha256``, ...). When its text (or, for pages with
        no text, its body) equals the latest snapshot's, only a check is recorded and the
        outcome is ``unchanged``; otherwise the body (once per sha256) and a new snapshot are
        stored and the outcome is ``new`` or ``changed``. ``body`` may be None when the caller
        knows the archive already holds it; ``packed`` is ``body`` already compressed (by
        an extraction worker); ``raw`` is the body as sent on the wire when it was
        content-encoded (``raw_sha256``). ``etag`` and ``last_modified`` are kept for the
        next conditional request.
        """
        blobs = []
        for data, key in ((body, "body_sha256"), (raw, "raw_sha256")):
            if data is not None and snapshot.get(key) and not self.has_body(snapshot[key]):
                codec_and_data = packed if key == "body_sha256" and packed else compress(data)
                blobs.append((snapshot[key], len(data), *codec_and_data))
        validators = {"etag": etag, "last_modified": last_modified}
        return self._call(self._record_snapshot, snapshot, blobs, validators)

    def _record_snapshot(
        self, snapshot: dict[str, Any], blobs: list[tuple[str, int, str, bytes]],
        validators: dict[str, str | None],
    ) -> tuple[str, int]:
        conn = self.db.conn
        with self._write():
            latest = self.latest_snapshot(snapshot["url_id"])
            key = "text_sha256" if snapshot.get("text_sha256") else "body_sha256"
            check = {"url_id": snapshot["url_id"], "run_id": snapshot.get("run_id"),
                     "checked_at": snapshot["fetched_at"], "status": snapshot.get("status"),
                     "final_url": snapshot.get("final_url")}
            if latest is not None and latest[key] == snapshot[key]:
                self.db["checks"].insert({**check, "outcome": "unchanged",
                                          "snapshot_id": latest["id"]})
                self._reschedule(snapshot["url_id"], "unchanged", snapshot["fetched_at"],
                                 validators)
                return "unchanged", latest["id"]
            for sha, size, codec, compressed in blobs:
                conn.execute(
                    "INSERT OR IGNORE INTO bodies (sha256, size, codec, data) VALUES (?, ?, ?, ?)",
                    (sha, size, codec, compressed),
                )
            if latest is not None:
                previous = self.db.execute(
                    "SELECT text FROM snapshots WHERE id = ?", [latest["id"]]).fetchone()[0]
                snapshot = {**snapshot, "similarity": similarity(previous, snapshot.get("text"))}
            snapshot_id = self.db["snapshots"].insert(snapshot).last_pk
            outcome = "new" if latest is None else "changed"
            self.db["checks"].insert({**check, "outcome": outcome, "snapshot_id": snapshot_id})
            self._reschedule(snapshot["url_id"], outcome, snapshot["fetched_at"], validators)
            return outcome, snapshot_id

    def record_not_modified(
        self, url_id: int, *, run_id: int | None, checked_at: str, final_url: str | None,
        etag: str | None = None, last_modified: str | None = None,
    ) -> tuple[str, int | None]:
        """Record a ``304 Not Modified``: the latest snapshot still stands.

        Returns ``("unchanged", snapshot_id)``, or ``("failed", None)`` when there is no
        snapshot to stand (a server answering 304 to a request we did not make conditional).
        """

        def record() -> tuple[str, int | None]:
            with self._write():
                latest = self.latest_snapshot(url_id)
                row = {"url_id": url_id, "run_id": run_id, "checked_at": checked_at,
                       "status": 304, "final_url": final_url}
                if latest is None:
                    reason = "HTTP 304 Not Modified, but no snapshot is archived"
                    self.db["checks"].insert({**row, "outcome": "failed", "reason": reason})
                    self._reschedule(url_id, "failed", checked_at, {})
                    return "failed", None
                self.db["checks"].insert({**row, "outcome": "unchanged",
                                          "snapshot_id": latest["id"]})
                self._reschedule(url_id, "unchanged", checked_at,
                                 {"etag": etag, "last_modified": last_modified})
                return "unchanged", latest["id"]

        return self._call(record)

    def record_failure(
        self, url_id: int, reason: str, *, run_id: int | None = None,
        checked_at: str | None = None, status: int | None = None, final_url: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        """Record a fetch that produced no snapshot (DNS, timeout, HTTP error, robots.txt);
        ``retry_after`` (seconds, from the server) delays the next check."""
        checked_at = checked_at or utcnow()
        row = {"url_id": url_id, "run_id": run_id, "checked_at": checked_at,
               "outcome": "failed", "status": status, "final_url": final_url, "reason": reason}

        def insert() -> None:
            with self._write():
                self.db["checks"].insert(row)
                self._reschedule(url_id, "failed", checked_at, {}, retry_after)

        self._call(insert)

    def _reschedule(self, url_id: int, outcome: str, checked_at: str,
                    validators: dict[str, str | None], retry_after: float | None = None) -> None:
        """Move a URL's next check according to this check's outcome (inside a write)."""
        previous = self.db.execute(
            "SELECT interval, failures FROM urls WHERE id = ?", [url_id]).fetchone()
        interval, failures = previous if previous else (None, 0)
        failures = (failures or 0) + 1 if outcome == "failed" else 0
        interval = self.schedule.interval(interval, outcome, failures)
        when = datetime.fromisoformat(checked_at.replace("Z", "+00:00"))
        update = {"interval": interval, "failures": failures, "last_outcome": outcome,
                  "last_checked_at": checked_at,
                  "next_check_at": self.schedule.next_check(when, interval, retry_after)}
        if outcome != "failed":
            update.update(validators)
        self.db["urls"].update(url_id, update)

    def _due_filter(self, now: str, everything: bool, document_ids: list[str] | None
                    ) -> tuple[list[str], list[Any]]:
        where: list[str] = []
        params: list[Any] = []
        if not everything:
            where.append("(next_check_at IS NULL OR next_check_at <= ?)")
            params.append(now)
        if document_ids is not None:
            where.append("id IN (SELECT url_id FROM mentions WHERE document_id IN"
                         " (SELECT value FROM json_each(?)))")
            params.append(json.dumps(document_ids))
        return where, params

    def count_due(self, *, now: str, everything: bool = False,
                  document_ids: list[str] | None = None) -> int:
        where, params = self._due_filter(now, everything, document_ids)
        sql = "SELECT count(*) FROM urls" + (" WHERE " + " AND ".join(where) if where else "")
        return self.db.execute(sql, params).fetchone()[0]

    def due_urls(
        self, *, now: str, everything: bool = False, limit: int | None = None,
        document_ids: list[str] | None = None, page: int = 1000,
    ) -> Iterator[dict[str, Any]]:
        """The URLs to check (``id``, ``url``, ``etag``, ``last_modified``), most overdue first
        (never checked, then by due time), read ``page`` rows at a time so that 100,000 due
        URLs cost no more memory than 1,000. ``now`` is fixed for the run: a URL checked
        meanwhile (``last_checked_at`` after ``now``) is not read again. ``document_ids``
        narrows them to the URLs those documents cite; ``everything`` ignores the schedule."""
        where, params = self._due_filter(now, everything, document_ids)
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
                   " FROM urls" + (" WHERE " + " AND ".join(conditions) if conditions else "")
                   + f" ORDER BY {key} LIMIT {int(size)}")
            rows = list(self.db.query(sql, values))
            yield from rows
            sent += len(rows)
            if len(rows) < size:
                return
            last = rows[-1]
            cursor = [last["due"], last["id"]]

    def body(self, body_sha256: str) -> bytes | None:
        """A stored raw body, decompressed."""
        row = self.db.execute(
            "SELECT codec, data FROM bodies WHERE sha256 = ?", [body_sha256]
        ).fetchone()
        if row is None:
            return None
        codec, data = row
        return decompress(codec, data)

    # Runs.

    def start_run(self, command: str, args: dict[str, Any], pid: int) -> int:
        row = {"command": command, "args": json.dumps(args), "pid": pid,
               "started_at": utcnow(), "status": "running"}

        def insert() -> int:
            with self._write():
                return self.db["runs"].insert(row).last_pk

        return self._call(insert)

    def coverage(self, document_id: str, snapshot_id: int) -> dict[str, Any] | None:
        """The stored coverage of a document by a snapshot, if computed."""
        row = self.db.execute(
            "SELECT score, found, missing FROM coverage WHERE document_id = ? AND snapshot_id = ?",
            [document_id, snapshot_id]).fetchone()
        if row is None:
            return None
        return {"score": row[0], "found": json.loads(row[1]), "missing": json.loads(row[2])}

    def store_coverage(self, document_id: str, snapshot_id: int, score: float,
                       found: list[str], missing: list[str]) -> None:
        row = {"document_id": document_id, "snapshot_id": snapshot_id, "score": score,
               "found": json.dumps(found), "missing": json.dumps(missing),
               "computed_at": utcnow()}

        def insert() -> None:
            with self._write():
                self.db["coverage"].insert(row, replace=True)

        self._call(insert)

    def interrupt_stale_runs(self, command: str) -> int:
        """Mark runs of ``command`` still shown as running as ``interrupted``: called by the
        holder of the run lock, so no such run can still be going."""

        def update() -> int:
            with self._write():
                return self.db.execute(
                    "UPDATE runs SET status = 'interrupted' WHERE status = 'running'"
                    " AND command = ?", [command]).rowcount

        return self._call(update)

    def finish_run(self, run_id: int, status: str, counts: dict[str, int]) -> None:
        def update() -> None:
            with self._write():
                self.db["runs"].update(run_id, {**counts, "ended_at": utcnow(), "status": status})

        self._call(update)
