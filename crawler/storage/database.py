"""Opening the archive file, and running writes so that several processes can share it.

SQLite allows one writer at a time. A nightly crawl, a manual re-fetch and an export may all
use the same file, so a write takes the write lock up front (``BEGIN IMMEDIATE``: no deadlock
half-way through a transaction) and, while another process holds it, waits and tries again
with tenacity, up to ``lock_timeout`` seconds; SQLite's own ``busy_timeout`` stays short so
that the waiting happens here, with backoff. A failure that waiting cannot cure (disk full,
read-only file) becomes :class:`~crawler.errors.ArchiveWriteError` at once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlite_utils import Database as SqliteUtilsDatabase
from tenacity import Retrying, retry_if_exception, stop_after_delay, wait_exponential_jitter

from crawler.errors import ArchiveError, ArchiveUnavailable, ArchiveWriteError
from crawler.storage.schema import SCHEMA_VERSION, migrate

BUSY_TIMEOUT_MS = 200
_T = TypeVar("_T")
_open_writes = 0  # write transactions open in this process


def writing() -> bool:
    """Whether a write transaction is open in this process (a stop signal must not cut it:
    crawler.jobs.signals waits for its end)."""
    return _open_writes > 0


def _is_lock_error(exc: BaseException) -> bool:
    message = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in message or "busy" in message)


class Database:
    """One connection to an archive file, upgraded to the current schema on opening.

    Not for concurrent use: one thread at a time (the crawl's writer thread, say)."""

    def __init__(self, path: str | Path, *, lock_timeout: float, mode: str = "create"):
        self.path = str(path)
        self.lock_timeout = lock_timeout
        self.read_only = mode == "read"
        self._depth = 0  # 1 inside a write transaction, more inside its savepoints
        self._retrying = Retrying(
            retry=retry_if_exception(_is_lock_error),
            wait=wait_exponential_jitter(multiplier=0.05, max=2.0),
            stop=stop_after_delay(lock_timeout),
            reraise=True,
        )
        try:
            if Path(self.path).is_dir():
                raise ArchiveUnavailable(self.path, "is a folder, not an archive file")
            if not Path(self.path).resolve().parent.is_dir():
                raise ArchiveUnavailable(self.path, "its folder does not exist")
            if mode != "create" and not Path(self.path).exists():
                raise ArchiveUnavailable(self.path, "no such archive (a crawl creates it)")
            if self.read_only:
                self.db = SqliteUtilsDatabase(self._connect_read_only())
            else:
                self.db = SqliteUtilsDatabase(sqlite3.connect(
                    self.path, isolation_level=None, check_same_thread=False))
        except sqlite3.Error as exc:
            raise ArchiveUnavailable(self.path, str(exc)) from None
        try:
            self._retrying(self._check_read_only if self.read_only else self._prepare)
        except BaseException as exc:
            self.db.close()
            if isinstance(exc, sqlite3.Error):
                raise ArchiveUnavailable(self.path, str(exc)) from None
            raise

    def _connect_read_only(self) -> sqlite3.Connection:
        """A connection that cannot change the file: not its schema, not its journal mode.
        On read-only media, where SQLite cannot make the WAL's shared-memory file, the file
        is read as immutable."""
        uri = Path(self.path).resolve().as_uri()
        for query in ("mode=ro", "mode=ro&immutable=1"):
            conn = sqlite3.connect(f"{uri}?{query}", uri=True, isolation_level=None,
                                   check_same_thread=False)
            try:
                conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
                return conn
            except sqlite3.OperationalError as exc:
                conn.close()
                if "unable to open" not in str(exc) and "readonly" not in str(exc):
                    raise
        raise ArchiveUnavailable(self.path, "cannot be read")

    def _check_read_only(self) -> None:
        conn = self.conn
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        self._check_version(version)
        if version == 0:  # an empty file: a crawl makes archives, reading never does
            raise ArchiveUnavailable(self.path, "not a sourcekeeper archive (an empty file)")
        if version < SCHEMA_VERSION:
            raise _Outdated(version)

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    def close(self) -> None:
        self.db.close()

    def check_writable(self) -> None:
        """Raise :class:`ArchiveUnavailable` now, rather than mid-crawl, if the file or its
        folder is read-only."""
        def probe() -> None:
            self.conn.execute("BEGIN IMMEDIATE")
            self.conn.execute("ROLLBACK")

        try:
            self.call(probe)
        except (sqlite3.OperationalError, ArchiveWriteError) as exc:
            message = str(exc).removeprefix(f"{self.path}: ")
            raise ArchiveUnavailable(self.path, f"cannot be written ({message})") from None

    def call(self, function: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """Run ``function``, retrying while another process holds the write lock."""
        with self._errors():
            return self._retrying(function, *args, **kwargs)

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """SQLite's errors as ours: a full disk or read-only file cannot be waited out."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            message = str(exc).lower()
            if "full" in message or "readonly" in message or "disk i/o" in message:
                raise ArchiveWriteError(f"{self.path}: {exc}") from None
            if _is_lock_error(exc):
                raise ArchiveError(f"{self.path}: another process kept the archive locked "
                                   f"for {self.lock_timeout:g} s") from None
            raise ArchiveError(f"{self.path}: {exc}") from None
        except sqlite3.DatabaseError as exc:
            raise ArchiveError(f"{self.path}: {exc}") from None

    def write(self, function: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """Run ``function`` in one write transaction, retried while the file is locked.
        Inside another write (a batch, as crawler.jobs.session writes items) it is a
        savepoint of that transaction: it
        takes effect whole or not at all, and is committed with the rest of the batch."""
        if self._depth:
            with self._errors(), self._savepoint():
                return function(*args, **kwargs)

        def transaction() -> _T:
            with self._transaction():
                return function(*args, **kwargs)

        return self.call(transaction)

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        global _open_writes
        _open_writes += 1  # before BEGIN: a signal then waits for the end (jobs.signals)
        try:
            self.conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")
        finally:
            self._depth = 0
            _open_writes -= 1

    @contextmanager
    def _savepoint(self) -> Iterator[None]:
        name = f"write{self._depth}"
        self.conn.execute(f"SAVEPOINT {name}")
        self._depth += 1
        try:
            yield
        except BaseException:
            self.conn.execute(f"ROLLBACK TO {name}")
            self.conn.execute(f"RELEASE {name}")
            raise
        finally:
            self._depth -= 1
        self.conn.execute(f"RELEASE {name}")

    def rows(self, sql: str, params: Any = ()) -> Iterator[dict[str, Any]]:
        """The rows of a query as dicts (only inside this layer), streamed."""
        return self.db.query(sql, params)

    def one(self, sql: str, params: Any = ()) -> Any:
        """The first column of the first row, or None."""
        row = self.conn.execute(sql, params).fetchone()
        return None if row is None else row[0]

    def _check_version(self, version: int) -> None:
        if version > SCHEMA_VERSION:
            raise ArchiveUnavailable(
                self.path, f"made by a newer sourcekeeper (schema {version}); upgrade first")
        if version == 0 and self.conn.execute(
                "SELECT count(*) FROM sqlite_master").fetchone()[0]:
            raise ArchiveUnavailable(self.path, "not a sourcekeeper archive (another "
                                                "application's database?); left untouched")

    def _prepare(self) -> None:
        conn = self.conn
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        self._check_version(version)
        conn.execute("PRAGMA foreign_keys = ON")
        if self.db.journal_mode != "wal":
            self.db.enable_wal()
        conn.execute("PRAGMA synchronous = NORMAL")
        if version < SCHEMA_VERSION:
            with self._transaction():
                migrate(self.db, version)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


class _Outdated(Exception):
    """An archive of an older schema opened read-only: it must be upgraded first."""

    def __init__(self, version: int):
        super().__init__(version)
        self.version = version


def open_database(path: str | Path, *, lock_timeout: float, mode: str = "create") -> Database:
    """The archive file at ``path``, for ``mode``: ``create`` (a crawl: made if missing,
    upgraded), ``write`` (must exist; upgraded) or ``read`` (must exist; opened read-only,
    never changed, except that an archive made by an older sourcekeeper is upgraded once,
    when its file can be written). A file that is not a sourcekeeper archive is refused,
    untouched. Raises ArchiveUnavailable."""
    try:
        return Database(path, lock_timeout=lock_timeout, mode=mode)
    except _Outdated as outdated:
        try:
            Database(path, lock_timeout=lock_timeout, mode="write").close()
        except ArchiveError as exc:
            raise ArchiveUnavailable(str(path), f"made by an older sourcekeeper (schema "
                                     f"{outdated.version}) and cannot be upgraded: "
                                     f"{exc}") from None
        return Database(path, lock_timeout=lock_timeout, mode=mode)
