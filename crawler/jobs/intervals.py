"""A person sets how often a URL is checked (``schedule URL --every 15m``: a breaking story),
or gives it back to the adaptive schedule (``--adaptive``).

A fixed interval takes effect at once: the next check is brought forward to one interval
after the last check (now, if that has passed), never pushed back. It is kept outside the
adaptive bounds too, but never under :data:`MIN_FIXED`: a URL checked every few seconds is
a load on someone's server, not an archive.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from crawler.core.clock import iso, parse_iso, utcnow
from crawler.core.views import UrlInfo
from crawler.errors import InvalidDuration

if TYPE_CHECKING:
    from crawler.storage import Archive

MIN_FIXED = 60.0


def set_intervals(archive: Archive, urls: Sequence[str], every: float | None) -> list[UrlInfo]:
    """Check each of ``urls`` (any form of an archived URL) every ``every`` seconds, or on
    the adaptive schedule again with None; the URLs as they are now scheduled. Raises
    NotArchived (before changing anything) and InvalidDuration."""
    if every is not None and every < MIN_FIXED:
        raise InvalidDuration(f"--every {every:g}s: a URL is checked at most once a minute")
    found = [archive.urls.find(url) for url in urls]
    now = utcnow()
    for info in found:
        due = None
        if every is not None:
            after_last = iso(parse_iso(info.last_checked_at) + timedelta(seconds=every)) \
                if info.last_checked_at else now
            due = min(after_last, info.next_check_at or now)
        archive.write(archive.urls.fix_interval, info.id, every, due)
    return [archive.urls.find(info.url) for info in found]
