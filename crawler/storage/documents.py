"""Documents, the URLs each cites (``mentions``), and the coverage cache.

A document is stored once per content hash with the mentions discovery found in it; a URL
cited by several documents is one row of ``urls`` (see crawler.storage.urls). How much of a
document a snapshot carries is costly to compute and never changes for a pair, so the report
caches it per (document, snapshot).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from crawler.core.models import Document, Mention, Role
from crawler.core.views import CitedUrl, Coverage, DocumentInfo
from crawler.errors import NotArchived
from crawler.core.document_dates import FROM_FIRST_SEEN
from crawler.storage.database import Database
from crawler.storage.files import UNDER, under
from crawler.storage.urls import Urls


class Documents:
    def __init__(self, database: Database, urls: Urls):
        self._db = database
        self._urls = urls

    def add(self, document: Document, mentions: Iterable[Mention], now: str,
            discovered_with: int = 0) -> bool:
        """Store a document and its mentions (in a write); False when already archived.
        One archived by an older discovery (``discovered_with``) gets its text and mentions
        replaced by these."""
        conn = self._db.conn
        cursor = conn.execute(
            "INSERT OR IGNORE INTO documents (id, path, kind, encoding, size, text, content,"
            " read_at, discovered_with) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (document.id, document.path, document.kind, document.encoding, document.size,
             document.text, document.content, now, discovered_with),
        )
        new = cursor.rowcount == 1
        if not new:
            older = self._db.one("SELECT coalesce(discovered_with, 0) < ? FROM documents"
                                 " WHERE id = ?", [discovered_with, document.id])
            if not older:
                return False
            conn.execute("UPDATE documents SET text = ?, content = ?, kind = ?,"
                         " discovered_with = ? WHERE id = ?",
                         [document.text, document.content, document.kind, discovered_with,
                          document.id])
            conn.execute("DELETE FROM mentions WHERE document_id = ?", [document.id])
            conn.execute("DELETE FROM coverage WHERE document_id = ?", [document.id])
        for mention in mentions:
            url_id = self._urls.cite(mention, now)
            conn.execute(
                "INSERT OR IGNORE INTO mentions (document_id, url_id, written, role, anchor,"
                " line, alternatives) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (document.id, url_id, mention.written, str(mention.role), mention.anchor,
                 mention.line,
                 json.dumps(list(mention.alternatives)) if mention.alternatives else None),
            )
        return new

    def alternatives(self, url_id: int) -> list[str]:
        """Other readings of a URL wrapped across lines, as the documents citing it have
        them, in order."""
        found: list[str] = []
        for row in self._db.rows("SELECT alternatives FROM mentions WHERE url_id = ?"
                                 " AND alternatives IS NOT NULL", [url_id]):
            found.extend(json.loads(row["alternatives"]))
        return list(dict.fromkeys(found))

    def repoint(self, old_url_id: int, new_url_id: int) -> int:
        """Make the documents citing one URL cite another (in a write); how many now do.
        A document that already cites both keeps one mention, of the other."""
        moved = self._db.conn.execute(
            "UPDATE OR IGNORE mentions SET url_id = ? WHERE url_id = ?",
            [new_url_id, old_url_id]).rowcount
        self._db.conn.execute("DELETE FROM mentions WHERE url_id = ? AND document_id IN"
                              " (SELECT document_id FROM mentions WHERE url_id = ?)",
                              [old_url_id, new_url_id])
        return moved

    def ids(self, id_or_path: str, key: str | None = None) -> list[str]:
        """Ids of the current versions of the documents at path ``key`` (a file, or every
        file in a folder), else of the documents with this id (or id prefix of 8+
        characters) or path as stored. Raises NotArchived when there is none."""
        ids: list[str] = []
        if key is not None:
            ids = [row["document_id"] for row in self._db.rows(
                f"SELECT document_id FROM files WHERE path = ? OR {UNDER} ORDER BY path",
                [key, *under(key)])]
        if not ids:
            ids = [row["id"] for row in self._db.rows(
                "SELECT document_id AS id FROM files WHERE path = ? UNION"
                " SELECT id FROM documents WHERE path = ? OR (length(?) >= 8 AND id LIKE ? || '%')",
                [id_or_path, id_or_path, id_or_path, id_or_path])]
        if not ids:
            raise NotArchived(f"{id_or_path}: no such document in the archive")
        return list(dict.fromkeys(ids))

    def info(self, ids: list[str] | None = None, *, missing: bool = False
             ) -> Iterator[DocumentInfo]:
        """The documents at their paths, ordered by path: the live ones (all, or those whose
        current version has one of these ids), or with ``missing`` the missing ones."""
        state = "missing" if missing else "live"
        only = "" if ids is None else " AND f.document_id IN (SELECT value FROM json_each(?))"
        for row in self._db.rows(
                "SELECT d.id, f.path, d.read_at, d.text, f.state, f.missing_since,"
                " f.moved_from, coalesce(d.written_at, d.read_at) AS written_at,"
                " coalesce(d.written_from, ?) AS written_from"
                " FROM files f JOIN documents d ON d.id = f.document_id"
                f" WHERE f.state = ?{only} ORDER BY f.path",
                [FROM_FIRST_SEEN, state] + ([] if ids is None else [json.dumps(ids)])):
            yield DocumentInfo(**row)

    def url_ids(self, document_ids: list[str]) -> list[int]:
        """The URLs these document versions cite."""
        return [row["url_id"] for row in self._db.rows(
            "SELECT DISTINCT url_id FROM mentions WHERE document_id IN"
            " (SELECT value FROM json_each(?)) ORDER BY url_id", [json.dumps(document_ids)])]

    def uncited(self, url_ids: list[int]) -> list[int]:
        """Which of these URLs no document (of any version) cites."""
        cited = {row["url_id"] for row in self._db.rows(
            "SELECT DISTINCT url_id FROM mentions WHERE url_id IN"
            " (SELECT value FROM json_each(?))", [json.dumps(url_ids)])}
        return [url_id for url_id in url_ids if url_id not in cited]

    def versions(self, path: str) -> list[str]:
        """Ids of every content version read at a path, oldest first."""
        return [row["id"] for row in self._db.rows(
            "SELECT id FROM documents WHERE path = ? ORDER BY read_at, rowid", [path])]

    def cited(self, document_id: str) -> list[CitedUrl]:
        """The URLs a document cites, in the order it cites them."""
        return [CitedUrl(row["id"], row["url"], Role(row["role"]), row["anchor"])
                for row in self._db.rows(
                    "SELECT urls.id, urls.url, mentions.role, mentions.anchor FROM mentions"
                    " JOIN urls ON urls.id = mentions.url_id WHERE document_id = ?"
                    " ORDER BY mentions.line", [document_id])]

    def coverage(self, document_id: str, snapshot_id: int) -> Coverage | None:
        """The stored coverage of a document by a snapshot, if computed."""
        row = self._db.conn.execute(
            "SELECT score, found, missing FROM coverage WHERE document_id = ? AND snapshot_id = ?",
            [document_id, snapshot_id]).fetchone()
        if row is None:
            return None
        return Coverage(row[0], tuple(json.loads(row[1])), tuple(json.loads(row[2])))

    def store_coverage(self, document_id: str, snapshot_id: int, coverage: Coverage,
                       now: str) -> None:
        """Cache a coverage (in a write)."""
        self._db.db["coverage"].insert({
            "document_id": document_id, "snapshot_id": snapshot_id, "score": coverage.score,
            "found": json.dumps(list(coverage.found)),
            "missing": json.dumps(list(coverage.missing)), "computed_at": now,
        }, replace=True)
