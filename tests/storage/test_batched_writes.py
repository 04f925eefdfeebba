"""Items recorded in batches: one transaction for the items that queued, each item whole.

A crawl records the items that arrive while the archive is being written in one transaction
(crawler.jobs.session); each item sits in a savepoint of its own, so that an item the archive
refuses is rolled back alone and every other one keeps its check, snapshot and body together.
"""

from __future__ import annotations

import asyncio

import pytest
import pytest_twisted
from twisted.internet.defer import Deferred

from crawler import config
from crawler.core.models import CheckResult, CrawlJob, Outcome
from crawler.errors import ArchiveError
from crawler.fetch.items import FailureItem
from crawler.jobs.session import ArchiveSession
from tests.helpers import NOW, page_item as page


@pytest.fixture
def session(tmp_path):
    document = tmp_path / "notes.txt"
    document.write_text("Nothing cited here.\n")
    settings = config.project_settings({"ARCHIVE_DB": str(tmp_path / "a.db"),
                                        "MEMENTO_FALLBACK": False})
    opened = ArchiveSession.open(CrawlJob((str(document),)), settings)
    yield opened
    opened.close()


def urls(session: ArchiveSession, count: int) -> list[tuple[int, str]]:
    archive = session.archive
    found = [f"https://example.org/{n}" for n in range(count)]
    return [(archive.write(archive.urls.add, url, url, NOW), url) for url in found]


def stored(session: ArchiveSession) -> tuple[int, int, int]:
    """Snapshots, checks and bodies in the archive, through its reads."""
    archive = session.archive
    status = archive.reads.status(NOW, 0)
    return status.snapshots, len(list(archive.checks.records())), status.bodies


def test_a_write_inside_a_write_is_rolled_back_alone(session):
    archive = session.archive

    def refused() -> None:
        archive.urls.add("https://example.org/b", "https://example.org/b", NOW)
        raise ValueError("refused")

    def outer() -> None:
        archive.urls.add("https://example.org/a", "https://example.org/a", NOW)
        with pytest.raises(ValueError):
            archive.write(refused)
        archive.urls.add("https://example.org/c", "https://example.org/c", NOW)

    archive.write(outer)
    assert sorted(info.url for info in archive.urls.all()) == ["https://example.org/a",
                                                               "https://example.org/c"]


def test_a_refused_item_is_rolled_back_alone_and_not_counted(session):
    [(first, first_url), (second, second_url)] = urls(session, 2)
    items = [page(first, first_url, b"<p>one</p>", "one"),
             FailureItem(9999, "https://example.org/gone", NOW, "timeout"),  # no such URL
             page(second, second_url, b"<p>two</p>", "two")]
    outcomes = session.record_batch(items)
    assert [type(outcome) for outcome in outcomes] == [CheckResult, ArchiveError, CheckResult]
    assert [outcome.outcome for outcome in (outcomes[0], outcomes[2])] == [Outcome.NEW] * 2
    assert session.counts.new == 2 and session.counts.failed == 0
    assert stored(session) == (2, 2, 2)


@pytest_twisted.ensureDeferred
async def test_items_arriving_together_share_a_few_commits_and_are_all_recorded(session):
    targets = urls(session, 40)
    commits = []
    session.archive.database.conn.set_trace_callback(
        lambda sql: commits.append(sql) if sql == "COMMIT" else None)

    results = await Deferred.fromFuture(asyncio.ensure_future(asyncio.gather(*(
        session.record(page(url_id, url, f"<p>{n}</p>".encode(), f"page {n}"))
        for n, (url_id, url) in enumerate(targets)))))
    session.archive.database.conn.set_trace_callback(None)
    assert [result.outcome for result in results] == [Outcome.NEW] * 40
    assert [result.url_id for result in results] == [url_id for url_id, _ in targets]
    assert session.counts.new == 40 and stored(session)[0] == 40
    assert len(commits) <= 10  # one per batch (the first item may go alone), not one per item


@pytest_twisted.ensureDeferred
async def test_pages_arriving_one_by_one_wait_to_share_a_commit(tmp_path):
    """A crawl's pages come back one at a time: a write waits a moment for others to join
    it, or nearly every page would be a transaction (and a full-text segment) of its own."""
    document = tmp_path / "notes.txt"
    document.write_text("".join(f"See https://example.org/{n}\n" for n in range(8)))
    settings = config.project_settings({"ARCHIVE_DB": str(tmp_path / "a.db"),
                                        "MEMENTO_FALLBACK": False})
    session = ArchiveSession.open(CrawlJob((str(document),)), settings)
    try:
        assert session.counts.urls_due == 8
        targets = [(info.id, info.url) for info in session.archive.urls.all()]
        commits = []
        session.archive.database.conn.set_trace_callback(
            lambda sql: commits.append(sql) if sql == "COMMIT" else None)
        pending = []
        for n, (url_id, url) in enumerate(targets):  # one at a time, as a crawl's pages
            pending.append(asyncio.ensure_future(
                session.record(page(url_id, url, f"<p>{n}</p>".encode(), f"page {n}"))))
            await Deferred.fromFuture(asyncio.ensure_future(asyncio.sleep(0)))
        results = await Deferred.fromFuture(asyncio.ensure_future(asyncio.gather(*pending)))
        session.archive.database.conn.set_trace_callback(None)
        assert [result.outcome for result in results] == [Outcome.NEW] * 8
        assert len(commits) == 1, f"{len(commits)} commits for 8 pages"
    finally:
        session.close()


@pytest_twisted.ensureDeferred
async def test_pages_waiting_for_their_write_are_written_when_the_run_closes(tmp_path):
    """A crawl stopped at once (a second Ctrl-C) closes its session while pages wait for
    their write: they are written, not dropped."""
    from crawler import api

    document = tmp_path / "notes.txt"
    document.write_text("See https://example.org/1\nSee https://example.org/2\n")
    db = tmp_path / "a.db"
    settings = config.project_settings({"ARCHIVE_DB": str(db), "MEMENTO_FALLBACK": False})
    session = ArchiveSession.open(CrawlJob((str(document),)), settings)
    targets = [(info.id, info.url) for info in session.archive.urls.all()]
    pending = [asyncio.ensure_future(session.record(page(url_id, url, b"<p>x</p>", url)))
               for url_id, url in targets]
    await Deferred.fromFuture(asyncio.ensure_future(asyncio.sleep(0)))  # they queue
    session.close()
    for waiting in pending:
        waiting.cancel()
    assert sorted(record.url for record in api.snapshots(db=str(db))) == [
        "https://example.org/1", "https://example.org/2"]
