"""status, history and search: what a person reads back from the archive."""

from __future__ import annotations

import pytest

from tests.conftest import FAST, PUTIN, RELATED
from tests.server import page


@pytest.fixture
def archive_db(sourcekeeper, documents, server, tmp_path):
    db = tmp_path / "archive.db"
    assert sourcekeeper("crawl", str(documents), "--db", str(db), *FAST).returncode == 0
    server.route(RELATED, page("putin-offers.html"))
    assert sourcekeeper("refetch", server.url(RELATED), "--db", str(db), *FAST).returncode == 0
    return db


def test_status(sourcekeeper, archive_db):
    result = sourcekeeper("status", "--db", str(archive_db))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1:4] == ["documents: 4", "URLs: 8 (0 due now, 1 failing, 1 never archived)",
                          lines[3]]
    assert lines[3].startswith("snapshots: 8 (")
    assert lines[5].startswith("  #2 refetch ") and lines[5].endswith(
        "finished: 0 new, 1 changed, 0 unchanged, 0 failed")
    assert lines[6].startswith("  #1 crawl ") and lines[6].endswith(
        "finished: 7 new, 0 changed, 0 unchanged, 1 failed")


def test_history(sourcekeeper, archive_db, server):
    result = sourcekeeper("history", server.url(RELATED) + "?utm_source=x", "--db",
                          str(archive_db))
    assert result.returncode == 0, result.stderr
    first, second = result.stdout.splitlines()
    assert first.split()[1:3] == ["200", "new"] and "Russia to Withdraw" in first
    assert second.split()[1:3] == ["200", "changed"] and "Putin Offers" in second
    gone = sourcekeeper("history", server.url("/gone"), "--db", str(archive_db))
    assert gone.stdout.split()[1:] == ["404", "failed", "HTTP", "404", "Not", "Found"]
    missing = sourcekeeper("history", "https://nowhere.example/", "--db", str(archive_db))
    assert missing.returncode == 1
    assert missing.stderr.strip() == "sourcekeeper: https://nowhere.example/: not in the archive"


def test_search(sourcekeeper, archive_db, server):
    result = sourcekeeper("search", '"permanent bases" Shoigu', "--db", str(archive_db))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    heads = [line for line in lines if not line.startswith("    ")]
    assert any(line.startswith(f"snapshot  {server.url(PUTIN)}  Putin Offers") for line in heads)
    assert any(line.startswith("document  ") and "moscow-times.txt" in line for line in heads)
    assert all("[" in line for line in lines if line.startswith("    "))
    stemmed = sourcekeeper("search", "withdrawing", "--db", str(archive_db))
    assert server.url("/flaky") in stemmed.stdout
    odd = sourcekeeper("search", 'AND OR "unbalanced', "--db", str(archive_db))
    assert odd.returncode == 0 and odd.stderr.strip() == "no matches"
