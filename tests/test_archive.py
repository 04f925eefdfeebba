"""The archive on a real SQLite file: documents, snapshots, dedupe, concurrent writers."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap

import pytest

from crawler.archive import Archive, ArchiveUnavailable, sha256
from crawler.discovery import discover_text
from crawler.document import read_document


def snapshot(url_id: int, body: bytes, text: str | None, **extra) -> dict:
    from crawler.text import text_sha256

    return {"url_id": url_id, "fetched_at": "2026-01-01T00:00:00.000Z", "status": 200,
            "final_url": "https://example.org/a", "body_sha256": sha256(body),
            "text_sha256": text_sha256(text) if text else None, "text": text, **extra}


@pytest.fixture
def archive(tmp_path):
    with Archive(tmp_path / "a.db") as opened:
        yield opened


def test_wal_mode_and_schema_version(archive):
    assert archive.db.journal_mode == "wal"
    assert archive.db.execute("PRAGMA user_version").fetchone()[0] == 3


def test_a_document_is_added_once(archive, tmp_path):
    path = tmp_path / "doc.txt"
    path.write_text("Source: https://example.org/a\nAlso https://example.org/b\n")
    document = read_document(path)
    mentions = discover_text(document.text)
    assert archive.add_document(document, mentions) is True
    assert archive.add_document(document, mentions) is False
    cited = archive.due_urls(now="2030-01-01", document_ids=[document.id])
    assert [row["url"] for row in cited] == ["https://example.org/a", "https://example.org/b"]
    assert archive.db["documents"].count == 1 and archive.db["mentions"].count == 2


def test_unchanged_text_stores_only_a_check(archive):
    url_id = archive.add_url("https://example.org/a", "https://example.org/a")
    assert archive.record_snapshot(snapshot(url_id, b"<p>one</p>", "one"), b"<p>one</p>")[0] == "new"
    # Different markup, same text after whitespace normalisation: unchanged, no new body.
    body = b"<div>  one </div>"
    outcome, _ = archive.record_snapshot(snapshot(url_id, body, " one \n"), body)
    assert outcome == "unchanged"
    assert archive.db["bodies"].count == 1 and archive.db["snapshots"].count == 1
    outcome, _ = archive.record_snapshot(snapshot(url_id, b"<p>two</p>", "two"), b"<p>two</p>")
    assert outcome == "changed"
    assert archive.body(sha256(b"<p>two</p>")) == b"<p>two</p>"
    outcomes = [row["outcome"] for row in archive.db["checks"].rows]
    assert outcomes == ["new", "unchanged", "changed"]


def test_pages_without_text_compare_on_the_body(archive):
    url_id = archive.add_url("https://example.org/r.pdf", "https://example.org/r.pdf")
    assert archive.record_snapshot(snapshot(url_id, b"%PDF-1", None), b"%PDF-1")[0] == "new"
    assert archive.record_snapshot(snapshot(url_id, b"%PDF-1", None), None)[0] == "unchanged"
    assert archive.record_snapshot(snapshot(url_id, b"%PDF-2", None), b"%PDF-2")[0] == "changed"


def test_a_body_shared_by_two_urls_is_stored_once(archive):
    one = archive.add_url("https://example.org/1", "https://example.org/1")
    two = archive.add_url("https://example.org/2", "https://example.org/2")
    archive.record_snapshot(snapshot(one, b"same", "same"), b"same")
    archive.record_snapshot(snapshot(two, b"same", "same"), b"same")
    assert archive.db["bodies"].count == 1 and archive.db["snapshots"].count == 2


def test_failures_are_recorded_with_their_reason(archive):
    url_id = archive.add_url("https://example.org/x", "https://example.org/x")
    archive.record_failure(url_id, "HTTP 404 Not Found", status=404)
    [check] = archive.db["checks"].rows
    assert (check["outcome"], check["reason"], check["status"]) == (
        "failed", "HTTP 404 Not Found", 404)


def test_not_a_database(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("not sqlite " * 200)
    with pytest.raises(ArchiveUnavailable, match="notes.db: file is not a database"):
        Archive(path)


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "future.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(ArchiveUnavailable, match="newer sourcekeeper"):
        Archive(path)


def test_a_writer_waits_for_another_process_holding_the_lock(tmp_path):
    """Another process holds the write lock for a second; our write waits, then succeeds."""
    path = tmp_path / "shared.db"
    Archive(path).close()
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sqlite3, sys, time
        conn = sqlite3.connect({str(path)!r}, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO urls (canonical, url, first_seen) VALUES ('h', 'h', 'now')")
        print("locked", flush=True)
        time.sleep(1.0)
        conn.execute("COMMIT")
    """)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    with Archive(path, lock_timeout=30) as archive:
        url_id = archive.add_url("https://example.org/a", "https://example.org/a")
        assert holder.wait(timeout=30) == 0
        assert {row["canonical"] for row in archive.db["urls"].rows} == {
            "h", "https://example.org/a"}
        assert url_id == 2


def test_due_urls_are_read_page_by_page_each_once(archive):
    ids = [archive.add_url(f"https://example.org/{n}", f"https://example.org/{n}")
           for n in range(2500)]
    now = "2026-06-01T00:00:00.000Z"
    seen = []
    for row in archive.due_urls(now=now, page=400):
        seen.append(row["id"])
        if len(seen) % 3 == 0:  # checked meanwhile: due again only after `now`
            archive.record_failure(row["id"], "timeout", checked_at="2026-06-01T00:00:01.000Z")
    assert seen == ids
    later = "2026-06-01T00:00:02.000Z"
    assert archive.count_due(now=later) == 2500 - 2500 // 3
    assert len(list(archive.due_urls(now=later, limit=1234, page=500))) == 1234
    everything = [row["id"] for row in archive.due_urls(now=later, everything=True, page=700)]
    assert sorted(everything) == ids and everything[0] not in ids[2::3]
