"""Comparing two snapshots of a URL, for ``diff``: which two, and what changed."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from crawler.core.change import diff
from crawler.core.edits import Version, compare as compare_versions
from crawler.core.views import Diff, SnapshotText

if TYPE_CHECKING:
    from crawler.storage import Archive


def compare(archive: Archive, url: str, since: str | None = None,
            until: str | None = None, old_id: int | None = None,
            new_id: int | None = None, archived: bool = False) -> Diff | None:
    """The snapshot current at ``until`` (default: the latest; or text snapshot ``new_id``
    and the one before it) against the one current at ``since`` (default: the one before
    it; or ``old_id``); None when there are fewer than two. With ``archived``, the web
    archive's copy kept for the URL (crawler.jobs.recovery) against our snapshot. Raises
    NotArchived for a URL the archive does not hold."""
    url_id = archive.urls.find(url).id
    newer = archive.snapshots.texts_before(
        url_id, until=until, before_id=new_id + 1 if new_id else None, count=1)
    if not newer:
        return None
    if archived:  # the web archive's copy kept for the URL, dated when the archive took it
        kept = archive.mementos.kept(url_id)
        if kept is None or kept[1].text is None:
            return None
        return _diff(dataclasses.replace(kept[1], fetched_at=kept[0].datetime), newer[0])
    older = archive.snapshots.texts_before(
        url_id, until=since, count=1,
        before_id=min(newer[0].id, old_id + 1) if old_id else newer[0].id)
    if not older:
        return None
    return _diff(older[0], newer[0])


def _diff(old: SnapshotText, new: SnapshotText) -> Diff:
    edit = compare_versions(Version(old.title, old.text, old.author, old.date),
                            Version(new.title, new.text, new.author, new.date))
    return Diff(old, new, edit.summary, edit.material,
                tuple(diff(old.text, new.text, old.fetched_at, new.fetched_at)))
