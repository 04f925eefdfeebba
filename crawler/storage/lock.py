"""One crawl at a time per archive: a lock file beside the database.

The lock is an ``flock`` on ``<archive>.lock``: the kernel releases it when its process dies,
however it dies, so a lock left by a killed run is simply taken by the next one. The file
records who holds it, for the message the second run prints; it is only written once the
lock is held, and never through a symbolic link or a hard link to another file.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import stat
from pathlib import Path

from crawler.core.clock import utcnow
from crawler.errors import ArchiveError, LockHeld


class RunLock:
    """``RunLock(db)`` for crawls; ``RunLock(db, "ingest")`` for the one Redis writer, which
    runs for days beside the crawls that queue work for it."""

    def __init__(self, archive_path: str | os.PathLike[str], what: str = "crawl"):
        suffix = ".lock" if what == "crawl" else f".{what}.lock"
        self.archive = str(archive_path)
        self.path = Path(f"{archive_path}{suffix}")
        self.what = what
        self._handle = None

    def acquire(self) -> RunLock:
        handle = self._open()
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = _holder(handle.read())
            handle.close()
            raise LockHeld(f"{self.archive}: another {self.what} is running on this archive"
                           f"{holder}") from None
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"pid": os.getpid(), "since": utcnow()}))
        handle.flush()
        self._handle = handle
        return self

    def _open(self):
        """The lock file, never through a symbolic link nor another name of some file: it
        is written to, and a link planted in its place would have us overwrite its
        target."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC,
                         0o644)
        except OSError as exc:
            reason = "it is a symbolic link" if exc.errno == errno.ELOOP else (
                exc.strerror or str(exc))
            raise ArchiveError(f"{self.archive}: cannot take the run lock {self.path}: "
                               f"{reason}") from None
        status = os.fstat(fd)
        if not stat.S_ISREG(status.st_mode) or status.st_nlink != 1:
            os.close(fd)
            raise ArchiveError(f"{self.archive}: cannot take the run lock {self.path}: not a "
                               "regular file of its own (remove it)")
        return os.fdopen(fd, "r+", encoding="utf-8")

    def release(self) -> None:
        if self._handle is not None:
            self._handle.truncate(0)
            fcntl.flock(self._handle, fcntl.LOCK_UN)
            self._handle.close()
            self._handle = None

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc_info: object) -> None:
        self.release()


def _holder(text: str) -> str:
    try:
        holder = json.loads(text)
        return f" (pid {holder['pid']}, since {holder['since']})"
    except (ValueError, KeyError, TypeError):
        return ""
