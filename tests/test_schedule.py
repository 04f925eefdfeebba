"""When URLs are due, conditional requests, and the ``schedule`` command."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest

from crawler.core.schedule import Schedule, cron_line
from crawler.core.clock import parse_duration
from crawler.errors import InvalidDuration as ScheduleError
from tests.conftest import FAST, PUTIN, RELATED, rows
from tests.server import Reply, page


def test_parse_duration():
    assert [parse_duration(text) for text in ("90s", "30m", "6h", "1d", "2w", "1.5h")] == [
        90, 1800, 21600, 86400, 1209600, 5400]
    for bad in ("6", "h", "-1h", "0s", "six hours"):
        with pytest.raises(ScheduleError):
            parse_duration(bad)


def test_interval_grows_while_unchanged_and_shrinks_on_change_within_bounds():
    schedule = Schedule(minimum=3600, maximum=8 * 86400, first=86400)
    assert schedule.interval(None, "new") == 86400
    assert schedule.interval(86400, "unchanged") == 2 * 86400
    assert schedule.interval(6 * 86400, "unchanged") == 8 * 86400
    assert schedule.interval(86400, "changed") == 43200
    assert schedule.interval(4000, "changed") == 3600
    assert schedule.interval(8 * 86400, "failed", failures=1) == 86400, "confirm soon"
    assert schedule.interval(86400, "failed", failures=2) == 2 * 86400
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    assert schedule.next_check(moment, 3600) == "2026-01-01T01:00:00.000Z"
    assert schedule.next_check(moment, 3600, not_before=7200) == "2026-01-01T02:00:00.000Z"


def test_cron_line():
    assert cron_line(6 * 3600, "cd /srv && sk crawl", "/srv/a.log") == (
        "0 */6 * * * cd /srv && sk crawl >> /srv/a.log 2>&1")
    assert cron_line(1800, "x") == "*/30 * * * * x"
    assert cron_line(86400, "x") == "0 3 * * * x"


def make_due(db, path: str, server) -> None:
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE urls SET next_check_at = '2000-01-01T00:00:00.000Z' WHERE url = ?",
                     (server.url(path),))


def test_only_due_urls_are_checked(sourcekeeper, documents, server, tmp_path):
    db = tmp_path / "a.db"
    doc = str(documents / "moscow-times.txt")
    assert sourcekeeper("crawl", doc, "--db", str(db), *FAST).returncode == 0
    due = {row["url"]: row["next_check_at"] for row in rows(db, "SELECT * FROM urls")}
    assert all(when > "2026" for when in due.values())

    again = sourcekeeper("crawl", "--db", str(db), *FAST)
    assert again.stdout.strip() == ("0 documents read, 2 URLs found (0 due), "
                                    "0 archived (0 new, 0 changed), 0 unchanged, 0 failed")
    assert server.hits(PUTIN) == 1

    make_due(db, RELATED, server)
    again = sourcekeeper("crawl", "--db", str(db), *FAST)
    assert "2 URLs found (1 due)" in again.stdout and "1 unchanged" in again.stdout
    assert (server.hits(PUTIN), server.hits(RELATED)) == (1, 2)
    interval = rows(db, "SELECT interval FROM urls WHERE url = ?", server.url(RELATED))
    assert interval == [{"interval": 2 * 86400.0}], "unchanged: checked half as often"


def test_limit_takes_the_most_overdue_first(sourcekeeper, documents, server, tmp_path):
    db = tmp_path / "a.db"
    doc = str(documents / "moscow-times.txt")
    assert sourcekeeper("crawl", doc, "--db", str(db), *FAST).returncode == 0
    make_due(db, RELATED, server)
    result = sourcekeeper("crawl", "--db", str(db), "--all", "--limit", "1", *FAST)
    assert "(1 due)" in result.stdout
    assert (server.hits(PUTIN), server.hits(RELATED)) == (1, 2)


def test_conditional_requests_and_304(sourcekeeper, documents, server, tmp_path):
    server.route(PUTIN, page("putin-offers.html", ETag='"v1"',
                             **{"Last-Modified": "Thu, 22 Apr 2021 14:05:00 GMT"}))
    db = tmp_path / "a.db"
    doc = str(documents / "moscow-times.txt")
    assert sourcekeeper("crawl", doc, "--db", str(db), *FAST).returncode == 0
    result = sourcekeeper("crawl", doc, "--db", str(db), "--all", *FAST)
    assert result.stdout.strip().endswith("0 archived (0 new, 0 changed), 2 unchanged, 0 failed")
    sent = [headers for path, headers in server.requests if path == PUTIN]
    assert "If-None-Match" not in sent[0]
    assert sent[1]["If-None-Match"] == '"v1"'
    assert sent[1]["If-Modified-Since"] == "Thu, 22 Apr 2021 14:05:00 GMT"
    checks = rows(db, "SELECT outcome, status, snapshot_id FROM checks JOIN urls"
                      " ON urls.id = url_id WHERE urls.url = ? ORDER BY checks.id",
                  server.url(PUTIN))
    assert [(c["outcome"], c["status"]) for c in checks] == [("new", 200), ("unchanged", 304)]
    assert checks[1]["snapshot_id"] == checks[0]["snapshot_id"]


def test_refetch_is_never_conditional(sourcekeeper, documents, server, tmp_path):
    server.route(PUTIN, page("putin-offers.html", ETag='"v1"'))
    db = tmp_path / "a.db"
    assert sourcekeeper("crawl", str(documents / "moscow-times.txt"), "--db", str(db),
                        *FAST).returncode == 0
    result = sourcekeeper("refetch", server.url(PUTIN), "--db", str(db), *FAST)
    assert (result.returncode, result.stdout.strip()) == (0, "unchanged")
    assert "If-None-Match" not in [h for p, h in server.requests if p == PUTIN][-1]


def test_retry_after_delays_the_next_check(sourcekeeper, server, tmp_path):
    server.route("/later", Reply(429, b"", {"Retry-After": "864000"}))
    doc = tmp_path / "d.txt"
    doc.write_text(f"See {server.url('/later')}\n")
    db = tmp_path / "a.db"
    assert sourcekeeper("crawl", str(doc), "--db", str(db), *FAST).returncode == 0
    [url] = rows(db, "SELECT next_check_at, last_checked_at FROM urls")
    waited = (datetime.fromisoformat(url["next_check_at"].replace("Z", "+00:00"))
              - datetime.fromisoformat(url["last_checked_at"].replace("Z", "+00:00")))
    assert waited.total_seconds() == 864000


def test_schedule_command_runs_crawls_one_after_another(sourcekeeper, documents, tmp_path):
    db = tmp_path / "a.db"
    result = sourcekeeper("schedule", str(documents / "moscow-times.txt"), "--db", str(db),
                          "--every", "1s", "--max-runs", "2", *FAST)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("documents read") == 2
    assert "run 2 ended with exit code 0" in result.stderr
    assert [run["status"] for run in rows(db, "SELECT status FROM runs")] == [
        "finished", "finished"]


def test_print_cron(sourcekeeper, documents, tmp_path):
    result = sourcekeeper("schedule", str(documents), "--db", "a.db", "--every", "6h",
                          "--print-cron")
    assert result.returncode == 0
    line = result.stdout.strip()
    assert line.startswith("0 */6 * * * ") and " -m crawler crawl " in line
    assert str(documents) in line and f"--db {tmp_path / 'a.db'}" in line
    assert line.endswith(f">> {tmp_path / 'a.db'}.log 2>&1")
    bad = sourcekeeper("schedule", "--every", "often")
    assert bad.returncode == 2 and "expected a number and a unit" in bad.stderr
