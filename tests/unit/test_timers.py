"""Intervals as cron can keep them (exactly, or the nearest with a note), and as systemd."""

from __future__ import annotations

import pytest

from crawler.core.timers import cron_timing, duration_text


@pytest.mark.parametrize(("every", "fields"), [
    (60, "* * * * *"), (15 * 60, "*/15 * * * *"), (3600, "0 * * * *"),
    (6 * 3600, "0 */6 * * *"), (86400, "0 3 * * *"), (7 * 86400, "0 3 * * 0")])
def test_intervals_cron_keeps_exactly(every, fields):
    timing = cron_timing(every)
    assert (timing.fields, timing.interval, timing.exact) == (fields, every, True)


@pytest.mark.parametrize(("every", "kept"), [
    (90 * 60, "1h"), (5 * 3600, "4h"), (3 * 86400, "1d"), (45, "1m"), (7 * 60, "6m")])
def test_other_intervals_say_what_cron_keeps_instead(every, kept):
    timing = cron_timing(every)
    assert not timing.exact
    assert timing.note == (f"cron cannot run every {duration_text(every)} evenly; this line "
                           f"runs every {kept} (--print-systemd prints a timer that keeps the "
                           "interval exactly)")


def test_duration_text():
    assert [duration_text(s) for s in (45, 90 * 60, 5 * 3600, 86400, 14 * 86400)] == [
        "45s", "90m", "5h", "1d", "2w"]
