"""What every API function shares: which archive file, opening it, a run's settings."""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from crawler import config
from crawler.errors import SettingWarning

if TYPE_CHECKING:
    from crawler.storage import Archive


def archive_db(db: str | None) -> str:
    return db or config.default_db()


@contextmanager
def open_archive(db: str | None, mode: str = "read") -> Iterator[Archive]:
    """The archive, read-only unless ``mode`` says ``write`` (see crawler.storage.Archive):
    a reading command never creates a file nor changes one that is not ours."""
    from crawler.storage import Archive

    with Archive(archive_db(db), mode=mode) as archive:
        yield archive


def run_settings(db: str | None, settings: Mapping[str, Any] | None) -> dict[str, Any]:
    """A run's own settings: the caller's and the archive, checked before anything starts
    (a bad value raises SettingError; an unknown name warns). Scrapy's settings are built
    from them (crawler.config.project_settings) only when a run fetches something."""
    overrides = {**(settings or {}), "ARCHIVE_DB": archive_db(db)}
    for warning in config.check(overrides):
        warnings.warn(warning, SettingWarning, stacklevel=3)
    return overrides
