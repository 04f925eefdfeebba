"""End to end: a gone source recovered from a web archive, as a user's crawl meets it.

A local fake Wayback Machine and Memento TimeMap (tests/web_archive.py) serve several
captures of a page with different texts; the source itself is served (or not) by the fixture
server. Nothing talks to the internet.
"""

from __future__ import annotations

import json

import pytest

from crawler import api
from crawler.core.views import QuoteStatus
from tests.helpers import FAST, get, pywb, timestamp
from tests.server import Reply
from tests.web_archive import WebArchive

QUOTE = "we will rebuild the bridge before the winter comes"
BODY = ("The council met on Tuesday to discuss the future of the old bridge across the river, "
        "which has been closed since the spring floods damaged its eastern pillars. Engineers "
        "said repairs would cost more than four million euros and take at least eight months.")


def article(title: str, lead: str) -> str:
    return (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"<p>{lead}</p><p>{BODY}</p></article></body></html>")


BEFORE = article("Bridge to be rebuilt", f'The mayor said "{QUOTE}" at the meeting.')
EDITED = article("Bridge plans in doubt", "The mayor did not say when works would start.")
AFTER = article("Bridge rebuilt soon", f'Earlier the mayor said "{QUOTE}".')


def crawled_without_look_ups(sourcekeeper, server, archive, tmp_path) -> tuple[str, str]:
    """A gone source with captures in the archive, crawled with the fallback off: its URL
    and the archive file."""
    url = server.url("/news/bridge")
    captures(archive, url)
    db = str(tmp_path / "archive.db")
    crawled = sourcekeeper("crawl", note(tmp_path, url), "--db", db, *memento_settings(archive),
                           "-s", "MEMENTO_FALLBACK=False")
    assert crawled.returncode == 0, crawled.stderr
    return url, db


def html(text: str) -> Reply:
    return Reply(200, text.encode(), {"Content-Type": "text/html; charset=utf-8"})


@pytest.fixture
def archive():
    with WebArchive() as running:
        yield running


def memento_settings(archive: WebArchive, *more: str) -> list[str]:
    return [*FAST, "-s", "MEMENTO_FALLBACK=True", "-s", f"MEMENTO_ENDPOINTS=wayback="
            f"{archive.base}", "-s", "MEMENTO_DELAY=0.05", *more]


def note(tmp_path, url: str, published: str = "2025-07-03") -> str:
    docs = tmp_path / "docs"
    docs.mkdir(exist_ok=True)
    (docs / "note.txt").write_text(
        f"Published: {published}\n\nThe mayor said \"{QUOTE}\", and the council met on "
        f"Tuesday to discuss the future of the old bridge across the river.\n\nSource: {url}\n")
    return str(docs)


def captures(archive: WebArchive, url: str) -> None:
    archive.add(url, "20250620101010", BEFORE)
    archive.add(url, "20250702101010", EDITED)  # the nearest to the document, but edited
    archive.add(url, "20250801101010", AFTER)  # has the quote, but after the document


