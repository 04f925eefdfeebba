"""``sourcekeeper show``: one archived version, as text, HTML, headers or JSON."""

from __future__ import annotations

import json

from crawler import api
from tests.helpers import RELATED
from tests.server import FIXTURES


def test_show_the_newest_text_with_a_header_line(invoke, crawled, server):
    result = invoke("show", server.url(RELATED), "--db", str(crawled), "--utc")
    assert result.exit_code == 0, result.stderr
    [newest] = [r for r in api.snapshots(db=str(crawled), url=server.url(RELATED), latest=True)]
    assert result.stderr == (f"snapshot {newest.id} of {server.url(RELATED)}, taken "
                             f"{newest.fetched_at[:10]} {newest.fetched_at[11:19]} UTC "
                             f"(HTTP 200, changed)\n")
    assert result.stdout.startswith("Putin Offers to Meet Ukraine President")
    assert newest.text in result.stdout


def test_show_an_earlier_version_by_number_or_time(invoke, crawled, server):
    first, second = api.snapshots(db=str(crawled), url=server.url(RELATED))
    by_number = invoke("show", server.url(RELATED), "--snapshot", str(first.id), "--db",
                       str(crawled))
    assert by_number.stdout.startswith("Russia to Withdraw Troops")
    by_time = invoke("show", server.url(RELATED), "--at", first.fetched_at, "--db", str(crawled))
    assert by_time.stdout == by_number.stdout
    before = invoke("show", server.url(RELATED), "--at", "2001-01-01", "--db", str(crawled))
    assert before.exit_code == 1
    assert before.stderr == (f"sourcekeeper: {server.url(RELATED)}: no snapshot taken at or "
                             "before 2001-01-01\n")
    other = invoke("show", server.url(RELATED), "--snapshot", "9999", "--db", str(crawled))
    assert other.stderr.endswith("no snapshot 9999\n") and other.exit_code == 1


def test_show_html_headers_and_json(invoke, crawled, server):
    first, _ = api.snapshots(db=str(crawled), url=server.url(RELATED))
    html = invoke("show", server.url(RELATED), "--snapshot", str(first.id), "--html", "--db",
                  str(crawled))
    assert html.stdout_bytes == (FIXTURES / "pages" / "russia-withdraw.html").read_bytes()
    headers = invoke("show", server.url(RELATED), "--headers", "--db", str(crawled))
    assert headers.stdout.startswith("HTTP/1.1 200\n")
    assert "Content-Type: text/html; charset=utf-8" in headers.stdout
    record = json.loads(invoke("show", server.url(RELATED), "--json", "--db",
                               str(crawled)).stdout)
    assert record["url"] == server.url(RELATED) and record["status"] == 200
    both = invoke("show", server.url(RELATED), "--at", "2026-01-01", "--snapshot", "1",
                  "--db", str(crawled))
    assert both.exit_code == 2 and "give one" in both.stderr
    missing = invoke("show", "https://nowhere.example/", "--db", str(crawled))
    assert missing.stderr == "sourcekeeper: https://nowhere.example/: not in the archive\n"
