"""Every error sourcekeeper raises on purpose, drawn as one tree.

A person sees one of these as one line, ``sourcekeeper: <str(error)>``, and the process exits
with the error's ``exit_code``: the command line maps the whole tree once (crawler.cli), and
a Python caller catches :class:`SourcekeeperError` or any branch of it. So ``str()`` of every
error is a complete sentence for a person: it names the file, URL or setting concerned and
the reason, and never needs a traceback to be understood.

::

    SourcekeeperError                  exit 1: the command could not do its job
    ├── UsageError                     exit 2: what was asked cannot be done as asked
    │   ├── SettingError               a setting with a bad or inconsistent value
    │   ├── InvalidURL                 not an http(s) URL with a plausible host
    │   ├── InvalidDuration            not a duration such as 30m, 6h, 1d
    │   ├── InvalidTime                not an ISO date or date-time
    │   ├── InvalidQuery               a search that cannot be run (starts with OR, ...)
    │   └── MissingExtra               a feature whose optional dependencies are absent
    ├── ArchiveError                   the archive file cannot be used
    │   ├── ArchiveUnavailable         cannot be opened or created (folder, format, schema)
    │   ├── ArchiveWriteError          a write retrying will not cure (disk full, read-only)
    │   └── LockHeld                   another crawl (or ingest) holds the archive
    ├── NotArchived                    a URL or document the archive does not hold
    ├── DocumentError                  a document that cannot be read as text
    ├── OutputError                    an output file that cannot be written
    ├── RelayError                     Redis cannot be reached or sent something not ours
    └── RunFailed                      a crawl that did not finish (``Interrupted`` by a signal)

This module imports nothing of ours: every layer may raise from it.
"""

from __future__ import annotations

__all__ = [
    "ArchiveError", "ArchiveUnavailable", "ArchiveWriteError", "DocumentError", "Interrupted",
    "InvalidDuration", "InvalidQuery", "InvalidTime", "InvalidURL", "LockHeld", "MissingExtra", "NotArchived",
    "OutputError", "RelayError", "RunFailed", "SettingError", "SettingWarning",
    "SourcekeeperError", "UsageError",
]


class SourcekeeperError(Exception):
    """Base of every error we raise on purpose; ``str()`` is the one line a person reads."""

    exit_code = 1


class UsageError(SourcekeeperError):
    """The request itself is wrong: a bad value, option or setting."""

    exit_code = 2


class SettingError(UsageError):
    """A setting whose value cannot be used, named with the value and what was expected."""


class InvalidURL(UsageError, ValueError):
    """A string that cannot be fetched as an http(s) URL."""


class InvalidDuration(UsageError, ValueError):
    """A duration that is not a positive number with a unit (s, m, h, d, w)."""


class InvalidTime(UsageError, ValueError):
    """A date or time that is not ISO 8601."""


class InvalidQuery(UsageError, ValueError):
    """A search query that is not one (nothing to look for, broken FTS5 syntax)."""


class MissingExtra(UsageError):
    """A feature that needs an optional extra that is not installed."""

    def __init__(self, feature: str, extra: str):
        super().__init__(f"{feature} needs the '{extra}' extra: "
                         f"pip install 'sourcekeeper[{extra}]'")
        self.extra = extra


class ArchiveError(SourcekeeperError):
    """The archive cannot be used; ``str()`` names the file and the reason."""


class ArchiveUnavailable(ArchiveError):
    """The file cannot be opened or created as an archive (missing folder, not a database,
    no permission, newer schema)."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"cannot open archive {path}: {reason}")
        self.path = path
        self.reason = reason


class ArchiveWriteError(ArchiveError):
    """A write failed for a reason retrying will not cure (disk full, read-only file)."""


class LockHeld(ArchiveError):
    """Another process holds the archive's run lock; ``str()`` says which and since when."""


class NotArchived(SourcekeeperError, LookupError):
    """A URL or document the archive does not hold."""


class DocumentError(SourcekeeperError):
    """A document that cannot be read as text; ``str()`` names the file and the reason."""

    def __init__(self, path: object, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = str(path)
        self.reason = reason


class OutputError(SourcekeeperError):
    """An output file that cannot be written; ``str()`` names the file and the reason."""


class RelayError(SourcekeeperError):
    """Redis cannot be reached, or sent something that is not ours."""


class RunFailed(SourcekeeperError):
    """A crawl that did not finish, with the reason."""


class SettingWarning(UserWarning):
    """A setting no component reads (a misspelling?): it is ignored."""


class Interrupted(RunFailed):
    """A run stopped by a signal; the exit code is 128 + the signal's number."""

    def __init__(self, message: str, signal_number: int):
        super().__init__(message)
        self.signal_number = signal_number
        self.exit_code = 128 + signal_number
