"""Reading the archive for people: status, a URL's history, full-text search, export rows.

Plain functions over an open :class:`~crawler.archive.Archive`, streamed where the result can
be large, so that the CLI, exports and tests share them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from crawler.archive import Archive, utcnow
from crawler.url import InvalidURL, canonical


class NotArchived(LookupError):
    """A URL or document the archive does not hold."""


def find_url(archive: Archive, url: str) -> dict[str, Any]:
    """The ``urls`` row for a URL as a user types it (any form that canonicalises the same)."""
    try:
        key = canonical(url)
    except InvalidURL:
        key = url
    for row in archive.db.query(
        "SELECT * FROM urls WHERE canonical = ? OR url = ? LIMIT 1", [key, url]
    ):
        return row
    raise NotArchived(f"{url}: not in the archive")


def find_document(archive: Archive, id_or_path: str) -> list[str]:
    """Ids of the documents with this id (or id prefix of 8+ characters) or path."""
    rows = archive.db.query(
        "SELECT id FROM documents WHERE path = ? OR (length(?) >= 8 AND id LIKE ? || '%')",
        [id_or_path, id_or_path, id_or_path],
    )
    ids = [row["id"] for row in rows]
    if not ids:
        raise NotArchived(f"{id_or_path}: no such document in the archive")
    return ids


def status(archive: Archive, now: str | None = None, runs: int = 5) -> dict[str, Any]:
    """The archive at a glance: counts, what is due, what is failing, the last runs."""
    now = now or utcnow()

    def one(sql: str, *params: Any) -> int:
        return archive.db.execute(sql, params).fetchone()[0]

    return {
        "documents": one("SELECT count(*) FROM documents"),
        "urls": one("SELECT count(*) FROM urls"),
        "snapshots": one("SELECT count(*) FROM snapshots"),
        "bodies_bytes": one("SELECT coalesce(sum(length(data)), 0) FROM bodies"),
        "due": one("SELECT count(*) FROM urls WHERE next_check_at IS NULL"
                   " OR next_check_at <= ?", now),
        "failing": one("SELECT count(*) FROM urls WHERE last_outcome = 'failed'"),
        "never_archived": one("SELECT count(*) FROM urls WHERE id NOT IN"
                              " (SELECT url_id FROM snapshots)"),
        "runs": list(archive.db.query(
            "SELECT id, command, started_at, ended_at, status, documents, urls, new, changed,"
            " unchanged, failed FROM runs ORDER BY id DESC LIMIT ?", [runs])),
    }


def history(archive: Archive, url: str) -> list[dict[str, Any]]:
    """Every check of a URL, oldest first, with the snapshot's text hash where there is one."""
    row = find_url(archive, url)
    return list(archive.db.query(
        "SELECT checks.checked_at, checks.status, checks.outcome, checks.reason,"
        " checks.final_url, checks.snapshot_id, snapshots.text_sha256, snapshots.title"
        " FROM checks LEFT JOIN snapshots ON snapshots.id = checks.snapshot_id"
        " WHERE checks.url_id = ? ORDER BY checks.checked_at, checks.id", [row["id"]]))


def _fts_query(text: str) -> str:
    """User words as an FTS5 query: each word quoted (no syntax errors), all required;
    a quoted phrase stays a phrase."""
    phrases = re.findall(r'"([^"]+)"|(\S+)', text)
    terms = [phrase or word for phrase, word in phrases]
    return " ".join('"' + term.replace('"', '""') + '"' for term in terms if term.strip())


def search(archive: Archive, text: str, limit: int = 20) -> list[dict[str, Any]]:
    """Snapshots and documents whose text matches, best first, with a snippet."""
    query = _fts_query(text)
    if not query:
        return []
    snapshots = archive.db.query(
        "SELECT 'snapshot' AS kind, urls.url AS where_, snapshots.title, snapshots.fetched_at"
        " AS date, snippet(snapshots_fts, 1, '[', ']', '…', 12) AS snippet, bm25(snapshots_fts)"
        " AS rank FROM snapshots_fts JOIN snapshots ON snapshots.rowid = snapshots_fts.rowid"
        " JOIN urls ON urls.id = snapshots.url_id WHERE snapshots_fts MATCH ?"
        " ORDER BY rank LIMIT ?", [query, limit])
    documents = archive.db.query(
        "SELECT 'document' AS kind, documents.path AS where_, NULL AS title, documents.read_at"
        " AS date, snippet(documents_fts, 1, '[', ']', '…', 12) AS snippet,"
        " bm25(documents_fts) AS rank FROM documents_fts JOIN documents ON documents.rowid ="
        " documents_fts.rowid WHERE documents_fts MATCH ? ORDER BY rank LIMIT ?",
        [query, limit])
    found = sorted([*snapshots, *documents], key=lambda row: row["rank"])[:limit]
    return [{**row, "where": row.pop("where_")} for row in found]


