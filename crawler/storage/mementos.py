"""What the archive keeps of the web's archives: look-ups, cited copies, Save Page Now.

A copy found in a web archive is stored as a snapshot (crawler.storage.snapshots, with its
``origin``); this repository holds the rest: each URL's last look-up (its captures, how
each fetched one scored, which was kept), the archived copies documents cite themselves,
the Save Page Now requests of ``crawl --save-to-wayback``, and the documents' dates a
look-up is measured against.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from crawler.core.mementos import Citing, Lookup, Memento, Reason, Scored
from crawler.core.models import Outcome
from crawler.core.views import SnapshotText
from crawler.storage.database import Database


def copy_of(row: dict) -> Memento:
    """The web archive's copy a snapshot row is (with its URL's ``url``)."""
    return Memento(row["archive"], row["memento_uri"], row["memento_datetime"], row["url"])


def _memento(value: dict) -> Memento:
    return Memento(value["archive"], value["uri"], value["datetime"], value["original"],
                   value.get("digest"), value.get("status"), value.get("mimetype"))


def _lookup(row: dict) -> Lookup:
    return Lookup(
        row["url_id"], Reason(row["reason"]), row["looked_up_at"], row["written"],
        tuple(_memento(value) for value in json.loads(row["captures"] or "[]")),
        tuple(Scored(_memento(value), value["coverage"], tuple(value["quotes"]),
                     value["quotes_total"]) for value in json.loads(row["scores"] or "[]")),
        row["chosen_uri"], row["snapshot_id"], tuple(json.loads(row["errors"] or "[]")),
        row["url"])


_LOOKUPS = ("SELECT memento_lookups.*, urls.url FROM memento_lookups"
            " JOIN urls ON urls.id = memento_lookups.url_id")


class Mementos:
    def __init__(self, database: Database):
        self._db = database

    # Documents' dates.

    def date_document(self, document_id: str, written: str, source: str) -> None:
        """Record when a document was written and how we know (in a write; once)."""
        self._db.conn.execute("UPDATE documents SET written_at = ?, written_from = ?"
                              " WHERE id = ? AND written_at IS NULL",
                              [written, source, document_id])

    def citing(self, url_id: int) -> list[Citing]:
        """The documents citing a URL, oldest written first (undated ones: when first
        read)."""
        return [Citing(row["text"] or "", row["written_at"] or row["read_at"])
                for row in self._db.rows(
                    "SELECT documents.text, documents.read_at, documents.written_at"
                    " FROM mentions"
                    " JOIN documents ON documents.id = mentions.document_id"
                    " WHERE mentions.url_id = ?"
                    " ORDER BY coalesce(documents.written_at, documents.read_at)", [url_id])]

    def first_written(self, url_id: int) -> str | None:
        """When the earliest document citing a URL was written (or first read)."""
        return self._db.one(
            "SELECT min(coalesce(documents.written_at, documents.read_at)) FROM mentions"
            " JOIN documents ON documents.id = mentions.document_id WHERE mentions.url_id = ?",
            [url_id])

    # Which URLs a crawl looks up.

    def checked_in_run(self, run_id: int) -> list[tuple[int, str, Outcome]]:
        """The URLs a run checked, with the outcome of their last check in it."""
        return [(row["url_id"], row["url"], Outcome(row["outcome"])) for row in self._db.rows(
            "SELECT checks.url_id, urls.url, checks.outcome FROM checks"
            " JOIN urls ON urls.id = checks.url_id WHERE checks.run_id = ? AND checks.id ="
            " (SELECT max(id) FROM checks last WHERE last.url_id = checks.url_id"
            " AND last.run_id = ?) ORDER BY checks.id", [run_id, run_id])]

    def first_live(self, url_id: int) -> str | None:
        """When our first own snapshot of a URL was taken."""
        return self._db.one("SELECT min(fetched_at) FROM snapshots WHERE url_id = ? AND"
                            " origin IS NULL", [url_id])

    def looked_up_since(self, url_ids: Iterable[int], since: str) -> set[int]:
        """Which of these URLs were looked up at or after ``since``."""
        return {row[0] for row in self._db.conn.execute(
            "SELECT url_id FROM memento_lookups WHERE url_id IN (SELECT value FROM"
            " json_each(?)) AND looked_up_at >= ?", [json.dumps(list(url_ids)), since])}

    # Look-ups.

    def save_lookup(self, lookup: Lookup) -> None:
        """Keep a URL's look-up, replacing its previous one (in a write)."""
        self._db.conn.execute(
            "INSERT OR REPLACE INTO memento_lookups (url_id, reason, looked_up_at, written,"
            " captures, scores, chosen_uri, snapshot_id, errors)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [lookup.url_id, str(lookup.reason), lookup.looked_up_at, lookup.written,
             json.dumps([memento.as_dict() for memento in lookup.captures]),
             json.dumps([score.as_dict() for score in lookup.scores]), lookup.chosen,
             lookup.snapshot_id, json.dumps(list(lookup.errors))])

    def lookup(self, url_id: int) -> Lookup | None:
        """A URL's last look-up."""
        rows = list(self._db.rows(f"{_LOOKUPS} WHERE url_id = ?", [url_id]))
        return _lookup(rows[0]) if rows else None

    def lookups_since(self, when: str) -> list[Lookup]:
        """The look-ups made at or after ``when``, in URL order."""
        return [_lookup(row) for row in self._db.rows(
            f"{_LOOKUPS} WHERE looked_up_at >= ? ORDER BY url_id", [when])]

    def kept(self, url_id: int) -> tuple[Memento, SnapshotText] | None:
        """The web archive's copy kept for a URL: the one its last look-up chose, else the
        newest copy a document cites."""
        rows = list(self._db.rows(
            "SELECT snapshots.*, urls.url FROM snapshots JOIN urls ON urls.id ="
            " snapshots.url_id WHERE snapshots.url_id = ? AND origin IS NOT NULL"
            " ORDER BY snapshots.id = (SELECT snapshot_id FROM memento_lookups WHERE"
            " memento_lookups.url_id = ?) DESC, memento_datetime DESC LIMIT 1",
            [url_id, url_id]))
        if not rows:
            return None
        row = rows[0]
        return (copy_of(row),
                SnapshotText(row["id"], row["fetched_at"], row["title"], row["text"],
                             row["author"], row["date"]))

    def snapshot_of(self, url_id: int, uri: str) -> int | None:
        """The snapshot a memento was stored as, if it was."""
        return self._db.one("SELECT id FROM snapshots WHERE url_id = ? AND memento_uri = ?"
                            " ORDER BY id LIMIT 1", [url_id, uri])

    # Archived copies documents cite.

    def cite(self, url_id: int, memento: Memento) -> None:
        """A document cites this archived copy of the URL (in a write; once)."""
        self._db.conn.execute(
            "INSERT OR IGNORE INTO cited_mementos (url_id, uri, archive, datetime)"
            " VALUES (?, ?, ?, ?)", [url_id, memento.uri, memento.archive, memento.datetime])

    def cited_pending(self, url_ids: Iterable[int] | None = None) -> list[tuple[int, Memento]]:
        """Cited copies not fetched yet (of these URLs)."""
        only = "" if url_ids is None else \
            " AND url_id IN (SELECT value FROM json_each(?))"
        return [(row["url_id"], Memento(row["archive"], row["uri"], row["datetime"],
                                        row["url"]))
                for row in self._db.rows(
                    "SELECT cited_mementos.*, urls.url FROM cited_mementos"
                    " JOIN urls ON urls.id = cited_mementos.url_id"
                    " WHERE snapshot_id IS NULL AND error IS NULL AND urls.forgotten_at IS NULL"
                    f"{only} ORDER BY url_id, uri",
                    [] if url_ids is None else [json.dumps(list(url_ids))])]

    def cited_fetched(self, url_id: int, uri: str, snapshot_id: int | None,
                      error: str | None) -> None:
        """What fetching a cited copy gave: its snapshot, or why not (in a write)."""
        self._db.conn.execute("UPDATE cited_mementos SET snapshot_id = ?, error = ?"
                              " WHERE url_id = ? AND uri = ?", [snapshot_id, error, url_id, uri])

    # Save Page Now.

    def add_save(self, url_id: int, snapshot_id: int | None, requested_at: str, status: str,
                 memento_uri: str | None, detail: str | None) -> None:
        """What Save Page Now answered for a source (in a write)."""
        self._db.conn.execute(
            "INSERT INTO wayback_saves (url_id, snapshot_id, requested_at, status, memento_uri,"
            " detail) VALUES (?, ?, ?, ?, ?, ?)",
            [url_id, snapshot_id, requested_at, status, memento_uri, detail])
