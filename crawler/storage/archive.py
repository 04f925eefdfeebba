"""The :class:`Archive` façade: one open archive file and its repositories."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from crawler import config
from crawler.storage.database import Database
from crawler.storage.documents import Documents
from crawler.storage.files import Files
from crawler.storage.purge import Purge
from crawler.storage.reads import Reads
from crawler.storage.runs import Runs
from crawler.storage.snapshots import Checks, Snapshots
from crawler.storage.urls import Urls

_T = TypeVar("_T")


class Archive:
    """An open archive file. Not thread-safe: use it from one thread at a time.

    Raises :class:`~crawler.errors.ArchiveUnavailable` when the file cannot be opened or
    created as an archive. ``lock_timeout`` is how long a write waits while another process
    writes (the ``ARCHIVE_LOCK_TIMEOUT`` setting).
    """

    def __init__(self, path: str | Path, *, lock_timeout: float | None = None):
        if lock_timeout is None:
            lock_timeout = config.default("ARCHIVE_LOCK_TIMEOUT")
        self.database = Database(path, lock_timeout=lock_timeout)
        self.path = self.database.path
        self.urls = Urls(self.database)
        self.documents = Documents(self.database, self.urls)
        self.files = Files(self.database)
        self.purge = Purge(self.database)
        self.snapshots = Snapshots(self.database)
        self.checks = Checks(self.database)
        self.runs = Runs(self.database)
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

    def __exit__(self, *exc_info: object) -> None:
        self.close()