@dataclass
class SnapshotFilter:
    """Which snapshots to export."""

    url: str | None = None
    document: str | None = None
    since: str | None = None
    until: str | None = None
    latest: bool = False


def snapshot_rows(archive: Archive, chosen: SnapshotFilter | None = None
                  ) -> Iterator[dict[str, Any]]:
    """Snapshots with their URL and citing documents, oldest first, streamed."""
    chosen = chosen or SnapshotFilter()
    where, params = [], []
    if chosen.url:
        where.append("snapshots.url_id = ?")
        params.append(find_url(archive, chosen.url)["id"])
    if chosen.document:
        ids = find_document(archive, chosen.document)
        where.append(f"snapshots.url_id IN (SELECT url_id FROM mentions WHERE document_id IN"
                     f" ({', '.join('?' * len(ids))}))")
        params.extend(ids)
    if chosen.since:
        where.append("snapshots.fetched_at >= ?")
        params.append(chosen.since)
    if chosen.until:
        where.append("snapshots.fetched_at <= ?")
        params.append(chosen.until)
    if chosen.latest:
        where.append("snapshots.id = (SELECT max(id) FROM snapshots s2 WHERE s2.url_id ="
                     " snapshots.url_id)")
    return archive.db.query(
        f"""
        SELECT snapshots.*, urls.url AS url, urls.canonical AS canonical_url,
          (SELECT json_group_array(json_object('id', d.id, 'path', d.path, 'role', m.role,
                                               'anchor', m.anchor, 'written', m.written))
             FROM mentions m JOIN documents d ON d.id = m.document_id
             WHERE m.url_id = snapshots.url_id) AS documents
        FROM snapshots JOIN urls ON urls.id = snapshots.url_id
        {"WHERE " + " AND ".join(where) if where else ""}
        ORDER BY snapshots.id
        """,
        params,
    )


def snapshot_pair(archive: Archive, url: str, since: str | None = None,
                  until: str | None = None) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """Two snapshots of a URL to compare: the newest at or before ``until`` (default: the
    newest) and the newest at or before ``since`` (default: the one before it)."""
    url_id = find_url(archive, url)["id"]
    columns = "id, fetched_at, text, title, similarity"
    newer = next(iter(archive.db.query(
        f"SELECT {columns} FROM snapshots WHERE url_id = ? AND fetched_at <= ?"
        " ORDER BY id DESC LIMIT 1", [url_id, until or "9999"])), None)
    if newer is None:
        return None
    older = next(iter(archive.db.query(
        f"SELECT {columns} FROM snapshots WHERE url_id = ? AND id < ? AND fetched_at <= ?"
        " ORDER BY id DESC LIMIT 1", [url_id, newer["id"], since or "9999"])), None)
    return (older, newer) if older else None


def changes(archive: Archive) -> list[dict[str, Any]]:
    """URLs whose text changed, with their latest change's similarity to the text before."""
    return list(archive.db.query(
        "SELECT urls.url, count(*) AS snapshots, max(snapshots.fetched_at) AS changed_at,"
        " (SELECT similarity FROM snapshots s2 WHERE s2.url_id = urls.id ORDER BY id DESC"
        "  LIMIT 1) AS similarity,"
        " (SELECT min(similarity) FROM snapshots s3 WHERE s3.url_id = urls.id) AS lowest"
        " FROM snapshots JOIN urls ON urls.id = snapshots.url_id GROUP BY urls.id"
        " HAVING count(*) > 1 ORDER BY changed_at DESC"))
