"""Snapshots, the bodies they point to, and every check of a URL.

``bodies`` is content-addressed: a body is stored once per sha256 of its bytes, compressed,
however many snapshots and URLs share it. ``snapshots`` holds one row per distinct content
seen at a URL; ``checks`` one row per fetch attempt, whatever it found, pointing at the
snapshot it made or confirmed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from crawler.core.change import Held, Judgement
from crawler.core.codec import decompress
from crawler.core.edits import Edit, Kind, Version
from crawler.core.mementos import Memento, Origin, archive_name
from crawler.core.models import Blob, Capture, Check, Hop, LatestSnapshot, Outcome, Role
from crawler.core.views import (
    CheckInfo, CheckRecord, Citation, HistoryEntry, SnapshotInfo, SnapshotRecord, SnapshotText,
)
from crawler.storage.database import Database
from crawler.storage.mementos import copy_of


@dataclass(frozen=True)
class SnapshotFilter:
    """Which snapshots to read: of one URL (id), of the URLs some documents cite, fetched
    within a time range, only the newest of each URL."""

    url_id: int | None = None
    document_ids: tuple[str, ...] | None = None
    since: str | None = None
    until: str | None = None
    latest: bool = False
    snapshot_id: int | None = None


def _chosen(chosen: SnapshotFilter, table: str, time: str) -> tuple[list[str], list[Any]]:
    """The WHERE terms of ``chosen`` for ``table`` (snapshots or checks, timed by ``time``)."""
    where: list[str] = []
    params: list[Any] = []
    if chosen.url_id is not None:
        where.append(f"{table}.url_id = ?")
        params.append(chosen.url_id)
    if chosen.document_ids is not None:
        where.append(f"{table}.url_id IN (SELECT url_id FROM mentions WHERE document_id IN"
                     f" ({', '.join('?' * len(chosen.document_ids))}))")
        params.extend(chosen.document_ids)
    if chosen.since:
        where.append(f"{table}.{time} >= ?")
        params.append(chosen.since)
    if chosen.until:
        where.append(f"{table}.{time} <= ?")
        params.append(chosen.until)
    if chosen.latest and table == "snapshots":
        # A URL's newest own fetch with text (churn after it, time stamps or markup, repeats
        # its article), else its newest; an archive's copy only for a URL we never fetched.
        # With ``until``, the newest then.
        by = " AND newest.fetched_at <= ?" if chosen.until else ""
        where.append("snapshots.id = (SELECT id FROM snapshots newest WHERE newest.url_id ="
                     f" snapshots.url_id{by} ORDER BY newest.origin IS NOT NULL,"
                     " newest.text IS NULL, newest.id DESC LIMIT 1)")
        params.extend([chosen.until] if chosen.until else [])
    elif chosen.latest:
        where.append(f"{table}.id = (SELECT max(id) FROM {table} newest WHERE"
                     f" newest.url_id = {table}.url_id)")
    return where, params


def _title_only(capture: Capture) -> dict[str, str]:
    """What churn keeps of the extraction: the page's <title>, compared at the next fetch."""
    title = capture.extraction.metadata.get("page_title") if capture.extraction else None
    return {"page_title": title} if title else {}


def _pairs(text: str | None) -> tuple[tuple[str, str], ...]:
    return tuple((key, value) for key, value in json.loads(text or "[]"))


def _hops(text: str | None) -> tuple[Hop, ...]:
    return tuple(Hop.of(value) for value in json.loads(text or "[]"))


def _chain(hops: tuple[Hop, ...]) -> str | None:
    """A check's redirects, as ``history`` shows them (no headers: the snapshot has them)."""
    if not hops:
        return None
    return json.dumps([{"url": hop.url, "status": hop.status, "location": hop.location}
                       for hop in hops])


# Snapshots whose text is a version of the article (churn keeps only the body).
_TEXT_SNAPSHOT = "text IS NOT NULL"
# Our own fetches: a web archive's copy (crawler.core.mementos) is evidence beside them,
# never a version in the chain that change judgements, 304s and link-rot states read.
_LIVE = "origin IS NULL"


def change_summary(change: str | None, reasons: str | None, changed: int | None,
                   sentences: int | None) -> str | None:
    """What a snapshot's fetch changed, and why, from its stored judgement."""
    if change in (None, str(Outcome.NEW)):
        return None
    kind = Kind.CHURN if change == str(Outcome.CHURN) else Kind.MATERIAL
    return Edit(kind, tuple(json.loads(reasons or "[]")), changed or 0, sentences or 0).summary


