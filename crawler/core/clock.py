"""Time as the archive writes it, and durations as people write them.

Every timestamp sourcekeeper stores is UTC, ISO 8601 with milliseconds and a ``Z``
(``2026-11-25T21:22:00.123Z``): it sorts as text, so SQLite compares times without parsing
them, and it reads the same in any time zone.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time

from crawler.errors import InvalidDuration, InvalidTime

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$", re.IGNORECASE)


def iso(moment: datetime) -> str:
    """A moment as archive time text."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def utcnow() -> str:
    """Now, as archive time text."""
    return iso(datetime.now(UTC))


def shown_time(moment: str | None, utc: bool = False) -> str:
    """An archive time as a person reads it: local time to the second with its zone, or UTC
    with ``utc``. Machine outputs (JSON, CSV, exports) keep the ISO form."""
    if not moment:
        return "-"
    parsed = parse_iso(moment)
    if utc:
        return parsed.strftime("%Y-%m-%d %H:%M:%S UTC")
    return parsed.astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")


def parse_iso(text: str) -> datetime:
    """Archive time text (or any ISO 8601 date-time) as an aware datetime (UTC if naive)."""
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def parse_moment(text: str, end: bool = False) -> str:
    """A date or date-time as a person writes it (ISO 8601, UTC unless it says otherwise) as
    archive time text; a date alone is its first moment, or its last with ``end``."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day, time.max if end else time.min, tzinfo=UTC)
        else:
            moment = parse_iso(text)
    except ValueError:
        raise InvalidTime(f"{text!r} is not an ISO date or date-time "
                          "(e.g. 2026-11-01 or 2026-11-01T08:30)") from None
    return iso(moment)


def parse_duration(text: str) -> float:
    """Seconds in ``90s``, ``30m``, ``6h``, ``1d`` or ``2w``."""
    match = _DURATION.match(text)
    if not match:
        raise InvalidDuration(f"{text!r}: expected a number and a unit (s, m, h, d, w), e.g. 6h")
    seconds = float(match[1]) * _UNITS[match[2].lower()]
    if seconds <= 0:
        raise InvalidDuration(f"{text!r}: must be longer than zero")
    return seconds
