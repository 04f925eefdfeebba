"""The archive's tables, and the steps that bring an older archive file up to date.

Each step runs once, in the transaction that opens the file, and the file's
``PRAGMA user_version`` records how far it has come: an archive made by an older sourcekeeper
is upgraded in place, never rebuilt.
"""

from __future__ import annotations

import json

from sqlite_utils import Database

from crawler.core.edits import Kind, Version, compare

SCHEMA_VERSION = 13


def _tables(db: Database) -> None:
    """Version 1: documents, URLs, mentions, runs, bodies, snapshots, checks."""
    db["documents"].create(
        {"id": str, "path": str, "kind": str, "encoding": str, "size": int, "text": str,
         "read_at": str},
        pk="id", if_not_exists=True,
    )
    db["urls"].create(
        {"id": int, "canonical": str, "url": str, "first_seen": str},
        pk="id", not_null={"canonical", "url"}, if_not_exists=True,
    )
    db["urls"].create_index(["canonical"], unique=True, if_not_exists=True)
    db["mentions"].create(
        {"document_id": str, "url_id": int, "written": str, "role": str, "anchor": str,
         "line": int},
        pk=("document_id", "url_id"),
        foreign_keys=[("document_id", "documents", "id"), ("url_id", "urls", "id")],
        if_not_exists=True,
    )
    db["mentions"].create_index(["url_id"], if_not_exists=True)
    db["runs"].create(
        {"id": int, "command": str, "args": str, "pid": int, "started_at": str,
         "ended_at": str, "status": str, "documents": int, "urls": int, "new": int,
         "changed": int, "unchanged": int, "failed": int},
        pk="id", if_not_exists=True,
    )
    db["bodies"].create(
        {"sha256": str, "size": int, "codec": str, "data": bytes},
        pk="sha256", if_not_exists=True,
    )
    db["snapshots"].create(
        {"id": int, "url_id": int, "run_id": int, "fetched_at": str, "requested_url": str,
         "final_url": str, "redirects": str, "status": int, "headers": str,
         "content_type": str, "ip_address": str, "protocol": str, "body_sha256": str,
         "body_size": int, "text_sha256": str, "text": str, "title": str, "author": str,
         "date": str, "sitename": str, "language": str, "metadata": str},
        pk="id",
        foreign_keys=[("url_id", "urls", "id"), ("run_id", "runs", "id"),
                      ("body_sha256", "bodies", "sha256")],
        if_not_exists=True,
    )
    db["snapshots"].create_index(["url_id", "id"], if_not_exists=True)
    db["checks"].create(
        {"id": int, "url_id": int, "run_id": int, "checked_at": str, "outcome": str,
         "status": int, "final_url": str, "snapshot_id": int, "reason": str},
        pk="id",
        foreign_keys=[("url_id", "urls", "id"), ("run_id", "runs", "id"),
                      ("snapshot_id", "snapshots", "id")],
        if_not_exists=True,
    )
    db["checks"].create_index(["url_id", "checked_at"], if_not_exists=True)
    db["checks"].create_index(["run_id"], if_not_exists=True)


def _schedule(db: Database) -> None:
    """Version 2: each URL's schedule and validators, full-text search, raw bodies."""
    urls = db["urls"]
    for column, kind in [("next_check_at", str), ("interval", float), ("etag", str),
                         ("last_modified", str), ("last_checked_at", str),
                         ("last_outcome", str), ("failures", int)]:
        if column not in urls.columns_dict:
            urls.add_column(column, kind)
    urls.create_index(["next_check_at"], if_not_exists=True)
    snapshots = db["snapshots"]
    for column in ("request_headers", "raw_sha256"):
        if column not in snapshots.columns_dict:
            snapshots.add_column(column, str)
    _full_text(db, "snapshots", ["title", "text"])
    _full_text(db, "documents", ["path", "text"])


def _full_text(db: Database, table: str, columns: list[str]) -> None:
    """An external-content FTS5 index kept current by triggers, like sqlite-utils'
    ``enable_fts``, but statement by statement: ``executescript`` would commit the migration
    half-way."""
    if db[f"{table}_fts"].exists():
        return
    names = ", ".join(columns)
    new = ", ".join(f"new.{column}" for column in columns)
    old = ", ".join(f"old.{column}" for column in columns)
    fts = f"{table}_fts"
    for statement in [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content={table}, tokenize='porter')",
        f"INSERT INTO {fts} (rowid, {names}) SELECT rowid, {names} FROM {table}",
        f"CREATE TRIGGER {table}_ai AFTER INSERT ON {table} BEGIN"
        f" INSERT INTO {fts} (rowid, {names}) VALUES (new.rowid, {new}); END",
        f"CREATE TRIGGER {table}_ad AFTER DELETE ON {table} BEGIN"
        f" INSERT INTO {fts} ({fts}, rowid, {names}) VALUES ('delete', old.rowid, {old}); END",
        f"CREATE TRIGGER {table}_au AFTER UPDATE ON {table} BEGIN"
        f" INSERT INTO {fts} ({fts}, rowid, {names}) VALUES ('delete', old.rowid, {old});"
        f" INSERT INTO {fts} (rowid, {names}) VALUES (new.rowid, {new}); END",
    ]:
        db.execute(statement)


