"""Saying "every 90 minutes" to cron and to systemd.

cron matches clock fields; it cannot say "every 90 minutes", and ``*/5`` in the hour field
means 0, 5, 10, 15 and 20 h (then 0 h again: a 4-hour gap at midnight), ``*/7`` in the day
field restarts on the 1st of each month. A schedule printed for cron is therefore exact only
when the interval divides the hour, the day or the week evenly; otherwise the nearest
interval cron can keep is printed with a comment saying what differs. A systemd timer
(``OnUnitActiveSec``) keeps any interval exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

_MINUTE, _HOUR, _DAY, _WEEK = 60, 3600, 86400, 604800


@dataclass(frozen=True)
class CronTiming:
    """The five time fields of a crontab line, the interval they keep (seconds) and, when
    that is not the one asked for, what differs."""

    fields: str
    interval: float
    note: str | None = None

    @property
    def exact(self) -> bool:
        return self.note is None


def duration_text(seconds: float) -> str:
    """``90m``, ``6h``, ``1d`` ... the shortest exact form of an interval."""
    for unit, size in (("w", _WEEK), ("d", _DAY), ("h", _HOUR), ("m", _MINUTE)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def _exact(seconds: float) -> CronTiming | None:
    if seconds % _MINUTE:
        return None
    minutes = int(seconds // _MINUTE)
    if minutes < 60 and 60 % minutes == 0:
        return CronTiming("* * * * *" if minutes == 1 else f"*/{minutes} * * * *", seconds)
    if seconds % _HOUR == 0 and seconds < _DAY and 24 % (seconds // _HOUR) == 0:
        hours = int(seconds // _HOUR)
        return CronTiming("0 * * * *" if hours == 1 else f"0 */{hours} * * *", seconds)
    if seconds == _DAY:
        return CronTiming("0 3 * * *", seconds)
    if seconds == _WEEK:
        return CronTiming("0 3 * * 0", seconds)
    return None


# What cron can keep exactly, shortest first: the candidates for the nearest.
_KEPT = [size for size in [*(m * _MINUTE for m in (1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30)),
                           *(h * _HOUR for h in (1, 2, 3, 4, 6, 8, 12)), _DAY, _WEEK]]


def cron_timing(seconds: float) -> CronTiming:
    """The crontab fields for a run every ``seconds``: exact when cron can keep it, else the
    nearest interval it can, with a note."""
    exact = _exact(seconds)
    if exact is not None:
        return exact
    nearest = min(_KEPT, key=lambda kept: (abs(kept - seconds), kept))
    timing = _exact(nearest)
    assert timing is not None
    return CronTiming(timing.fields, nearest,
                      f"cron cannot run every {duration_text(seconds)} evenly; this line runs "
                      f"every {duration_text(nearest)} (--print-systemd prints a timer that "
                      "keeps the interval exactly)")
