"""An archive made by an earlier version is upgraded in place, its data kept."""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database

from crawler.storage import Archive
from crawler.storage.schema import SCHEMA_VERSION, _tables


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