def _provenance(db: Database) -> None:
    """Version 3: each snapshot's similarity to the previous one; document coverage cache."""
    if "similarity" not in db["snapshots"].columns_dict:
        db["snapshots"].add_column("similarity", float)
    db["coverage"].create(
        {"document_id": str, "snapshot_id": int, "score": float, "found": str, "missing": str,
         "computed_at": str},
        pk=("document_id", "snapshot_id"),
        foreign_keys=[("document_id", "documents", "id"), ("snapshot_id", "snapshots", "id")],
        if_not_exists=True,
    )


def _run_reasons(db: Database) -> None:
    """Version 4: why a run that did not finish stopped (its status says ``failed``)."""
    if "reason" not in db["runs"].columns_dict:
        db["runs"].add_column("reason", str)


def _documents_as_written(db: Database) -> None:
    """Version 5: a document as written beside its text as read (an HTML page's markup);
    other readings of a URL wrapped across lines; URLs that are such a reading, not yet
    confirmed (``candidate_of``), and URLs replaced by one (``superseded_by``)."""
    if "content" not in db["documents"].columns_dict:
        db["documents"].add_column("content", str)
    if "alternatives" not in db["mentions"].columns_dict:
        db["mentions"].add_column("alternatives", str)
    for column in ("candidate_of", "superseded_by"):
        if column not in db["urls"].columns_dict:
            db["urls"].add_column(column, int)


def _changes(db: Database) -> None:
    """Version 6: what each snapshot's fetch was (``new``, ``changed``, ``html-changed``,
    ``churn``) and why, with the measure that decided; the page's visible text beside the
    article, indexed too; churn and html-changed counts of runs. Existing snapshots are
    judged once, each against the one before (crawler.core.edits)."""
    snapshots = db["snapshots"]
    for column, kind in [("change", str), ("reasons", str), ("changed", int),
                         ("sentences", int), ("page_text", str), ("page_sha256", str)]:
        if column not in snapshots.columns_dict:
            snapshots.add_column(column, kind)
    for column in ("html_changed", "churn"):
        if column not in db["runs"].columns_dict:
            db["runs"].add_column(column, int)
    for trigger in ("snapshots_ai", "snapshots_ad", "snapshots_au"):
        db.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    db.execute("DROP TABLE IF EXISTS snapshots_fts")
    previous: dict[int, Version] = {}
    rows = db.execute("SELECT id, url_id, title, text, author, date FROM snapshots"
                      " WHERE change IS NULL ORDER BY id").fetchall()
    for snapshot_id, url_id, title, text, author, date in rows:
        version = Version(title, text, author, date)
        before = previous.get(url_id)
        previous[url_id] = version
        if before is None:
            db.execute("UPDATE snapshots SET change = 'new' WHERE id = ?", [snapshot_id])
            continue
        edit = compare(before, version)
        change = "changed" if edit.kind is Kind.MATERIAL else "churn"
        db.execute("UPDATE snapshots SET change = ?, reasons = ?, changed = ?, sentences = ?"
                   " WHERE id = ?", [change, json.dumps(list(edit.reasons)), edit.changed,
                                     edit.sentences, snapshot_id])
    _full_text(db, "snapshots", ["title", "text", "page_text"])


def _redirect_chains(db: Database) -> None:
    """Version 7: the redirects each check went through (status and target of each hop);
    snapshots keep them in full, headers included, in ``redirects``."""
    if "redirects" not in db["checks"].columns_dict:
        db["checks"].add_column("redirects", str)


def _document_files(db: Database) -> None:
    """Version 8: documents with identity: ``files`` says which content version each path
    holds now (live, or missing since a date; followed when moved); URLs can be forgotten.
    Each path's newest version becomes its file; older versions stay, cited by nothing
    live."""
    db["files"].create(
        {"path": str, "file": str, "document_id": str, "state": str, "first_seen": str,
         "updated_at": str, "missing_since": str, "moved_from": str},
        pk="path", foreign_keys=[("document_id", "documents", "id")], if_not_exists=True)
    db["files"].create_index(["document_id"], if_not_exists=True)
    db["files"].create_index(["file"], if_not_exists=True)
    if "forgotten_at" not in db["urls"].columns_dict:
        db["urls"].add_column("forgotten_at", str)
    rows = db.execute("SELECT path, id, read_at FROM documents ORDER BY path, read_at, rowid")
    newest: dict[str, tuple[str, str, str]] = {}
    for path, document_id, read_at in rows.fetchall():
        first = newest.get(path, (None, None, read_at))[2]
        newest[path] = (document_id, read_at, first)
    for path, (document_id, read_at, first) in newest.items():
        file = path[:path.rindex(" (")] if path.endswith(")") and " (" in path else path
        db.execute("INSERT OR IGNORE INTO files (path, file, document_id, state, first_seen,"
                   " updated_at) VALUES (?, ?, ?, 'live', ?, ?)",
                   [path, file, document_id, first, read_at])