def test_a_gone_source_gets_the_copy_before_the_document_that_carries_its_quote(
        sourcekeeper, server, archive, tmp_path):
    url = server.url("/news/bridge")
    server.route("/news/bridge", Reply(404, b"<h1>Not Found</h1>", {"Content-Type": "text/html"}))
    captures(archive, url)
    archive.add(url, "20210101000000", BEFORE.replace("Bridge", "Old"))  # 2 years too early
    db = str(tmp_path / "archive.db")
    result = sourcekeeper("crawl", note(tmp_path, url), "--db", db, *memento_settings(archive))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().endswith("1 failed")

    [document] = api.report(db=db)
    [source] = document.sources
    copy = source.recovered
    assert copy is not None
    assert copy.taken == "2025-06-20T10:10:10.000Z"  # not 07-02, the nearest: it lost the quote
    assert (copy.quotes, copy.quotes_total) == ((QUOTE,), 1)
    assert (copy.written, copy.written_from) == ("2025-07-03T00:00:00.000Z", "metadata")
    [quote] = document.quotes
    assert (quote.status, quote.url, quote.since) == (
        QuoteStatus.ARCHIVED, url, "2025-06-20T10:10:10.000Z")
    # Only the shortlisted captures were fetched, raw, each once.
    assert sorted(archive.paths("/web/")) == sorted(
        f"/web/{stamp}id_/{url}" for stamp in ("20250620101010", "20250702101010",
                                               "20250801101010"))

    # The copy is a snapshot of the source that says where it came from, everywhere.
    history = sourcekeeper("history", url, "--db", db, "--utc")
    assert history.returncode == 0, history.stderr
    assert "memento       copy from 127.0.0.1" in history.stdout
    assert "taken 2025-06-20 10:10:10 UTC" in history.stdout
    [exported] = [json.loads(line) for line in sourcekeeper(
        "export", "--db", db, "--format", "jsonl").stdout.splitlines()]
    assert (exported["origin"], exported["memento_datetime"], exported["url"]) == (
        "memento", "2025-06-20T10:10:10.000Z", url)
    assert exported["memento_uri"] == f"{archive.base}/web/20250620101010/{url}"
    report = sourcekeeper("report", "--db", db, "--utc")
    assert "archived copy: 127.0.0.1" in report.stdout
    assert "13 days before the document (2025-07-03), date from metadata" in report.stdout
    assert "carries 1 of 1 quotes" in report.stdout


def test_a_live_source_archived_late_is_looked_up_and_diffed(sourcekeeper, server, archive,
                                                                tmp_path):
    url = server.url("/news/bridge")
    server.route("/news/bridge", html(EDITED))
    captures(archive, url)
    db = str(tmp_path / "archive.db")
    result = sourcekeeper("crawl", note(tmp_path, url), "--db", db, *memento_settings(archive))
    assert result.returncode == 0, result.stderr
    assert archive.paths("/cdx/"), "capture lag must trigger a look-up"
    [document] = api.report(db=db)
    assert document.sources[0].recovered.taken == "2025-06-20T10:10:10.000Z"
    # Our own snapshot never had the quote; the archive's copy from before the document does.
    assert document.quotes[0].status is QuoteStatus.ARCHIVED
    diff = sourcekeeper("diff", url, "--archived", "--db", db, "--utc")
    assert diff.returncode == 0, diff.stderr
    assert diff.stdout.startswith("archived copy taken 2025-06-20 10:10:10 UTC -> ")
    assert f'-The mayor said "{QUOTE}" at the meeting.' in diff.stdout

    # A second crawl within MEMENTO_CACHE asks the archive nothing more, even though the
    # source is now gone (which alone would ask for a look-up).
    server.route("/news/bridge", Reply(404, b"gone", {"Content-Type": "text/plain"}))
    before = len(archive.requests)
    again = sourcekeeper("crawl", "--all", "--db", db, *memento_settings(archive))
    assert again.returncode == 0, again.stderr
    assert len(archive.requests) == before


def test_a_cited_wayback_link_gives_the_live_page_and_the_copy(sourcekeeper, server, archive,
                                                                tmp_path):
    url = server.url("/news/bridge")
    server.route("/news/bridge", html(EDITED))
    captures(archive, url)
    cited = f"{archive.base}/web/20250620/{url}"  # a day: the archive redirects to its capture
    db = str(tmp_path / "archive.db")
    # Fallback off: no look-up, but the copy the document cites is fetched like any source.
    result = sourcekeeper("crawl", note(tmp_path, cited, published="2026-11-01"), "--db", db,
                          *memento_settings(archive), "-s", "MEMENTO_FALLBACK=False")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("1 documents read, 1 URLs found")
    assert not archive.paths("/cdx/") and not archive.paths("/wayback/")
    records = list(api.snapshots(db=db))
    assert sorted((record.url, record.memento is not None) for record in records) == [
        (url, False), (url, True)]
    copy = next(record for record in records if record.memento)
    assert (copy.memento.uri, copy.memento.datetime) == (cited, "2025-06-20T10:10:10.000Z")
    assert copy.final_url == f"{archive.base}/web/20250620101010id_/{url}"
    assert [(hop.status, hop.location) for hop in copy.redirects] == [
        (302, f"{archive.base}/web/20250620101010id_/{url}")]
    assert QUOTE in copy.text


