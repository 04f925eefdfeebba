"""When each URL is next due, and how scheduled runs are described.

A page that did not change is checked less often, one that changed more often, within bounds:
a nightly run over 50,000 URLs then fetches only the few hundred that are due. A URL that
starts failing is re-checked after ``first`` so that a failure can be confirmed (or cleared)
soon, then backs off like an unchanged page.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE)


class ScheduleError(ValueError):
    """A duration or schedule that cannot be used."""


def parse_duration(text: str) -> float:
    """Seconds in ``90s``, ``30m``, ``6h``, ``1d`` or ``2w``."""
    match = _DURATION.match(text)
    if not match:
        raise ScheduleError(f"{text!r}: expected a number and a unit (s, m, h, d, w), e.g. 6h")
    seconds = float(match[1]) * _UNITS[match[2].lower()]
    if seconds <= 0:
        raise ScheduleError(f"{text!r}: must be longer than zero")
    return seconds


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Schedule:
    """Check intervals in seconds: ``first`` after a new snapshot, then multiplied by
    ``grow`` while unchanged, by ``shrink`` on a change, within ``minimum``..``maximum``."""

    minimum: float = 3600.0
    maximum: float = 30 * 86400.0
    first: float = 86400.0
    grow: float = 2.0
    shrink: float = 0.5

    def __post_init__(self) -> None:
        if not 0 < self.minimum <= self.maximum:
            raise ScheduleError("the minimum interval must be positive and at most the maximum")

    def interval(self, previous: float | None, outcome: str, failures: int = 0) -> float:
        """The interval until the next check after a check with this outcome."""
        if outcome == "new" or previous is None:
            chosen = self.first
        elif outcome == "changed":
            chosen = previous * self.shrink
        elif outcome == "failed" and failures <= 1:
            chosen = min(previous, self.first)
        else:
            chosen = previous * self.grow
        return max(self.minimum, min(self.maximum, chosen))

    def next_check(self, checked_at: datetime, interval: float,
                   not_before: float | None = None) -> str:
        """When the next check is due; ``not_before`` is a server's Retry-After, in seconds."""
        wait = max(interval, not_before or 0)
        return iso(checked_at + timedelta(seconds=wait))


def cron_line(every: float, command: str, log: str | None = None) -> str:
    """A crontab line running the shell ``command`` about every ``every`` seconds."""
    minutes = max(1, round(every / 60))
    if minutes < 60:
        when = f"*/{minutes} * * * *" if minutes > 1 else "* * * * *"
    elif minutes < 1440:
        hours = max(1, round(minutes / 60))
        when = f"0 */{hours} * * *" if hours > 1 else "0 * * * *"
    else:
        days = max(1, round(minutes / 1440))
        when = f"0 3 */{days} * *" if days > 1 else "0 3 * * *"
    line = f"{when} {command}"
    if log:
        line += f" >> {shlex.quote(log)} 2>&1"
    return line
