"""Whole crawls in this process (session, spider, middlewares, pipelines) against a local
fixture site: what gets archived, what is skipped, what is due, what is sent."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import pytest_twisted

from crawler import api
from crawler.core.clock import parse_iso
from crawler.core.models import Outcome, Role, RunStatus
from tests.helpers import (
    PUTIN, RELATED, crawl_here, failure_reasons, make_due, run_statuses, snapshots_by_path,
)
from tests.server import Reply, page


@pytest_twisted.ensureDeferred
async def test_crawl_archives_every_cited_source(documents, server, tmp_path, caplog):
    db = tmp_path / "archive.db"
    with caplog.at_level(logging.WARNING, logger="crawler"):
        result = await crawl_here(db, [documents], everything=True)
    assert result.summary == ("4 documents read (2 skipped), 8 URLs found (8 due), "
                              "7 archived (7 new, 0 changed), 0 unchanged, 1 failed")
    skipped = [record.getMessage() for record in caplog.records]
    assert any("binary.txt" in line for line in skipped)
    assert any("empty.md" in line for line in skipped)
    assert server.hits(PUTIN) == 1, "a URL cited twice is fetched once"

    snapshots = snapshots_by_path(db, server.base)
    putin = snapshots[PUTIN]
    assert putin.status == 200 and putin.title.startswith("Putin Offers to Meet")
    assert "welcome in Moscow" in putin.text and "Cookie settings" not in putin.text
    assert putin.author == "AFP" and putin.date == "2021-04-22"
    assert putin.language == "en" and putin.sitename == "The Moscow Times"
    assert snapshots["/old/maudlin"].final_url == server.url("/words/maudlin.html")
    assert "maudlin" in snapshots["/old/maudlin"].text.lower()
    pdf = snapshots["/files/report.pdf"]
    assert pdf.content_type == "application/pdf" and pdf.text is None
    assert "redress the climate crisis" in snapshots["/climate"].text
    assert "Shoigu" in snapshots["/flaky"].text, "a 503 is retried until it recovers"
    assert server.hits("/flaky") == 2
    assert "sisters Ann and Nancy Wilson" in snapshots["/loneliest"].text, "gunzipped"

    assert failure_reasons(db) == {server.url("/gone"): "HTTP 404 Not Found"}
    [gone] = api.history(server.url("/gone"), db=str(db))
    assert gone.status == 404
    [run] = api.status(db=str(db)).runs
    assert (run.status, run.documents, run.new, run.failed) == ("finished", 4, 7, 1)
    assert result.status is RunStatus.FINISHED and result.run_id == run.id


@pytest_twisted.ensureDeferred
async def test_seed_document_roles_and_rejoined_url(documents, server, tmp_path):
    db = tmp_path / "archive.db"
    result = await crawl_here(db, [documents / "moscow-times.txt"])
    assert result.finished
    [document] = api.report(db=str(db))
    assert [(source.url, source.role, source.anchor) for source in document.sources] == [
        (server.url(PUTIN), Role.ORIGINAL, None),
        (server.url(RELATED), Role.RELATED,
         "Russia to Withdraw Troops From Ukraine Border, Crimea"),
    ]
    assert len(list(api.snapshots(db=str(db)))) == 2
    [stored] = api.documents(db=str(db))
    assert "Russian President Vladimir Putin said on Thursday" in stored.text


@pytest_twisted.ensureDeferred
async def test_recrawl_of_unchanged_pages_stores_nothing_new(documents, tmp_path):
    db = tmp_path / "archive.db"
    assert (await crawl_here(db, [documents], everything=True)).finished
    before = api.status(db=str(db))
    again = await crawl_here(db, [documents], everything=True)
    assert again.summary.endswith("0 archived (0 new, 0 changed), 7 unchanged, 1 failed")
    after = api.status(db=str(db))
    assert (after.snapshots, after.bodies_bytes, after.documents) == (
        7, before.bodies_bytes, 4)
    outcomes = [entry.outcome for info in api.list_urls(db=str(db))
                for entry in api.history(info.url, db=str(db))]
    assert {outcome: outcomes.count(outcome) for outcome in set(outcomes)} == {
        Outcome.NEW: 7, Outcome.UNCHANGED: 7, Outcome.FAILED: 2}


@pytest_twisted.ensureDeferred
async def test_changed_page_gets_a_new_snapshot(documents, server, tmp_path):
    db = tmp_path / "archive.db"
    doc = documents / "moscow-times.txt"
    assert (await crawl_here(db, [doc])).finished
    server.route(RELATED, page("putin-offers.html"))
    result = await crawl_here(db, [doc], everything=True)
    assert result.summary.endswith("1 archived (0 new, 1 changed), 1 unchanged, 0 failed")
    texts = [record.text for record in api.snapshots(db=str(db), url=server.url(RELATED))]
    assert "Shoigu on Thursday ordered troops" in texts[0]
    assert "welcome in Moscow" in texts[1]


@pytest_twisted.ensureDeferred
async def test_only_due_urls_are_checked(documents, server, tmp_path):
    db = tmp_path / "a.db"
    doc = documents / "moscow-times.txt"
    assert (await crawl_here(db, [doc])).finished
    assert all(info.next_check_at > "2026" for info in api.list_urls(db=str(db)))

    again = await crawl_here(db)
    assert again.summary == ("0 documents read, 2 URLs found (0 due), "
                             "0 archived (0 new, 0 changed), 0 unchanged, 0 failed")
    assert server.hits(PUTIN) == 1

    make_due(db, server.url(RELATED))
    again = await crawl_here(db)
    assert "2 URLs found (1 due)" in again.summary and "1 unchanged" in again.summary
    assert (server.hits(PUTIN), server.hits(RELATED)) == (1, 2)
    related = next(info for info in api.list_urls(db=str(db)) if info.url == server.url(RELATED))
    assert related.interval == 2 * 86400.0, "unchanged: checked half as often"


@pytest_twisted.ensureDeferred
async def test_limit_takes_the_most_overdue_first(documents, server, tmp_path):
    db = tmp_path / "a.db"
    assert (await crawl_here(db, [documents / "moscow-times.txt"])).finished
    make_due(db, server.url(RELATED))
    result = await crawl_here(db, everything=True, limit=1)
    assert "(1 due)" in result.summary
    assert (server.hits(PUTIN), server.hits(RELATED)) == (1, 2)


@pytest_twisted.ensureDeferred
async def test_conditional_requests_and_304(documents, server, tmp_path):
    server.route(PUTIN, page("putin-offers.html", ETag='"v1"',
                             **{"Last-Modified": "Thu, 22 Apr 2021 14:05:00 GMT"}))
    db = tmp_path / "a.db"
    doc = documents / "moscow-times.txt"
    assert (await crawl_here(db, [doc])).finished
    result = await crawl_here(db, [doc], everything=True)
    assert result.summary.endswith("0 archived (0 new, 0 changed), 2 unchanged, 0 failed")
    assert result.counts.not_modified == 1
    sent = [headers for path, headers in server.requests if path == PUTIN]
    assert "If-None-Match" not in sent[0]
    assert sent[1]["If-None-Match"] == '"v1"'
    assert sent[1]["If-Modified-Since"] == "Thu, 22 Apr 2021 14:05:00 GMT"
    checks = api.history(server.url(PUTIN), db=str(db))
    assert [(c.outcome, c.status) for c in checks] == [(Outcome.NEW, 200),
                                                       (Outcome.UNCHANGED, 304)]
    assert checks[1].snapshot_id == checks[0].snapshot_id


@pytest_twisted.ensureDeferred
async def test_refetch_is_never_conditional_and_adds_no_mention(documents, server, tmp_path):
    server.route(PUTIN, page("putin-offers.html", ETag='"v1"'))
    db = tmp_path / "a.db"
    assert (await crawl_here(db, [documents / "moscow-times.txt"])).finished
    result = await crawl_here(db, url=server.url(PUTIN))
    assert result.last.outcome is Outcome.UNCHANGED
    assert "If-None-Match" not in [h for p, h in server.requests if p == PUTIN][-1]
    new = await crawl_here(db, url=server.url("/climate"))
    assert new.last.outcome is Outcome.NEW
    assert [run.status for run in api.status(db=str(db)).runs] == ["finished"] * 3
    assert all(server.url("/climate") != source.url
               for document in api.report(db=str(db)) for source in document.sources)


@pytest_twisted.ensureDeferred
async def test_retry_after_delays_the_next_check(server, tmp_path):
    server.route("/later", Reply(429, b"", {"Retry-After": "864000"}))
    doc = tmp_path / "d.txt"
    doc.write_text(f"See {server.url('/later')}\n")
    db = tmp_path / "a.db"
    assert (await crawl_here(db, [doc])).finished
    [url] = api.list_urls(db=str(db))
    waited = parse_iso(url.next_check_at) - parse_iso(url.last_checked_at)
    assert waited == timedelta(seconds=864000)


@pytest_twisted.ensureDeferred
async def test_a_second_crawl_of_an_archive_is_refused_while_one_runs(documents, tmp_path):
    from crawler.errors import LockHeld
    from crawler.storage import RunLock

    db = tmp_path / "a.db"
    with RunLock(db):
        try:
            await crawl_here(db, [documents])
        except LockHeld as exc:
            assert str(exc).startswith(f"{db}: another crawl is running on this archive")
        else:
            raise AssertionError("the crawl ran beside another")
    assert (await crawl_here(db, [documents / "moscow-times.txt"])).finished
    assert run_statuses(db) == ["finished"]


@pytest_twisted.ensureDeferred
async def test_a_run_that_cannot_be_planned_is_recorded_as_failed(tmp_path):
    from crawler.errors import InvalidURL

    db = tmp_path / "a.db"
    with pytest.raises(InvalidURL):
        await crawl_here(db, url="ftp://example.org/file")
    [run] = api.status(db=str(db)).runs
    assert (run.status, run.reason) == ("failed", "ftp://example.org/file: not an http(s) URL")


def test_a_run_whose_end_cannot_be_recorded_says_so_in_one_line(documents, tmp_path, caplog):
    from crawler import config
    from crawler.core.models import CrawlJob
    from crawler.jobs.session import ArchiveSession

    settings = config.project_settings({"ARCHIVE_DB": str(tmp_path / "a.db")})
    session = ArchiveSession.open(CrawlJob((str(documents / "moscow-times.txt"),)), settings)
    session.archive.close()  # the archive fails under the session's feet
    with caplog.at_level(logging.WARNING, logger="crawler"):
        session.close()
    assert session.status is RunStatus.INTERRUPTED
    [line] = [record.getMessage() for record in caplog.records]
    assert line.startswith(f"the end of run {session.run_id} could not be recorded: ")


@pytest_twisted.ensureDeferred
async def test_the_other_reading_of_a_wrapped_url_is_archived_when_the_first_is_not_found(
        server, tmp_path):
    """A line folded at the last column may cut a URL or end one: the crawl tries the
    joined reading, and when it does not exist, the other one, which the document then
    cites."""
    prose = ("The minutes of the council meeting of 4 November were published by the town "
             "hall on Friday, and several councillors asked for the recording to be released.")
    url = server.url("/2024/minutes")
    head = f"{prose} Source: "
    pad = (72 - (len(head) + len(url)) % 72) % 72
    text = f"{prose}{' ' * pad} Source: {url}and more was the headline. {prose} {prose}"
    doc = tmp_path / "folded.txt"
    doc.write_text("\n".join(text[n:n + 72] for n in range(0, len(text), 72)) + "\n")
    server.route("/2024/minutes", Reply(200, b"<html><body><article><p>The minutes of the "
                                             b"meeting, in full, as approved.</p></article>"
                                             b"</body></html>", {"Content-Type": "text/html"}))
    db = tmp_path / "a.db"
    result = await crawl_here(db, [doc])
    assert result.finished
    assert server.hits("/2024/minutesand") == 1 and server.hits("/2024/minutes") == 1
    [document] = api.report(db=str(db))
    assert [(source.url, source.state) for source in document.sources] == [(url, "ok")]
    again = await crawl_here(db, everything=True)
    assert again.counts.urls_due == 1, "the reading that does not exist is not checked again"
    status = api.status(db=str(db))
    assert (status.urls, status.failing) == (1, 0), "the replaced reading is not counted"

    # A new version of the note, the same wrapped URL in it: it cites the reading that
    # exists at once.
    doc.write_text(doc.read_text() + "\nEdited.\n")
    assert (await crawl_here(db, [doc])).finished
    [document] = api.report(db=str(db))
    assert [source.url for source in document.sources] == [url]
    assert server.hits("/2024/minutesand") == 1
    # Another document citing the replaced URL as written means it: it is checked again
    # (when due: it failed a moment ago).
    other = tmp_path / "other.txt"
    other.write_text(f"See {server.url('/2024/minutesand')} for details.\n")
    cited = await crawl_here(db, [other])
    assert cited.finished and cited.counts.urls_cited == 1
    [replaced] = [info for info in api.list_urls(db=str(db)) if info.url.endswith("minutesand")]
    assert replaced.superseded_by is None and replaced.next_check_at
