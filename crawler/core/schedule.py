"""When each URL is next due.

A page that did not change is checked less often, one that changed more often, within bounds:
a nightly run over 50,000 URLs then fetches only the few hundred that are due. A URL that
starts failing is re-checked after ``first`` so that a failure can be confirmed (or cleared)
soon, then backs off like an unchanged page.

A person can set a URL's interval (``schedule URL --every 15m``, a breaking story): it is
then kept whatever the page does, outside the bounds too, until set back to adaptive.

The bounds are settings: ``SCHEDULE_MIN_INTERVAL`` (1h), ``SCHEDULE_MAX_INTERVAL`` (30d) and
``SCHEDULE_FIRST_INTERVAL`` (1d), seconds or durations such as ``6h``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from crawler.core.clock import iso, parse_iso
from crawler.core.models import Outcome, UrlSchedule


@dataclass(frozen=True)
class Schedule:
    """Check intervals in seconds: ``first`` after a new snapshot, then multiplied by
    ``grow`` while unchanged, by ``shrink`` on a change, within ``minimum``..``maximum``.
    (The three bounds are settings: crawler.config builds the schedule from them.)"""

    minimum: float
    maximum: float
    first: float
    grow: float = 2.0
    shrink: float = 0.5

    def __post_init__(self) -> None:
        if not 0 < self.minimum <= self.maximum:
            raise ValueError("the minimum must be more than 0 and at most the maximum")

    def interval(self, previous: float | None, outcome: Outcome, failures: int = 0) -> float:
        """The interval until the next check after a check with this outcome."""
        if outcome == Outcome.NEW or previous is None:
            chosen = self.first
        elif outcome == Outcome.CHANGED:
            chosen = previous * self.shrink
        elif outcome == Outcome.FAILED and failures <= 1:
            chosen = min(previous, self.first)
        else:
            chosen = previous * self.grow
        return max(self.minimum, min(self.maximum, chosen))

    def next_check(self, checked_at: datetime, interval: float,
                   not_before: float | None = None) -> str:
        """When the next check is due; ``not_before`` is a server's Retry-After, in seconds,
        heeded up to ``maximum`` (a server cannot push its next check to the year 9999)."""
        wait = max(interval, min(not_before or 0, self.maximum))
        return iso(checked_at + timedelta(seconds=wait))

    def after(self, current: UrlSchedule, outcome: Outcome, checked_at: str,
              retry_after: float | None = None) -> UrlSchedule:
        """A URL's schedule after a check with this outcome at ``checked_at``; a server's
        ``retry_after`` (seconds) delays the next check."""
        failures = current.failures + 1 if outcome == Outcome.FAILED else 0
        interval = current.fixed_interval or self.interval(current.interval, outcome, failures)
        return UrlSchedule(
            interval=interval, failures=failures, last_outcome=outcome,
            last_checked_at=checked_at,
            next_check_at=self.next_check(parse_iso(checked_at), interval, retry_after),
            fixed_interval=current.fixed_interval)