def _record(row: dict[str, Any]) -> SnapshotRecord:
    return SnapshotRecord(
        id=row["id"], url=row["url"], canonical_url=row["canonical_url"],
        final_url=row["final_url"], redirects=_hops(row["redirects"]),
        fetched_at=row["fetched_at"], status=row["status"], content_type=row["content_type"],
        title=row["title"], author=row["author"], date=row["date"], sitename=row["sitename"],
        language=row["language"], text=row["text"], body_sha256=row["body_sha256"],
        body_size=row["body_size"], text_sha256=row["text_sha256"],
        raw_sha256=row["raw_sha256"], ip_address=row["ip_address"], protocol=row["protocol"],
        headers=_pairs(row["headers"]), request_headers=_pairs(row["request_headers"]),
        metadata=json.loads(row["metadata"] or "{}"),
        documents=tuple(Citation(**{**cited, "role": Role(cited["role"])})
                        for cited in json.loads(row["documents"] or "[]")),
        change=row["change"], reasons=tuple(json.loads(row["reasons"] or "[]")),
        page_text=row["page_text"],
        memento=copy_of(row) if row["origin"] == Origin.MEMENTO else None)


class Snapshots:
    def __init__(self, database: Database):
        self._db = database

    def latest(self, url_id: int) -> LatestSnapshot | None:
        """The newest snapshot of a URL (its id and hashes)."""
        row = self._db.conn.execute(
            f"SELECT id, body_sha256, text_sha256 FROM snapshots WHERE url_id = ? AND {_LIVE}"
            " ORDER BY id DESC LIMIT 1", [url_id]).fetchone()
        return LatestSnapshot(*row) if row else None

    def held(self, url_id: int) -> Held | None:
        """What the archive holds of a URL to judge a new fetch against (None: nothing)."""
        latest = self._db.conn.execute(
            "SELECT id, body_sha256, text_sha256, page_sha256,"
            " json_extract(metadata, '$.page_title') FROM snapshots WHERE url_id = ?"
            f" AND {_LIVE} ORDER BY id DESC LIMIT 1", [url_id]).fetchone()
        if latest is None:
            return None
        article = self._db.conn.execute(
            "SELECT title, text, author, date FROM snapshots WHERE url_id = ? AND"
            f" {_TEXT_SNAPSHOT} AND {_LIVE} ORDER BY id DESC LIMIT 1", [url_id]).fetchone()
        page = self._db.one(
            "SELECT page_text FROM snapshots WHERE url_id = ? AND page_text IS NOT NULL"
            f" AND {_LIVE} ORDER BY id DESC LIMIT 1", [url_id])
        # Every capture keeps the page's <title> (churn too): the latest one's, or for an
        # archive from before titles were kept, the newest there is.
        title = latest[4] or self._db.one(
            "SELECT json_extract(metadata, '$.page_title') FROM snapshots WHERE url_id = ?"
            f" AND json_extract(metadata, '$.page_title') IS NOT NULL AND {_LIVE}"
            " ORDER BY id DESC LIMIT 1", [url_id])
        return Held(*latest[:4], Version(*article) if article else None, page, title or None)

    def add(self, capture: Capture, judgement: Judgement, page_sha256: str | None,
            memento: Memento | None = None) -> int:
        """Store a snapshot as judged (in a write, after its bodies); return its id. Churn
        keeps the body and the exchange, not the text. With ``memento``, the capture is that
        archived copy of the URL, not our own fetch of it."""
        extraction = capture.extraction if judgement.keeps_text else None
        edit = judgement.edit
        origin = {"origin": str(Origin.MEMENTO), "archive": memento.archive,
                  "memento_uri": memento.uri, "memento_datetime": memento.datetime
                  } if memento else {}
        row = {**origin,
            "url_id": capture.url_id, "run_id": capture.run_id,
            "fetched_at": capture.fetched_at, "requested_url": capture.requested_url,
            "final_url": capture.final_url,
            "redirects": json.dumps([hop.as_dict() for hop in capture.redirects]),
            "status": capture.status, "headers": json.dumps([list(h) for h in capture.headers]),
            "content_type": capture.content_type, "ip_address": capture.ip_address,
            "protocol": capture.protocol, "body_sha256": capture.body_sha256,
            "body_size": capture.body_size, "text_sha256": capture.text_sha256,
            "text": extraction.text if extraction else None,
            "title": extraction.title if extraction else None,
            "author": extraction.author if extraction else None,
            "date": extraction.date if extraction else None,
            "sitename": extraction.sitename if extraction else None,
            "language": extraction.language if extraction else None,
            "metadata": json.dumps(dict(extraction.metadata) if extraction else _title_only(
                capture)),
            "request_headers": json.dumps([list(h) for h in capture.request_headers]),
            "raw_sha256": capture.raw_sha256, "change": str(judgement.outcome),
            "reasons": json.dumps(list(edit.reasons)) if edit else None,
            "changed": edit.changed if edit else None,
            "sentences": edit.sentences if edit else None,
            "page_text": extraction.page_text if extraction else None,
            "page_sha256": page_sha256,
        }
        # Plain SQL: sqlite-utils' insert looks the table up first, a third of a page's write.
        cursor = self._db.conn.execute(
            f"INSERT INTO snapshots ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})",
            list(row.values()))
        return cursor.lastrowid

    def taken_at(self, snapshot_id: int) -> str | None:
        return self._db.one("SELECT fetched_at FROM snapshots WHERE id = ?", [snapshot_id])

    def has_body(self, sha256: str) -> bool:
        return self._db.one("SELECT 1 FROM bodies WHERE sha256 = ?", [sha256]) is not None

    def add_bodies(self, blobs: Iterable[Blob]) -> None:
        """Store bodies not yet stored (in a write)."""
        for blob in blobs:
            self._db.conn.execute(
                "INSERT OR IGNORE INTO bodies (sha256, size, codec, data) VALUES (?, ?, ?, ?)",
                (blob.sha256, blob.size, blob.codec, blob.data))

    def body(self, sha256: str) -> bytes | None:
        """A stored body, decompressed."""
        packed = self.packed_body(sha256)
        return decompress(*packed) if packed else None

    def packed_body(self, sha256: str) -> tuple[str, bytes] | None:
        """A stored body as stored, ``(codec, data)``: for a process that decompresses it
        itself (crawler.core.codec.decompress), five times fewer bytes to hand it."""
        row = self._db.conn.execute(
            "SELECT codec, data FROM bodies WHERE sha256 = ?", [sha256]).fetchone()
        return (row[0], row[1]) if row else None

    def ends(self, url_id: int) -> tuple[SnapshotInfo | None, SnapshotInfo | None]:
        """A URL's first and latest snapshots."""
        found = [SnapshotInfo(**row) for row in self._db.rows(
            "SELECT id, fetched_at, final_url, title, text, author, date FROM snapshots"
            " WHERE url_id = ? AND id IN ("
            f"(SELECT min(id) FROM snapshots WHERE url_id = ? AND {_TEXT_SNAPSHOT} AND {_LIVE}),"
            f" (SELECT max(id) FROM snapshots WHERE url_id = ? AND {_TEXT_SNAPSHOT}"
            f" AND {_LIVE}))"
            " ORDER BY id", [url_id] * 3)]
        return (found[0], found[-1]) if found else (None, None)

    def texts_before(self, url_id: int, *, until: str | None = None,
                     before_id: int | None = None, count: int = 2) -> list[SnapshotText]:
        """A URL's newest ``count`` text snapshots fetched at or before ``until`` (and with
        an id below ``before_id``), newest first."""
        return [SnapshotText(**row) for row in self._db.rows(
            "SELECT id, fetched_at, title, text, author, date FROM snapshots WHERE url_id = ?"
            f" AND {_TEXT_SNAPSHOT} AND {_LIVE} AND fetched_at <= ? AND id < ?"
            " ORDER BY id DESC LIMIT ?",
            [url_id, until or "9999", before_id or 2**62, count])]

    def records(self, chosen: SnapshotFilter | None = None) -> Iterator[SnapshotRecord]:
        """Snapshots with their URL and citing documents, oldest first, streamed."""
        chosen = chosen or SnapshotFilter()
        where, params = _chosen(chosen, "snapshots", "fetched_at")
        if chosen.snapshot_id is not None:
            where.append("snapshots.id = ?")
            params.append(chosen.snapshot_id)
        rows = self._db.rows(
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
        for row in rows:
            yield _record(row)


class Checks:
    def __init__(self, database: Database):
        self._db = database

    def add(self, check: Check) -> None:
        """Record a check (in a write)."""
        self._db.conn.execute(
            "INSERT INTO checks (url_id, run_id, checked_at, outcome, status, final_url,"
            " snapshot_id, reason, redirects) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (check.url_id, check.run_id, check.checked_at, str(check.outcome), check.status,
             check.final_url, check.snapshot_id, check.reason, _chain(check.redirects)))

    def recent(self, url_id: int, limit: int) -> list[CheckInfo]:
        """A URL's newest checks, newest first."""
        return [CheckInfo(Outcome(row["outcome"]), row["status"], row["reason"],
                          row["checked_at"])
                for row in self._db.rows(
                    "SELECT outcome, status, reason, checked_at FROM checks WHERE url_id = ?"
                    " ORDER BY checked_at DESC, id DESC LIMIT ?", [url_id, limit])]

    def records(self, chosen: SnapshotFilter | None = None) -> Iterator[CheckRecord]:
        """Every check (failures included) of the chosen URLs, oldest first, streamed (the
        filter's ``latest`` keeps each URL's last check)."""
        chosen = chosen or SnapshotFilter()
        where, params = _chosen(chosen, "checks", "checked_at")
        for row in self._db.rows(
                "SELECT urls.url, checks.checked_at, checks.status, checks.outcome,"
                " checks.reason, checks.final_url, checks.redirects, checks.snapshot_id"
                " FROM checks JOIN urls ON urls.id = checks.url_id"
                f" {'WHERE ' + ' AND '.join(where) if where else ''} ORDER BY checks.id",
                params):
            yield CheckRecord(url=row["url"], checked_at=row["checked_at"],
                              status=row["status"], outcome=Outcome(row["outcome"]),
                              reason=row["reason"], final_url=row["final_url"],
                              redirects=_hops(row["redirects"]),
                              snapshot_id=row["snapshot_id"])

    def history(self, url_id: int) -> list[HistoryEntry]:
        """Every check of a URL, oldest first, with its snapshot's text hash and title, and
        what changed when the check made the snapshot; and, where they were fetched, the
        copies of it taken from web archives."""
        copies = [HistoryEntry(
            checked_at=row["fetched_at"], status=row["status"], outcome=None,
            reason=None, final_url=row["final_url"], snapshot_id=row["id"],
            text_sha256=row["text_sha256"], title=row["title"],
            memento=copy_of(row))
            for row in self._db.rows(
                "SELECT snapshots.*, urls.url FROM snapshots JOIN urls ON urls.id ="
                " snapshots.url_id WHERE url_id = ? AND origin IS NOT NULL ORDER BY id",
                [url_id])]
        saves = [HistoryEntry(
            checked_at=row["requested_at"], status=None, outcome=None, reason=row["detail"],
            final_url=None, snapshot_id=row["snapshot_id"], text_sha256=None, title=None,
            memento=Memento(archive_name(row["memento_uri"]), row["memento_uri"], "", row["url"])
            if row["memento_uri"] else None, saved=row["status"])
            for row in self._db.rows(
                "SELECT wayback_saves.*, urls.url FROM wayback_saves JOIN urls ON urls.id ="
                " wayback_saves.url_id WHERE url_id = ? ORDER BY wayback_saves.id", [url_id])]
        return sorted(self._checks(url_id) + copies + saves,
                      key=lambda entry: entry.checked_at)

    def _checks(self, url_id: int) -> list[HistoryEntry]:
        return [HistoryEntry(
                    checked_at=row["checked_at"], status=row["status"],
                    outcome=Outcome(row["outcome"]), reason=row["reason"],
                    final_url=row["final_url"], snapshot_id=row["snapshot_id"],
                    text_sha256=row["text_sha256"], title=row["title"],
                    change=change_summary(row["change"], row["reasons"], row["changed"],
                                          row["sentences"])
                    if row["outcome"] == row["change"] else None,
                    redirects=_hops(row["redirects"]))
                for row in self._db.rows(
                    "SELECT checks.checked_at, checks.status, checks.outcome, checks.reason,"
                    " checks.final_url, checks.redirects, checks.snapshot_id,"
                    " snapshots.text_sha256,"
                    " snapshots.title, snapshots.change, snapshots.reasons, snapshots.changed,"
                    " snapshots.sentences FROM checks"
                    " LEFT JOIN snapshots ON snapshots.id = checks.snapshot_id"
                    " WHERE checks.url_id = ? ORDER BY checks.checked_at, checks.id", [url_id])]
