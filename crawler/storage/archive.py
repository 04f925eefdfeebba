"""The :class:`Archive` façade: one open archive file and its repositories."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from crawler import config
from crawler.errors import ArchiveError
from crawler.storage.database import open_database
from crawler.storage.documents import Documents
from crawler.storage.files import Files
from crawler.storage.mementos import Mementos
from crawler.storage.purge import Purge
from crawler.storage.reads import Reads
from crawler.storage.runs import Runs
from crawler.storage.snapshots import Checks, Snapshots
from crawler.storage.urls import Urls

_T = TypeVar("_T")


class Archive:
    """An open archive file. Not thread-safe: use it from one thread at a time.

    ``mode``: ``create`` (crawls: the file is made if missing), ``write`` (it must exist) or
    ``read`` (it must exist and is opened read-only; reading commands never create, change
    or migrate a file, but an archive of an older sourcekeeper is upgraded once).
    Raises :class:`~crawler.errors.ArchiveUnavailable` when the file cannot be opened as an
    archive (a file that is not one is left untouched). ``lock_timeout`` is how long a write
    waits while another process writes (the ``ARCHIVE_LOCK_TIMEOUT`` setting). Used as a
    context manager, an archive damaged past reading (``database disk image is malformed``)
    raises :class:`~crawler.errors.ArchiveError` in one line, not an SQLite error.
    """

    def __init__(self, path: str | Path, *, lock_timeout: float | None = None,
                 mode: str = "create"):
        if lock_timeout is None:
            lock_timeout = config.default("ARCHIVE_LOCK_TIMEOUT")
        self.database = open_database(path, lock_timeout=lock_timeout, mode=mode)
        self.path = self.database.path
        self.urls = Urls(self.database)
        self.documents = Documents(self.database, self.urls)
        self.files = Files(self.database)
        self.purge = Purge(self.database)
        self.snapshots = Snapshots(self.database)
        self.checks = Checks(self.database)
        self.runs = Runs(self.database)
        self.mementos = Mementos(self.database)
        self.reads = Reads(self.database, self.runs)

    def write(self, function: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """Run ``function`` (which uses the repositories' write methods) in one write
        transaction, retried while another process holds the file's write lock."""
        return self.database.write(function, *args, **kwargs)

    def check_writable(self) -> None:
        self.database.check_writable()

    def close(self) -> None:
        self.database.close()

    def __enter__(self) -> Archive:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: object) -> None:
        self.close()
        if isinstance(error, sqlite3.DatabaseError):
            raise ArchiveError(f"{self.path}: the archive cannot be read: {error}") from None
