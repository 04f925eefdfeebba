"""Document files: a document is its path, with content versions under it.

``documents`` holds each content once (by sha256, with the URLs it cites); ``files`` says
which content each path holds now. Editing ``notes.md`` points its row at the new version
(the old one stays, cited by nothing live); moving it follows the row to the new path
(``moved_from``); deleting it marks the row ``missing`` with the date, and the URLs only it
cited are no longer checked (crawler.storage.urls). Paths are keys made by
crawler.jobs.document_files (relative to the archive's folder when inside it), so that an
absolute path from cron and a relative one typed by a person are the same document.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from crawler.core.views import FileInfo
from crawler.storage.database import Database

LIVE = "live"
MISSING = "missing"

# Whether a URL is cited by a document that is still there (or by no document at all: a URL
# added by a re-fetch), for the SQL of due URLs. Written as the URLs it excludes, those that
# only documents no live file holds cite (missing files, older versions): they are few, found
# from those documents, and the list is made once per statement; the URLs live documents
# cite are nearly all of them (a million in a large archive), too many to list. CROSS JOIN
# keeps the documents outside: their mentions are read only for the documents not live.
LIVE_URL = ("id NOT IN (SELECT m.url_id FROM documents d CROSS JOIN mentions m"
            " ON m.document_id = d.id"
            " WHERE m.url_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM files f WHERE"
            " f.document_id = d.id AND f.state = 'live') AND NOT EXISTS (SELECT 1 FROM"
            " mentions c JOIN files g ON g.document_id = c.document_id WHERE"
            " c.url_id = m.url_id AND g.state = 'live'))")


# The files at a key or below it (a folder's key): a range of the ``file`` index, where
# ``substr(file, 1, n) = folder`` would read every file.
UNDER = "(file = ? OR (file >= ? AND file < ?))"


def under(key: str) -> list[str]:
    """The parameters of :data:`UNDER` for ``key``: ``notes/`` up to ``notes0`` (``0``
    follows ``/``), every path that starts with ``notes/``."""
    folder = key.rstrip("/") + "/"
    return [key, folder, folder[:-1] + "0"]


def _info(row: dict) -> FileInfo:
    return FileInfo(path=row["path"], file=row["file"], document_id=row["document_id"],
                    state=row["state"], first_seen=row["first_seen"],
                    updated_at=row["updated_at"], missing_since=row["missing_since"],
                    moved_from=row["moved_from"])


class Files:
    def __init__(self, database: Database):
        self._db = database

    def get(self, path: str) -> FileInfo | None:
        rows = list(self._db.rows("SELECT * FROM files WHERE path = ?", [path]))
        return _info(rows[0]) if rows else None

    def holding(self, document_id: str) -> list[FileInfo]:
        """The paths that hold this content (or held it when they went missing)."""
        return [_info(row) for row in self._db.rows(
            "SELECT * FROM files WHERE document_id = ? ORDER BY path", [document_id])]

    def put(self, path: str, file: str, document_id: str, now: str) -> str | None:
        """Record that ``path`` (of ``file`` on disk) holds this content now (in a write).
        Returns the version it held before when that differs (an edit), else None."""
        known = self.get(path)
        if known is None:
            self._db.conn.execute(
                "INSERT INTO files (path, file, document_id, state, first_seen, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)", [path, file, document_id, LIVE, now, now])
            return None
        self._db.conn.execute(
            "UPDATE files SET document_id = ?, state = ?, missing_since = NULL,"
            " updated_at = CASE WHEN document_id = ? THEN updated_at ELSE ? END"
            " WHERE path = ?", [document_id, LIVE, document_id, now, path])
        return known.document_id if known.document_id != document_id else None

    def move(self, old: str, new: str, file: str, now: str) -> None:
        """Follow a file to its new path (in a write): the same document, moved."""
        self._db.conn.execute(
            "UPDATE files SET path = ?, file = ?, state = ?, missing_since = NULL,"
            " moved_from = ?, updated_at = ? WHERE path = ?",
            [new, file, LIVE, old, now, old])

    def matching(self, key: str, id_or_path: str) -> list[FileInfo]:
        """The files at path ``key`` (a file, or a folder's files), else those holding the
        document with this id (or id prefix of 8+ characters) or stored path."""
        found = [info for info in self.under(key)] or (
            [self.get(key)] if self.get(key) else [])
        if found:
            return found
        return [_info(row) for row in self._db.rows(
            "SELECT * FROM files WHERE path = ? OR (length(?) >= 8 AND document_id LIKE ? || '%')"
            " ORDER BY path", [id_or_path, id_or_path, id_or_path])]

    def under(self, prefix: str) -> Iterator[FileInfo]:
        """The files at ``prefix`` or below it (a folder's key), live or missing."""
        for row in self._db.rows(f"SELECT * FROM files WHERE {UNDER} ORDER BY path",
                                 under(prefix)):
            yield _info(row)

    def mark_missing(self, path: str, now: str) -> None:
        """A file that is gone (in a write): its URLs are no longer checked for it."""
        self._db.conn.execute(
            "UPDATE files SET state = ?, missing_since = ? WHERE path = ? AND state = ?",
            [MISSING, now, path, LIVE])

    def forget(self, path: str) -> None:
        """Remove a path from the archive's documents (in a write); its versions stay."""
        self._db.conn.execute("DELETE FROM files WHERE path = ?", [path])

    def live_citing(self, url_ids: list[int]) -> set[int]:
        """Which of these URLs a live document cites."""
        return {row["url_id"] for row in self._db.rows(
            "SELECT DISTINCT mentions.url_id FROM mentions JOIN files ON files.document_id ="
            " mentions.document_id WHERE files.state = 'live' AND mentions.url_id IN"
            " (SELECT value FROM json_each(?))", [json.dumps(url_ids)])}

    def all(self, state: str | None = None) -> list[FileInfo]:
        return [_info(row) for row in self._db.rows(
            "SELECT * FROM files WHERE ? IS NULL OR state = ? ORDER BY path", [state, state])]
