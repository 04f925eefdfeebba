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
from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_exponential_jitter

from crawler.discovery import Mention
from crawler.document import Document

SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 200
DEFAULT_LOCK_TIMEOUT = 120.0
OUTCOMES = ("new", "changed", "unchanged", "failed")


class ArchiveError(Exception):
    """The archive cannot be used; ``str()`` names the file and the reason."""


class ArchiveUnavailable(ArchiveError):
    """The file cannot be opened or created as an archive (missing folder, not a database,
    no permission, newer schema)."""


class ArchiveWriteError(ArchiveError):
    """A write failed for a reason retrying will not cure (disk full, read-only file)."""


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

    def __init__(self, path: str | Path, *, lock_timeout: float = DEFAULT_LOCK_TIMEOUT):
        self.path = str(path)
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
                self._create_schema()
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _create_schema(self) -> None:
        db = self.db
        db["documents"].create(
            {"id": str, "path": str, "kind": str, "encoding": str, "size": int, "text": str,
             "read_at": str},
            pk="id", if_not_exists=True,
        )
        db["urls"].create(
            {"id": int, "canonical": str, "url": str, "first_seen": str},
            pk="id", not_null={"canonical", "url"}, if_not_exists=True,
        )
        db["urls"].create_index(["canonical"], unique=True, if_not_exists=True)
        db["mentions"].create(
            {"document_id": str, "url_id": int, "written": str, "role": str, "anchor": str,
             "line": int},
            pk=("document_id", "url_id"),
            foreign_keys=[("document_id", "documents", "id"), ("url_id", "urls", "id")],
            if_not_exists=True,
        )
        db["mentions"].create_index(["url_id"], if_not_exists=True)
        db["runs"].create(
            {"id": int, "command": str, "args": str, "pid": int, "started_at": str,
             "ended_at": str, "status": str, "documents": int, "urls": int, "new": int,
             "changed": int, "unchanged": int, "failed": int},
            pk="id", if_not_exists=True,
        )
        db["bodies"].create(
            {"sha256": str, "size": int, "codec": str, "data": bytes},
            pk="sha256", if_not_exists=True,
        )
        db["snapshots"].create(
            {"id": int, "url_id": int, "run_id": int, "fetched_at": str, "requested_url": str,
             "final_url": str, "redirects": str, "status": int, "headers": str,
             "content_type": str, "ip_address": str, "protocol": str, "body_sha256": str,
             "body_size": int, "text_sha256": str, "text": str, "title": str, "author": str,
             "date": str, "sitename": str, "language": str, "metadata": str},
            pk="id",
            foreign_keys=[("url_id", "urls", "id"), ("run_id", "runs", "id"),
                          ("body_sha256", "bodies", "sha256")],
            if_not_exists=True,
        )
        db["snapshots"].create_index(["url_id", "id"], if_not_exists=True)
        db["checks"].create(
            {"id": int, "url_id": int, "run_id": int, "checked_at": str, "outcome": str,
             "status": int, "final_url": str, "snapshot_id": int, "reason": str},
            pk="id",
            foreign_keys=[("url_id", "urls", "id"), ("run_id", "runs", "id"),
                          ("snapshot_id", "snapshots", "id")],
            if_not_exists=True,
        )
        db["checks"].create_index(["url_id", "checked_at"], if_not_exists=True)
        db["checks"].create_index(["run_id"], if_not_exists=True)

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

    def urls_cited_by(self, document_ids: list[str]) -> list[dict[str, Any]]:
        """The distinct URLs (``id``, ``url``) the given documents cite, in citation order."""
        found: dict[int, dict[str, Any]] = {}
        for start in range(0, len(document_ids), 500):
            chunk = document_ids[start : start + 500]
            marks = ", ".join("?" * len(chunk))
            rows = self.db.query(
                "SELECT urls.id, urls.url FROM mentions JOIN urls ON urls.id = mentions.url_id"
                f" WHERE mentions.document_id IN ({marks}) ORDER BY mentions.rowid",
                chunk,
            )
            for row in rows:
                found.setdefault(row["id"], row)
        return list(found.values())

    def all_urls(self) -> Iterator[dict[str, Any]]:
        """Every archived URL (``id``, ``url``), oldest first."""
        return self.db.query("SELECT id, url FROM urls ORDER BY id")

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

    def record_snapshot(self, snapshot: dict[str, Any], body: bytes | None) -> tuple[str, int]:
        """Archive a fetched page; return ``(outcome, snapshot_id)``.

        ``snapshot`` holds the ``snapshots`` columns (``url_id``, ``run_id``, ``fetched_at``,
        ``status``, ``body_sha256``, ``text_sha256``, ...). When its text (or, for pages with
        no text, its body) equals the latest snapshot's, only a check is recorded and the
        outcome is ``unchanged``; otherwise the body (once per sha256) and a new snapshot are
        stored and the outcome is ``new`` or ``changed``. ``body`` may be None when the caller
        knows the archive already holds it.
        """
        compressed = None
        if body is not None and not self.has_body(snapshot["body_sha256"]):
            compressed = zlib.compress(body, 6)
        return self._call(self._record_snapshot, snapshot, body, compressed)

    def _record_snapshot(
        self, snapshot: dict[str, Any], body: bytes | None, compressed: bytes | None
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
                return "unchanged", latest["id"]
            if compressed is not None:
                conn.execute(
                    "INSERT OR IGNORE INTO bodies (sha256, size, codec, data) VALUES (?, ?, ?, ?)",
                    (snapshot["body_sha256"], len(body or b""), "zlib", compressed),
                )
            snapshot_id = self.db["snapshots"].insert(snapshot).last_pk
            outcome = "new" if latest is None else "changed"
            self.db["checks"].insert({**check, "outcome": outcome, "snapshot_id": snapshot_id})
            return outcome, snapshot_id

    def record_failure(
        self, url_id: int, reason: str, *, run_id: int | None = None,
        checked_at: str | None = None, status: int | None = None, final_url: str | None = None,
    ) -> None:
        """Record a fetch that produced no snapshot (DNS, timeout, HTTP error, robots.txt)."""
        row = {"url_id": url_id, "run_id": run_id, "checked_at": checked_at or utcnow(),
               "outcome": "failed", "status": status, "final_url": final_url, "reason": reason}

        def insert() -> None:
            with self._write():
                self.db["checks"].insert(row)

        self._call(insert)

    def body(self, body_sha256: str) -> bytes | None:
        """A stored raw body, decompressed."""
        row = self.db.execute(
            "SELECT codec, data FROM bodies WHERE sha256 = ?", [body_sha256]
        ).fetchone()
        if row is None:
            return None
        codec, data = row
        return zlib.decompress(data) if codec == "zlib" else data

    # Runs.

    def start_run(self, command: str, args: dict[str, Any], pid: int) -> int:
        row = {"command": command, "args": json.dumps(args), "pid": pid,
               "started_at": utcnow(), "status": "running"}

        def insert() -> int:
            with self._write():
                return self.db["runs"].insert(row).last_pk

        return self._call(insert)

    def finish_run(self, run_id: int, status: str, counts: dict[str, int]) -> None:
        def update() -> None:
            with self._write():
                self.db["runs"].update(run_id, {**counts, "ended_at": utcnow(), "status": status})

        self._call(update)

    # Reading for exports.

    def snapshots(self) -> Iterator[dict[str, Any]]:
        """Every snapshot with its URL and the documents citing it, oldest first, streamed."""
        return self.db.query(
            """
            SELECT snapshots.*, urls.url AS url, urls.canonical AS canonical_url,
              (SELECT json_group_array(json_object('id', d.id, 'path', d.path,
                                                   'role', m.role, 'anchor', m.anchor))
                 FROM mentions m JOIN documents d ON d.id = m.document_id
                 WHERE m.url_id = snapshots.url_id) AS documents
            FROM snapshots JOIN urls ON urls.id = snapshots.url_id
            ORDER BY snapshots.id
            """
        )
