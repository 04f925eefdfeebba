"""``sourcekeeper list``: every archived URL with its state now (crawler.core.linkrot), its
last and next check and how it is scheduled, the ones that need a person first.

The state is judged as the report judges it, from the URL's recent checks and its first and
latest text snapshots, so that ``list --state gone`` and the report never disagree.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TYPE_CHECKING

from crawler.core.linkrot import classify
from crawler.core.models import UrlState
from crawler.core.views import UrlStatus

if TYPE_CHECKING:
    from crawler.storage import Archive

_CHECKS = 10  # enough to confirm a failure (core.linkrot.CONFIRM) and say since when
_ORDER = {state: rank for rank, state in enumerate(UrlState)}  # worst first


def url_statuses(archive: Archive, states: Collection[UrlState] = (),
                 url_id: int | None = None) -> list[UrlStatus]:
    """Every URL of the archive (those in ``states`` only, when given; or only ``url_id``),
    the worst state first, then by URL."""
    found = []
    for info, snapshots, documents in archive.urls.listed(url_id):
        first, latest = archive.snapshots.ends(info.id)
        assessment = classify(info.url, archive.checks.recent(info.id, _CHECKS), first, latest)
        if states and assessment.state not in states:
            continue
        found.append(UrlStatus(
            url=info.url, state=assessment.state, detail=assessment.detail,
            last_checked_at=info.last_checked_at, last_outcome=info.last_outcome,
            next_check_at=None if info.forgotten_at else info.next_check_at,
            interval=info.interval, fixed_interval=info.fixed_interval, snapshots=snapshots,
            documents=documents, forgotten_at=info.forgotten_at))
    return sorted(found, key=lambda status: (_ORDER[status.state], status.url))
