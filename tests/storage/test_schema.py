"""An archive made by an earlier version is upgraded in place, its data kept."""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database

from crawler.storage import Archive
from crawler.storage.schema import _STEPS, SCHEMA_VERSION, _tables


def test_version_1_archive_is_upgraded(tmp_path):
    path = tmp_path / "old.db"
    db = Database(sqlite3.connect(path))
    _tables(db)
    db["documents"].insert({"id": "d1", "path": "a.txt", "text": "Putin spoke to journalists"})
    db["urls"].insert({"canonical": "https://example.org/a", "url": "https://example.org/a",
                       "first_seen": "2026-01-01T00:00:00.000Z"})
    db.execute("PRAGMA user_version = 1")
    db.conn.commit()
    db.close()

    with Archive(path) as archive:
        version = archive.database.conn.execute("PRAGMA user_version").fetchone()[0]
        assert version == SCHEMA_VERSION
        [url] = archive.urls.all()
        assert (url.url, url.next_check_at, url.failures) == ("https://example.org/a", None, 0)
        assert [target.url for target in archive.urls.due(now="2030-01-01")] == [
            "https://example.org/a"]
        hits = archive.reads.search("journalist", 20)
        assert [(hit.kind, hit.where) for hit in hits] == [("document", "a.txt")], (
            "existing documents are indexed for search")


def test_version_5_snapshots_are_judged_once(tmp_path):
    path = tmp_path / "v5.db"
    db = Database(sqlite3.connect(path))
    for step in _STEPS[:5]:
        step(db)
    db["urls"].insert({"id": 1, "canonical": "https://example.org/a",
                       "url": "https://example.org/a"})
    db["bodies"].insert_all([{"sha256": str(n), "size": 1, "codec": "none", "data": b"x"}
                             for n in range(3)])
    text = "The minister resigned on Monday after the vote. Her party said it regretted it."
    for n, (title, body) in enumerate([("Minister Resigns", text),
                                       ("Minister Resigns", "Updated 10:04\n" + text),
                                       ("Minister Stays On", text)]):
        db["snapshots"].insert({"url_id": 1, "fetched_at": f"2026-01-0{n + 1}",
                                "body_sha256": str(n), "title": title, "text": body})
    db.execute("PRAGMA user_version = 5")
    db.conn.commit()
    db.close()

    with Archive(path) as archive:
        records = list(archive.snapshots.records())
        assert [record.change for record in records] == ["new", "churn", "changed"]
        assert records[2].reasons[0].startswith("headline changed")
        [hit] = archive.reads.search("regretted", 20)
        assert (hit.kind, hit.versions) == ("snapshot", 3)
        assert len(archive.reads.search("regretted", 20, all_versions=True)) == 3
