"""When URLs are due: durations, intervals that grow and shrink, cron lines."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.core.clock import parse_duration
from crawler.core.models import Outcome, UrlSchedule
from crawler.core.schedule import Schedule
from crawler.jobs.repeat import cron_line
from crawler.errors import InvalidDuration


def test_parse_duration():
    assert [parse_duration(text) for text in ("90s", "30m", "6h", "1d", "2w", "1.5h")] == [
        90, 1800, 21600, 86400, 1209600, 5400]
    for bad in ("6", "h", "-1h", "0s", "six hours"):
        with pytest.raises(InvalidDuration):
            parse_duration(bad)


def test_interval_grows_while_unchanged_and_shrinks_on_change_within_bounds():
    schedule = Schedule(minimum=3600, maximum=8 * 86400, first=86400)
    assert schedule.interval(None, Outcome.NEW) == 86400
    assert schedule.interval(86400, Outcome.UNCHANGED) == 2 * 86400
    assert schedule.interval(6 * 86400, Outcome.UNCHANGED) == 8 * 86400
    assert schedule.interval(86400, Outcome.CHANGED) == 43200
    assert schedule.interval(4000, Outcome.CHANGED) == 3600
    assert schedule.interval(8 * 86400, Outcome.FAILED, failures=1) == 86400, "confirm soon"
    assert schedule.interval(86400, Outcome.FAILED, failures=2) == 2 * 86400
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    assert schedule.next_check(moment, 3600) == "2026-01-01T01:00:00.000Z"
    assert schedule.next_check(moment, 3600, not_before=7200) == "2026-01-01T02:00:00.000Z"


def test_cron_line():
    assert cron_line(6 * 3600, "cd /srv && sk crawl", "/srv/a.log") == (
        "0 */6 * * * cd /srv && sk crawl >> /srv/a.log 2>&1")
    assert cron_line(1800, "x") == "*/30 * * * * x"
    assert cron_line(86400, "x") == "0 3 * * * x"


def test_a_servers_retry_after_is_heeded_up_to_the_maximum_interval():
    schedule = Schedule(minimum=3600, maximum=30 * 86400, first=86400)
    checked = "2026-11-25T12:00:00.000Z"
    for asked in (1e30, float("inf"), 253402300799.0):  # ... the year 9999
        after = schedule.after(UrlSchedule(), Outcome.FAILED, checked, retry_after=asked)
        assert after.next_check_at == "2026-12-25T12:00:00.000Z"
    soon = schedule.after(UrlSchedule(), Outcome.FAILED, checked, retry_after=7200)
    assert soon.next_check_at == "2026-11-26T12:00:00.000Z", "the interval, when longer"
