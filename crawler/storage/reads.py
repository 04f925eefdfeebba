"""Archive-wide reads for people: the status at a glance, full-text search, what changed."""

from __future__ import annotations

import re

from crawler.core.codec import decompress
from crawler.core.hashing import sha256
from crawler.core.models import Outcome
from crawler.core.views import ArchiveStatus, Change, SearchHit
from crawler.storage.database import Database
from crawler.storage.files import LIVE_URL
from crawler.storage.runs import Runs
from crawler.storage.snapshots import change_summary


def fts_query(text: str) -> str:
    """User words as an FTS5 query: each word quoted (no syntax errors), all required;
    a quoted phrase stays a phrase."""
    phrases = re.findall(r'"([^"]+)"|(\S+)', text)
    terms = [phrase or word for phrase, word in phrases]
    return " ".join('"' + term.replace('"', '""') + '"' for term in terms if term.strip())


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
        return ArchiveStatus(
            documents=one("SELECT count(*) FROM documents"),
            urls=one(f"SELECT count(*) FROM urls WHERE {_CHECKED}"),
            snapshots=one("SELECT count(*) FROM snapshots"),
            bodies=one("SELECT count(*) FROM bodies"),
            bodies_bytes=one("SELECT coalesce(sum(length(data)), 0) FROM bodies"),
            due=one(f"SELECT count(*) FROM urls WHERE {_CHECKED} AND {LIVE_URL} AND"
                    " (next_check_at IS NULL OR next_check_at <= ?)", [now]),
            failing=one(f"SELECT count(*) FROM urls WHERE {_CHECKED} AND"
                        " last_outcome = 'failed'"),
            never_archived=one(f"SELECT count(*) FROM urls WHERE {_CHECKED} AND id NOT IN"
                               " (SELECT url_id FROM snapshots)"),
            runs=self._runs.recent(runs),
        )

    def search(self, text: str, limit: int) -> list[SearchHit]:
        """Snapshots and documents whose text matches, best first, with a snippet."""
        query = fts_query(text)
        if not query:
            return []
        snapshots = self._db.rows(
            "SELECT 'snapshot' AS kind, urls.url AS where_, snapshots.title, snapshots.fetched_at"
            " AS date, snippet(snapshots_fts, -1, '[', ']', '…', 12) AS snippet,"
            " bm25(snapshots_fts) AS rank FROM snapshots_fts JOIN snapshots ON snapshots.rowid ="
            " snapshots_fts.rowid JOIN urls ON urls.id = snapshots.url_id"
            " WHERE snapshots_fts MATCH ? ORDER BY rank LIMIT ?", [query, limit])
        documents = self._db.rows(
            "SELECT 'document' AS kind, documents.path AS where_, NULL AS title,"
            " documents.read_at AS date, snippet(documents_fts, 1, '[', ']', '…', 12) AS snippet,"
            " bm25(documents_fts) AS rank FROM documents_fts JOIN documents ON documents.rowid ="
            " documents_fts.rowid WHERE documents_fts MATCH ? ORDER BY rank LIMIT ?",
            [query, limit])
        found = sorted([*snapshots, *documents], key=lambda row: row["rank"])[:limit]
        return [SearchHit(kind=row["kind"], where=row["where_"], title=row["title"],
                          date=row["date"], snippet=row["snippet"], rank=row["rank"])
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

    def changes(self, everything: bool = False) -> list[Change]:
        """URLs whose archived page changed materially (with ``everything``, churn too):
        their text snapshots, their latest such change (when, which kind, why) and whether
        any change of theirs was material; most recent first."""
        kinds = [str(Outcome.CHANGED), str(Outcome.HTML_CHANGED)]
        if everything:
            kinds.append(str(Outcome.CHURN))
        marks = ", ".join("?" * len(kinds))
        rows = self._db.rows(
            "SELECT urls.url, s.fetched_at, s.change, s.reasons, s.changed, s.sentences,"
            " (SELECT count(*) FROM snapshots t WHERE t.url_id = urls.id"
            "  AND t.text IS NOT NULL) AS snapshots,"
            " EXISTS (SELECT 1 FROM snapshots m WHERE m.url_id = urls.id AND m.change IN"
            "  (?, ?)) AS material"
            " FROM urls JOIN snapshots s ON s.id = (SELECT max(id) FROM snapshots l WHERE"
            f"  l.url_id = urls.id AND l.change IN ({marks}))"
            " ORDER BY s.fetched_at DESC, s.id DESC", [*kinds[:2], *kinds])
        return [Change(url=row["url"], snapshots=row["snapshots"], changed_at=row["fetched_at"],
                       outcome=Outcome(row["change"]),
                       summary=change_summary(row["change"], row["reasons"], row["changed"],
                                              row["sentences"]) or "",
                       material=bool(row["material"]))
                for row in rows]
