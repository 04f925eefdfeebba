"""``sourcekeeper list`` and ``schedule URL --every``: operating an archive."""

from __future__ import annotations

import json

from crawler import api
from tests.helpers import PUTIN, RELATED


def test_list_shows_every_url_worst_first(invoke, crawled, server):
    result = invoke("list", "--db", str(crawled), "--utc")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    states = [line.split()[0] for line in lines]
    assert states == ["moved", "changed", "failing", "ok", "ok", "ok", "ok", "ok"]
    moved = lines[0].split()
    assert moved[1] == server.url("/old/maudlin")
    assert lines[0].endswith(f"now at {server.url('/words/maudlin.html')}")
    changed = next(line for line in lines if server.url(RELATED) in line)
    assert "(changed)" in changed and "2 snapshots, 1 documents" in changed
    assert "headline changed" in changed and len(changed.split("  ")[-1]) <= 100
    gone = next(line for line in lines if server.url("/gone") in line)
    assert "(failed)" in gone and "HTTP 404 Not Found (1 check)" in gone
    assert " UTC " in gone and "T" not in gone.split()[3], "a time for people, not ISO"


def test_list_filters_by_state_and_speaks_json(invoke, crawled, server):
    only = invoke("list", "--state", "moved", "--state", "failing", "--db", str(crawled))
    assert [line.split()[0] for line in only.stdout.splitlines()] == ["moved", "failing"]
    rows = [json.loads(line) for line in invoke("list", "--state", "ok", "--json", "--db",
                                                str(crawled)).stdout.splitlines()]
    assert {row["state"] for row in rows} == {"ok"} and len(rows) == 5
    putin = next(row for row in rows if row["url"] == server.url(PUTIN))
    assert putin["documents"] == 2 and putin["snapshots"] == 1
    assert putin["last_checked_at"].endswith("Z") and putin["fixed_interval"] is None
    wrong = invoke("list", "--state", "dead", "--db", str(crawled))
    assert wrong.exit_code == 2 and "'--state': 'dead' is not one of" in wrong.stderr


def test_schedule_url_sets_its_interval_until_adaptive(invoke, crawled, server):
    url = server.url(RELATED)
    before = next(info for info in api.list_urls(db=str(crawled)) if info.url == url)
    result = invoke("schedule", url, "--every", "15m", "--db", str(crawled))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(f"{url}: checked every 15m, next at ")
    assert "crawls must run at least every 15m" in result.stderr
    after = next(info for info in api.list_urls(db=str(crawled)) if info.url == url)
    assert after.fixed_interval == 900 and after.next_check_at < before.next_check_at
    listed = invoke("list", "--state", "changed", "--db", str(crawled)).stdout
    assert "every 15m (set)" in listed
    back = invoke("schedule", url, "--adaptive", "--db", str(crawled))
    assert back.stdout.startswith(f"{url}: checked on the adaptive schedule")
    assert next(info for info in api.list_urls(db=str(crawled))
                if info.url == url).fixed_interval is None


def test_schedule_url_mistakes_are_one_line(invoke, crawled, server, documents):
    db = str(crawled)
    cases = {
        (server.url(RELATED),): "with URLS, say how often: --every 15m (or --adaptive)",
        (server.url(RELATED), "--every", "10s"): "--every 10s: a URL is checked at most once "
                                                 "a minute",
        (server.url(RELATED), str(documents), "--every", "1h"): "give either PATHS",
        ("https://nowhere.example/", "--every", "1h"): "https://nowhere.example/: not in "
                                                       "the archive",
        ("no-such-folder", "--print-cron"): "no-such-folder: no such file or folder",
        (str(documents), "--adaptive"): "--adaptive is for URLS",
    }
    for args, message in cases.items():
        result = invoke("schedule", *args, "--db", db)
        assert result.exit_code in (1, 2), args
        assert result.stderr.startswith("sourcekeeper: ") and message in result.stderr, args
        assert len(result.stderr.splitlines()) == 1, result.stderr
