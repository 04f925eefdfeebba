"""An archive made by an earlier version is upgraded in place, its data kept."""

from __future__ import annotations

import sqlite3

from sqlite_utils import Database

from crawler.archive import Archive
from crawler.schema import SCHEMA_VERSION, _tables


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
        assert archive.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert "next_check_at" in archive.db["urls"].columns_dict
        assert [row["url"] for row in archive.due_urls(now="2030-01-01")] == ["https://example.org/a"]
        hits = archive.db.execute(
            "SELECT rowid FROM documents_fts WHERE documents_fts MATCH 'journalist'").fetchall()
        assert len(hits) == 1, "existing documents are indexed for search"
