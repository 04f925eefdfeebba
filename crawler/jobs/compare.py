"""Comparing two snapshots of a URL, for ``diff``: which two, and what changed."""

from __future__ import annotations

from typing import TYPE_CHECKING

from crawler.core.change import diff, is_material, summarize
from crawler.core.views import Diff

if TYPE_CHECKING:
    from crawler.storage import Archive


def compare(archive: Archive, url: str, since: str | None = None,
            until: str | None = None) -> Diff | None:
    """The snapshot current at ``until`` (default: the latest) against the one current at
    ``since`` (default: the one before it); None when there are fewer than two. Raises
    NotArchived for a URL the archive does not hold."""
    url_id = archive.urls.find(url).id
    newer = archive.snapshots.texts_before(url_id, until=until, count=1)
    if not newer:
        return None
    older = archive.snapshots.texts_before(url_id, until=since, before_id=newer[0].id, count=1)
    if not older:
        return None
    old, new = older[0], newer[0]
    return Diff(old, new, summarize(old.text, new.text), is_material(old.text, new.text),
                tuple(diff(old.text, new.text, old.fetched_at, new.fetched_at)))
