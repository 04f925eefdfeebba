"""The archive on a real SQLite file: documents, snapshots, dedupe, concurrent writers.

Fetched pages go in through crawler.jobs.record, the one write path every crawl uses."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor

import pytest

from crawler import config
from crawler.core.discovery import discover_text
from crawler.core.documents import parse_document
from crawler.core.hashing import sha256
from crawler.core.models import Outcome
from crawler.errors import ArchiveUnavailable
from crawler.fetch.items import FailureItem
from crawler.jobs.record import record
from crawler.storage import Archive
from crawler.storage.schema import SCHEMA_VERSION
from tests.helpers import NOW, at, outcome, page_item as page

SCHEDULE = config.schedule({})


def add_url(archive: Archive, url: str) -> int:
    return archive.write(archive.urls.add, url, url, NOW)


def stored_bodies(archive: Archive) -> int:
    return archive.reads.status(NOW, 5).bodies


@pytest.fixture
def archive(tmp_path):
    with Archive(tmp_path / "a.db") as opened:
        yield opened


def test_wal_mode_and_schema_version(archive):
    conn = archive.database.conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_document_is_added_once(archive):
    document = parse_document("doc.txt", b"Source: https://example.org/a\n"
                                         b"Also https://example.org/b\n", 1_000_000)
    mentions = discover_text(document.text)
    assert archive.write(archive.documents.add, document, mentions, NOW) is True
    assert archive.write(archive.documents.add, document, mentions, NOW) is False
    cited = archive.urls.due(now="2030-01-01", document_ids=[document.id])
    assert [target.url for target in cited] == ["https://example.org/a", "https://example.org/b"]
    status = archive.reads.status(NOW, 5)
    assert (status.documents, status.urls) == (1, 2)
    assert [(url.url, url.role) for url in archive.documents.cited(document.id)] == [
        ("https://example.org/a", "original"), ("https://example.org/b", "cited")]


def test_the_same_text_in_other_markup_keeps_the_body_not_the_text(archive):
    url = "https://example.org/a"
    url_id = add_url(archive, url)
    first = record(archive, page(url_id, url, b"<p>One thing happened.</p>",
                                 "One thing happened.", at(1)), None, SCHEDULE)
    assert first.outcome is Outcome.NEW
    # Different markup, same text after whitespace normalisation: churn, the body kept (nothing
    # received is discarded), no text snapshot; the same body again is a check only.
    body = b"<div>  One thing happened. </div>"
    again = record(archive, page(url_id, url, body, " One thing\nhappened. ", at(2)), None,
                   SCHEDULE)
    assert again.outcome is Outcome.CHURN and again.snapshot_id != first.snapshot_id
    assert archive.snapshots.body(sha256(body)) == body
    same = record(archive, page(url_id, url, body, " One thing\nhappened. ", at(3)), None,
                  SCHEDULE)
    assert (same.outcome, same.snapshot_id) == (Outcome.UNCHANGED, again.snapshot_id)
    assert stored_bodies(archive) == 2 and archive.reads.status(NOW, 5).snapshots == 2
    two = b"<p>Two things happened.</p>"
    assert outcome(archive, page(url_id, url, two, "Two things happened.", at(4))) is \
        Outcome.CHANGED
    assert archive.snapshots.body(sha256(two)) == two
    assert [check.outcome for check in archive.checks.history(url_id)] == [
        Outcome.NEW, Outcome.CHURN, Outcome.UNCHANGED, Outcome.CHANGED]


def test_pages_without_text_compare_on_the_body(archive):
    url = "https://example.org/r.pdf"
    url_id = add_url(archive, url)
    assert outcome(archive, page(url_id, url, b"%PDF-1", None, at(1))) is Outcome.NEW
    assert outcome(archive, page(url_id, url, b"%PDF-1", None, at(2))) is Outcome.UNCHANGED
    # The same bytes again, marked as already archived (the body is not sent again).
    known = page(url_id, url, b"%PDF-1", None, at(3), body_sha256=sha256(b"%PDF-1"),
                 body_known=True)
    assert outcome(archive, known) is Outcome.UNCHANGED
    assert outcome(archive, page(url_id, url, b"%PDF-2", None, at(4))) is Outcome.CHANGED
    assert archive.snapshots.body(sha256(b"%PDF-2")) == b"%PDF-2"
    assert stored_bodies(archive) == 2 and archive.reads.status(NOW, 5).snapshots == 2


def test_a_body_shared_by_two_urls_is_stored_once(archive):
    one, two = "https://example.org/1", "https://example.org/2"
    one_id, two_id = add_url(archive, one), add_url(archive, two)
    assert outcome(archive, page(one_id, one, b"same", "same")) is Outcome.NEW
    assert outcome(archive, page(two_id, two, b"same", "same")) is Outcome.NEW
    assert stored_bodies(archive) == 1 and archive.reads.status(NOW, 5).snapshots == 2
    assert [snapshot.url for snapshot in archive.snapshots.records()] == [one, two]


def test_failures_are_recorded_with_their_reason(archive):
    url = "https://example.org/x"
    url_id = add_url(archive, url)
    result = record(archive, FailureItem(url_id, url, NOW, "HTTP 404 Not Found", status=404),
                    None, SCHEDULE)
    assert (result.outcome, result.reason) == (Outcome.FAILED, "HTTP 404 Not Found")
    [check] = archive.checks.history(url_id)
    assert (check.outcome, check.reason, check.status, check.snapshot_id) == (
        Outcome.FAILED, "HTTP 404 Not Found", 404, None)
    assert archive.reads.status(NOW, 5).failing == 1


def test_not_a_database(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("not sqlite " * 200)
    with pytest.raises(ArchiveUnavailable,
                       match=re.escape(f"cannot open archive {path}: file is not a database")):
        Archive(path)


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "future.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(ArchiveUnavailable, match="newer sourcekeeper"):
        Archive(path)


def test_a_writer_waits_for_another_process_holding_the_lock(tmp_path):
    """Another process holds the write lock until told to commit; our write waits for it,
    then succeeds after it."""
    path = tmp_path / "shared.db"
    Archive(path).close()
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sqlite3, sys
        conn = sqlite3.connect({str(path)!r}, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO urls (canonical, url, first_seen) VALUES ('h', 'h', 'now')")
        print("locked", flush=True)
        sys.stdin.readline()
        conn.execute("COMMIT")
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with Archive(path, lock_timeout=30) as archive, ThreadPoolExecutor(1) as pool:
            writing = pool.submit(add_url, archive, "https://example.org/a")
            with pytest.raises(TimeoutError):
                writing.result(timeout=0.5)  # still waiting for the lock, not failed
            holder.stdin.write("commit\n")
            holder.stdin.flush()
            assert writing.result(timeout=30) == 2, "written after the holder's row"
            assert holder.wait(timeout=30) == 0
            assert {url.canonical for url in archive.urls.all()} == {"h", "https://example.org/a"}
    finally:
        if holder.poll() is None:
            holder.kill()
            holder.wait()


def test_due_urls_are_read_page_by_page_each_once(archive):
    urls = [f"https://example.org/{n}" for n in range(2500)]
    ids = archive.write(lambda: [archive.urls.add(url, url, NOW) for url in urls])
    now = "2026-06-01T00:00:00.000Z"
    seen = []
    for target in archive.urls.due(now=now, page=400):
        seen.append(target.id)
        if len(seen) % 3 == 0:  # checked meanwhile: due again only after `now`
            failure = FailureItem(target.id, target.url, "2026-06-01T00:00:01.000Z", "timeout")
            record(archive, failure, None, SCHEDULE)
    assert seen == ids
    later = "2026-06-01T00:00:02.000Z"
    assert archive.urls.count_due(now=later) == 2500 - 2500 // 3
    assert archive.reads.status(later, 5).due == 2500 - 2500 // 3
    assert len(list(archive.urls.due(now=later, limit=1234, page=500))) == 1234
    everything = [target.id for target in archive.urls.due(now=later, everything=True, page=700)]
    assert sorted(everything) == ids and everything[0] not in ids[2::3]


def test_a_lock_held_past_the_timeout_is_one_error(tmp_path):
    from crawler.errors import ArchiveError

    path = tmp_path / "shared.db"
    Archive(path).close()
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sqlite3, sys
        conn = sqlite3.connect({str(path)!r}, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        print("locked", flush=True)
        sys.stdin.readline()
        conn.execute("ROLLBACK")
    """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with Archive(path, lock_timeout=0.3) as archive:
            with pytest.raises(ArchiveError, match="another process kept the archive locked "
                                                   "for 0.3 s"):
                add_url(archive, "https://example.org/a")
    finally:
        holder.communicate("go\n", timeout=30)