def _discovery_versions(db: Database) -> None:
    """Version 9: which discovery read each document (0: one before this column), so that
    a newer one reads it again."""
    if "discovered_with" not in db["documents"].columns_dict:
        db["documents"].add_column("discovered_with", int)


def _fixed_intervals(db: Database) -> None:
    """Version 10: a URL a person set an interval for (``schedule URL --every 15m``) is
    checked at that interval, whatever its changes; NULL: the adaptive schedule."""
    if "fixed_interval" not in db["urls"].columns_dict:
        db["urls"].add_column("fixed_interval", float)


def _refused_items(db: Database) -> None:
    """Version 11: items a distributed crawl's writer refused (forged, malformed, too big):
    when and why, so that ``status`` shows them (the items are in Redis' dead-letter list)."""
    db["refused_items"].create({"id": int, "at": str, "reason": str}, pk="id",
                               if_not_exists=True)


def _mementos(db: Database) -> None:
    """Version 12: copies from the web's archives (crawler.core.mementos). A snapshot says
    where it came from (``origin`` NULL: our own fetch; ``memento``: an archive's copy, with
    the archive, the copy's URI and its ``Memento-Datetime``); each URL's last look-up in the
    archives (the captures found, how each fetched one scored, the one chosen); the archived
    copies documents cite themselves; Save Page Now requests; and when each document was
    written, and how we know (its metadata, the file's mtime, or when we first read it)."""
    snapshots = db["snapshots"]
    for column in ("origin", "archive", "memento_uri", "memento_datetime"):
        if column not in snapshots.columns_dict:
            snapshots.add_column(column, str)
    for column in ("written_at", "written_from"):
        if column not in db["documents"].columns_dict:
            db["documents"].add_column(column, str)
    db["memento_lookups"].create(
        {"url_id": int, "reason": str, "looked_up_at": str, "written": str, "captures": str,
         "scores": str, "chosen_uri": str, "snapshot_id": int, "errors": str},
        pk="url_id", foreign_keys=[("url_id", "urls", "id")], if_not_exists=True)
    db["cited_mementos"].create(
        {"url_id": int, "uri": str, "archive": str, "datetime": str, "snapshot_id": int,
         "error": str},
        pk=("url_id", "uri"), foreign_keys=[("url_id", "urls", "id")], if_not_exists=True)
    db["wayback_saves"].create(
        {"id": int, "url_id": int, "snapshot_id": int, "requested_at": str, "status": str,
         "memento_uri": str, "detail": str},
        pk="id", foreign_keys=[("url_id", "urls", "id")], if_not_exists=True)
    db["wayback_saves"].create_index(["url_id"], if_not_exists=True)


def _scale_indexes(db: Database) -> None:
    """Version 13: indexes for an archive of a million URLs and snapshots (bench/scale.py).
    The due queue, and the counts ``status`` and a crawl's plan make, read the URLs a crawl
    checks in due order from one partial index (never checked first: ``''``) instead of
    sorting every due URL for each page of the queue; failing URLs are found without reading
    every URL; whether a document is live is answered from an index alone
    (crawler.storage.files: ``LIVE_URL`` asks it of every document)."""
    checked = "candidate_of IS NULL AND superseded_by IS NULL AND forgotten_at IS NULL"
    db.execute("CREATE INDEX IF NOT EXISTS idx_urls_due ON urls (coalesce(next_check_at, ''))"
               f" WHERE {checked}")
    db.execute("CREATE INDEX IF NOT EXISTS idx_urls_failing ON urls (last_outcome)"
               " WHERE last_outcome = 'failed'")
    db.execute("CREATE INDEX IF NOT EXISTS idx_files_document_id_state ON files"
               " (document_id, state)")


_STEPS = [_tables, _schedule, _provenance, _run_reasons, _documents_as_written, _changes,
          _redirect_chains, _document_files, _discovery_versions, _fixed_intervals,
          _refused_items, _mementos, _scale_indexes]


def migrate(db: Database, version: int) -> None:
    """Run every step after ``version`` (0 for a new file)."""
    for step in _STEPS[version:]:
        step(db)