def test_lookups_keep_to_one_request_at_a_time_per_archive_and_wait_after_a_429(
        sourcekeeper, server, archive, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for n in range(3):
        url = server.url(f"/gone/{n}")
        archive.add(url, "20250620101010", BEFORE)
        (docs / f"{n}.txt").write_text(f"Published: 2025-07-03\n\nSource: {url}\n")
    archive.throttle, archive.retry_after = 1, 1
    db = str(tmp_path / "archive.db")
    result = sourcekeeper("crawl", str(docs), "--db", db,
                          *memento_settings(archive, "-s", "MEMENTO_DELAY=0.2"))
    assert result.returncode == 0, result.stderr
    assert archive.most_in_flight == 1
    times = [moment for moment, _, _ in archive.requests]
    gaps = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    assert min(gaps) >= 0.19  # MEMENTO_DELAY between any two requests to the archive
    assert gaps[0] >= 0.99  # the first answer was a 429 with Retry-After: 1
    recovered = [source.recovered for document in api.report(db=db)
                 for source in document.sources]
    assert all(copy is not None for copy in recovered) and len(recovered) == 3


def test_no_archive_is_contacted_when_the_fallback_is_off(sourcekeeper, server, archive,
                                                          tmp_path):
    url = server.url("/gone")
    captures(archive, url)
    db = str(tmp_path / "archive.db")
    result = sourcekeeper("crawl", note(tmp_path, url), "--db", db,
                          *memento_settings(archive), "-s", "MEMENTO_FALLBACK=False")
    assert result.returncode == 0, result.stderr
    assert archive.requests == []
    assert api.report(db=db)[0].sources[0].recovered is None


@pytest.mark.parametrize("answer", [503, None])
def test_save_page_now_refusing_or_unreachable_never_fails_a_crawl(
        sourcekeeper, server, archive, tmp_path, answer):
    url = server.url("/news/bridge")
    server.route("/news/bridge", html(BEFORE))
    endpoint = f"{archive.base}/save"
    if answer is None:
        endpoint = "http://127.0.0.1:9/save"  # nothing listens there
    else:
        archive.save_status = answer
    db = str(tmp_path / "archive.db")
    result = sourcekeeper("crawl", note(tmp_path, url, "2026-11-20"), "--db", db,
                          "--save-to-wayback", *memento_settings(archive),
                          "-s", f"SPN_ENDPOINT={endpoint}")
    assert result.returncode == 0, result.stderr
    assert "1 archived (1 new" in result.stdout
    history = sourcekeeper("history", url, "--db", db).stdout
    status = "refused  HTTP 503" if answer else "failed  "
    assert f"Save Page Now: {status}" in history


def test_save_page_now_records_the_memento_it_made(sourcekeeper, server, archive, tmp_path):
    url = server.url("/news/bridge")
    server.route("/news/bridge", html(BEFORE))
    db = str(tmp_path / "archive.db")
    result = sourcekeeper("crawl", note(tmp_path, url, "2026-11-20"), "--db", db,
                          "--save-to-wayback", *memento_settings(archive),
                          "-s", f"SPN_ENDPOINT={archive.base}/save",
                          env={"SPN_ACCESS_KEY": "key", "SPN_SECRET": "secret"})
    assert result.returncode == 0, result.stderr
    assert archive.paths("/save") == ["/save"]  # the authenticated API: a POST
    assert [method for _, method, _ in archive.requests] == ["POST"]
    history = sourcekeeper("history", url, "--db", db).stdout
    assert f"Save Page Now: saved  {archive.base}/web/20261126000000/{url}" in history


def test_recover_on_demand(sourcekeeper, server, archive, tmp_path):
    url, db = crawled_without_look_ups(sourcekeeper, server, archive, tmp_path)
    result = sourcekeeper("recover", url, "--db", db, *memento_settings(archive))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == url
    assert lines[1].startswith("  recovered from 127.0.0.1")
    assert "13 days before the document (2025-07-03); 1 of 1 quotes" in lines[1]
    assert [line.split(":")[0] for line in lines[3:]] == [
        "  also 2025-07-02 127.0.0.1", "  also 2025-08-01 127.0.0.1"]

    as_json = sourcekeeper("recover", "--document", "docs/note.txt", "--db", db, "--json",
                           *memento_settings(archive))
    assert as_json.returncode == 0, as_json.stderr
    [lookup] = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert lookup["chosen"] == f"{archive.base}/web/20250620101010/{url}"

    nothing = sourcekeeper("recover", "--db", db)
    assert (nothing.returncode, nothing.stderr.strip()) == (
        2, "sourcekeeper: recover: name a URL, --document or --all-gone")
    unknown = sourcekeeper("recover", "https://example.org/never", "--db", db)
    assert (unknown.returncode, unknown.stderr.strip()) == (
        1, "sourcekeeper: https://example.org/never: not in the archive")
    archive.captures.clear()
    none = sourcekeeper("recover", url, "--db", db, *memento_settings(archive))
    assert none.returncode == 1
    assert none.stdout.splitlines()[1] == "  no archived copy: no archive has a copy"


def test_a_copy_replays_in_pywb_at_the_archive_s_uri_never_as_the_original(
        sourcekeeper, server, archive, tmp_path, pywb_bin):
    url = server.url("/news/bridge")
    captures(archive, url)
    db = str(tmp_path / "archive.db")
    crawled = sourcekeeper("crawl", note(tmp_path, url), "--db", db, *memento_settings(archive))
    assert crawled.returncode == 0, crawled.stderr
    [copy] = [record for record in api.snapshots(db=db) if record.memento]
    warc = tmp_path / "export.warc.gz"
    exported = sourcekeeper("export", "--db", db, "--format", "warc", "-o", str(warc))
    assert exported.returncode == 0, exported.stderr
    with pywb(pywb_bin, warc, tmp_path) as base:
        status, headers, body = get(f"{base}/{timestamp(copy.fetched_at)}id_/{copy.final_url}")
        assert status == 200
        assert body == api.body(copy.body_sha256, db=db)
        assert headers.get("Memento-Datetime") is not None
        # The original's URI has no capture of ours: the archive's copy is not passed off as one.
        assert get(f"{base}/{timestamp(copy.fetched_at)}id_/{url}")[0] == 404


def test_a_memento_timemap_answering_slowly(sourcekeeper, server, archive, tmp_path):
    url = server.url("/news/bridge")
    captures(archive, url)
    archive.delay = 0.5
    db = str(tmp_path / "archive.db")
    result = sourcekeeper("crawl", note(tmp_path, url), "--db", db,
                          *memento_settings(archive), "-s",
                          f"MEMENTO_ENDPOINTS=timemap={archive.base}/timemap/link/")
    assert result.returncode == 0, result.stderr
    assert archive.paths("/timemap/") == [f"/timemap/link/{url}"]
    assert not archive.paths("/cdx/")
    copy = api.report(db=db)[0].sources[0].recovered
    assert (copy.taken, copy.quotes) == ("2025-06-20T10:10:10.000Z", (QUOTE,))


def test_an_archive_in_the_private_network_is_refused_like_any_fetch(sourcekeeper, server,
                                                                      archive, tmp_path):
    url, db = crawled_without_look_ups(sourcekeeper, server, archive, tmp_path)
    refused = sourcekeeper("recover", url, "--db", db, "-s",
                           f"MEMENTO_ENDPOINTS=wayback={archive.base}")
    assert refused.returncode == 1
    assert "no archived copy: " in refused.stdout and "blocked: " in refused.stdout
    assert archive.requests == []


def test_save_page_now_is_asked_at_most_spn_max_per_run_times(sourcekeeper, server, archive,
                                                               tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    for n in range(3):
        server.route(f"/page/{n}", html(BEFORE.replace("Bridge", f"Bridge {n}")))
        (docs / f"{n}.txt").write_text(f"Source: {server.url(f'/page/{n}')}\n")
    db = str(tmp_path / "archive.db")
    result = sourcekeeper("crawl", str(docs), "--db", db, "--save-to-wayback",
                          *memento_settings(archive), "-s", f"SPN_ENDPOINT={archive.base}/save",
                          "-s", "SPN_MAX_PER_RUN=1")
    assert result.returncode == 0, result.stderr
    assert len(archive.paths("/save")) == 1
    assert result.stderr.strip() == ("WARNING: 2 new or changed sources were not submitted to "
                                     "Save Page Now (at most SPN_MAX_PER_RUN=1 per crawl)")


def test_the_availability_api_answers_when_the_cdx_server_does_not(sourcekeeper, server,
                                                                   archive, tmp_path):
    url = server.url("/news/bridge")
    captures(archive, url)
    archive.cdx_status = 503
    db = str(tmp_path / "archive.db")
    result = sourcekeeper("crawl", note(tmp_path, url), "--db", db, *memento_settings(archive))
    assert result.returncode == 0, result.stderr
    assert len(archive.paths("/cdx/")) == 3  # tried, and retried twice
    assert archive.paths("/wayback/available") == [
        f"/wayback/available?url={url}&timestamp=20250703000000"]
    # The capture closest to the document's date is all this API gives: the edited one.
    copy = api.report(db=db)[0].sources[0].recovered
    assert (copy.taken, copy.quotes) == ("2025-07-02T10:10:10.000Z", ())


def test_an_archive_asking_to_wait_for_a_day_is_left_for_the_run(sourcekeeper, server,
                                                                archive, tmp_path):
    url = server.url("/news/bridge")
    captures(archive, url)
    archive.throttle, archive.retry_after = 100, 86400
    db = str(tmp_path / "archive.db")
    result = sourcekeeper("crawl", note(tmp_path, url), "--db", db, *memento_settings(archive),
                          timeout=60)
    assert result.returncode == 0, result.stderr
    assert len(archive.requests) == 1  # asked once, not retried, not waited for
    assert api.report(db=db)[0].sources[0].recovered is None


def test_a_person_sees_the_archived_copy_in_the_browser(sourcekeeper, server, archive,
                                                        tmp_path):
    """`serve` in headless Chromium: the document page names the archive's copy and the quote
    only it has; the copy's snapshot page says it is not our own fetch."""
    pytest.importorskip("playwright.sync_api", reason="needs playwright (test extra)")
    import re
    import subprocess
    import sys

    from tests.helpers import in_a_thread, system_tool

    url = server.url("/news/bridge")
    captures(archive, url)
    db = str(tmp_path / "archive.db")
    crawled = sourcekeeper("crawl", note(tmp_path, url), "--db", db, *memento_settings(archive))
    assert crawled.returncode == 0, crawled.stderr
    serving = subprocess.Popen([sys.executable, "-m", "crawler", "serve", "--db", db, "--port",
                                "0"], stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    try:
        base = re.search(r"at (http://\S+) ", serving.stderr.readline())[1]

        def look() -> None:
            from playwright.sync_api import sync_playwright

            with sync_playwright() as driver:
                browser = driver.chromium.launch(
                    executable_path=system_tool("chromium", "chromium"), args=["--no-sandbox"])
                tab = browser.new_page()
                tab.goto(base)
                tab.get_by_role("link", name=re.compile("note.txt")).click()
                shown = tab.locator("main").inner_text()
                assert "archived copy from 127.0.0.1" in shown
                assert "13 days before the document (2025-07-03)" in shown
                assert "found only in an archived copy of" in shown
                tab.get_by_role("link", name=re.compile(r"snapshot \d+")).first.click()
                assert "not our own fetch" in tab.locator("main").inner_text()
                browser.close()

        in_a_thread(look)
    finally:
        serving.terminate()
        serving.wait(timeout=30)
