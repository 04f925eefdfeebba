"""Archive-wide reads for people: the status at a glance, full-text search, what changed."""

from __future__ import annotations

import json

import sqlite3

from crawler.core.codec import decompress
from crawler.core.hashing import sha256
from crawler.core.models import Outcome
from crawler.core.search_query import fts_query
from crawler.errors import InvalidQuery
from crawler.core.views import ArchiveStatus, Change, SearchHit
from crawler.storage.database import Database
from crawler.storage.files import LIVE_URL
from crawler.storage.runs import Runs
from crawler.storage.snapshots import change_summary


# URLs that crawls check (not unconfirmed or replaced readings of wrapped URLs, not
# forgotten ones): what status counts.
_CHECKED = "candidate_of IS NULL AND superseded_by IS NULL AND forgotten_at IS NULL"


class Reads:
    def __init__(self, database: Database, runs: Runs):
        self._db = database
        self._runs = runs

    def status(self, now: str, runs: int) -> ArchiveStatus:
        """The archive at a glance: counts, what is due, what is failing, the last runs."""
        one = self._db.one
        refused, reason = self._runs.refused()
        # One pass over the URLs in rowid order (NOT INDEXED: the due index would visit them
        # in due order), so that whether each has a snapshot is looked up in the order of the
        # snapshots' (url_id, id) index: a third of the time of a lookup per URL at random.
        urls, failing, never_archived = self._db.conn.execute(
            "SELECT count(*), coalesce(sum(last_outcome = 'failed'), 0), coalesce(sum(NOT"
            " EXISTS (SELECT 1 FROM snapshots WHERE snapshots.url_id = urls.id)), 0)"
            f" FROM urls NOT INDEXED WHERE {_CHECKED}").fetchone()
        return ArchiveStatus(
            documents=one("SELECT count(*) FROM documents"),
            urls=urls,
            snapshots=one("SELECT count(*) FROM snapshots"),
            bodies=one("SELECT count(*) FROM bodies"),
            bodies_bytes=one("SELECT coalesce(sum(length(data)), 0) FROM bodies"),
            due=one(f"SELECT count(*) FROM urls WHERE {_CHECKED} AND {LIVE_URL} AND"
                    " coalesce(next_check_at, '') <= ?", [now]),
            failing=failing,
            never_archived=never_archived,
            runs=self._runs.recent(runs),
            refused_items=refused, refused_reason=reason,
        )

    def search(self, text: str, limit: int, all_versions: bool = False) -> list[SearchHit]:
        """Archived pages and documents whose text matches (crawler.core.search_query), best
        first, with a snippet: each page once, its newest matching version (``versions``
        says how many match), or every version with ``all_versions``. Raises InvalidQuery
        for what FTS5 cannot read."""
        query = fts_query(text)
        # Ranked first, snippets last: a snippet reads and tokenises its page's text, so it
        # is made for the ``limit`` rows shown, not for every match (a common pair of words
        # matches tens of thousands of snapshots in a million). Each page's newest matching
        # version and its number of matching versions come from one window over the matches.
        newest = "1" if all_versions else "id = newest"
        try:
            snapshots = self._db.rows(
                "WITH hits AS MATERIALIZED (SELECT snapshots.id, snapshots.url_id,"
                " snapshots.fetched_at, bm25(snapshots_fts) AS rank FROM snapshots_fts"
                " JOIN snapshots ON snapshots.id = snapshots_fts.rowid"
                " WHERE snapshots_fts MATCH :query),"
                " pages AS (SELECT id, rank, fetched_at, count(*) OVER url AS versions,"
                " max(id) OVER url AS newest FROM hits WINDOW url AS (PARTITION BY url_id)),"
                f" best AS MATERIALIZED (SELECT * FROM pages WHERE {newest}"
                " ORDER BY rank, fetched_at DESC LIMIT :limit)"
                " SELECT 'snapshot' AS kind, urls.url AS where_, snapshots.title,"
                " best.fetched_at AS date, snippet(snapshots_fts, -1, '[', ']', '…', 12)"
                " AS snippet, best.rank, best.id AS snapshot_id, best.versions FROM best"
                " JOIN snapshots_fts ON snapshots_fts.rowid = best.id"
                " JOIN snapshots ON snapshots.id = best.id JOIN urls ON urls.id = snapshots.url_id"
                " WHERE snapshots_fts MATCH :query ORDER BY best.rank, best.fetched_at DESC",
                {"query": query, "limit": limit})
            documents = self._db.rows(
                "WITH best AS MATERIALIZED (SELECT documents_fts.rowid AS id,"
                " files.path AS path, bm25(documents_fts) AS rank FROM documents_fts"
                " JOIN documents ON documents.rowid = documents_fts.rowid"
                " JOIN files ON files.document_id = documents.id"
                " WHERE documents_fts MATCH :query AND files.state = 'live'"
                " ORDER BY rank LIMIT :limit)"
                " SELECT 'document' AS kind, best.path AS where_, NULL AS title,"
                " documents.read_at AS date, snippet(documents_fts, 1, '[', ']', '…', 12)"
                " AS snippet, best.rank, NULL AS snapshot_id, 1 AS versions FROM best"
                " JOIN documents_fts ON documents_fts.rowid = best.id"
                " JOIN documents ON documents.rowid = best.id"
                " WHERE documents_fts MATCH :query ORDER BY best.rank",
                {"query": query, "limit": limit})
            found = sorted([*snapshots, *documents], key=lambda row: row["rank"])[:limit]
        except sqlite3.OperationalError as exc:
            raise InvalidQuery(f"{text!r}: not a query sourcekeeper can search for ({exc})"
                               ) from None
        return [SearchHit(kind=row["kind"], where=row["where_"], title=row["title"],
                          date=row["date"], snippet=row["snippet"], rank=row["rank"],
                          snapshot_id=row["snapshot_id"], versions=row["versions"])
                for row in found]

    def integrity(self) -> list[str]:
        """What is wrong with the file, if anything: SQLite's own check, bodies that do not
        match their hash, snapshots without their body or the check that made them."""
        problems = [row[0] for row in self._db.conn.execute("PRAGMA integrity_check")
                    if row[0] != "ok"]
        for row in self._db.rows("SELECT sha256, codec, data FROM bodies"):
            if sha256(decompress(row["codec"], row["data"])) != row["sha256"]:
                problems.append(f"body {row['sha256']} does not match its hash")
        orphans = self._db.one(
            "SELECT count(*) FROM snapshots WHERE body_sha256 NOT IN (SELECT sha256 FROM bodies)"
            " OR id NOT IN (SELECT snapshot_id FROM checks WHERE snapshot_id IS NOT NULL)")
        if orphans:
            problems.append(f"{orphans} snapshots without their body or their check")
        return problems

    def changes(self, everything: bool = False, url_ids: list[int] | None = None
                ) -> list[Change]:
        """URLs whose archived page changed materially (with ``everything``, churn too):
        their text snapshots, their latest such change (when, which kind, why), whether any
        change of theirs was material and the live documents citing them; most recent
        first. ``url_ids``: only these URLs."""
        kinds = [str(Outcome.CHANGED), str(Outcome.HTML_CHANGED)]
        if everything:
            kinds.append(str(Outcome.CHURN))
        marks = ", ".join("?" * len(kinds))
        only = " WHERE urls.id IN (SELECT value FROM json_each(?))" if url_ids is not None \
            else ""
        rows = self._db.rows(
            "SELECT urls.url, s.id, s.fetched_at, s.change, s.reasons, s.changed, s.sentences,"
            " (SELECT count(*) FROM snapshots t WHERE t.url_id = urls.id"
            "  AND t.text IS NOT NULL) AS snapshots,"
            " EXISTS (SELECT 1 FROM snapshots m WHERE m.url_id = urls.id AND m.change IN"
            "  (?, ?)) AS material,"
            " (SELECT json_group_array(f.path) FROM mentions c JOIN files f ON"
            "  f.document_id = c.document_id AND f.state = 'live' WHERE c.url_id = urls.id)"
            "  AS documents"
            " FROM urls JOIN snapshots s ON s.id = (SELECT max(id) FROM snapshots l WHERE"
            f"  l.url_id = urls.id AND l.change IN ({marks})){only}"
            " ORDER BY s.fetched_at DESC, s.id DESC",
            [*kinds[:2], *kinds, *([json.dumps(url_ids)] if url_ids is not None else [])])
        return [Change(url=row["url"], snapshots=row["snapshots"], changed_at=row["fetched_at"],
                       outcome=Outcome(row["change"]),
                       summary=change_summary(row["change"], row["reasons"], row["changed"],
                                              row["sentences"]) or "",
                       material=bool(row["material"]), snapshot_id=row["id"],
                       documents=tuple(sorted(json.loads(row["documents"] or "[]"))))
                for row in rows]
