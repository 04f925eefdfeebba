"""Per document: each cited source's state, when it was archived, and whether it still says
what the document says. Documents whose original source is broken or no longer matches come
first: they are the ones a person must look at.
"""

from __future__ import annotations

from typing import Any

from crawler.archive import Archive, ArchiveError
from crawler.linkrot import BROKEN, classify
from crawler.provenance import coverage, unsourced_quotes

WEAK_COVERAGE = 0.5
_HISTORY = 10


def url_state(archive: Archive, url_id: int, url: str) -> dict[str, Any]:
    """A URL's state, first and last archive time, first and latest snapshots."""
    checks = list(archive.db.query(
        "SELECT outcome, status, reason, checked_at FROM checks WHERE url_id = ?"
        " ORDER BY checked_at DESC, id DESC LIMIT ?", [url_id, _HISTORY]))
    snapshots = archive.db.query(
        "SELECT id, text, title, final_url, fetched_at FROM snapshots WHERE url_id = ? AND"
        " id IN ((SELECT min(id) FROM snapshots WHERE url_id = ?),"
        " (SELECT max(id) FROM snapshots WHERE url_id = ?)) ORDER BY id", [url_id] * 3)
    found = list(snapshots)
    first, latest = (found[0], found[-1]) if found else (None, None)
    state = classify(url, checks, first, latest)
    last_check = checks[0]["checked_at"] if checks else None
    return {"state": state.state, "detail": state.detail,
            "first_archived": first["fetched_at"] if first else None,
            "last_archived": latest["fetched_at"] if latest else None,
            "last_checked": last_check, "latest": latest}


def _coverage(archive: Archive, document: dict[str, Any], snapshot: dict[str, Any]
              ) -> dict[str, Any]:
    stored = archive.coverage(document["id"], snapshot["id"])
    if stored is not None:
        return stored
    result = coverage(document["text"] or "", snapshot["text"])
    try:
        archive.store_coverage(document["id"], snapshot["id"], result.score, result.found,
                               result.missing)
    except ArchiveError:
        pass  # a read-only archive still gets its report, computed afresh each time
    return {"score": result.score, "found": result.found, "missing": result.missing}


def _attention(sources: list[dict[str, Any]]) -> int:
    """0: an original source is broken; 1: an original no longer carries the document;
    2: nothing to look at."""
    rank = 2
    for source in sources:
        if source["role"] != "original":
            continue
        if source["state"] in BROKEN:
            return 0
        if source["coverage"] is not None and source["coverage"] < WEAK_COVERAGE:
            rank = 1
    return rank


def build(archive: Archive, document_ids: list[str] | None = None) -> list[dict[str, Any]]:
    """The report's data: one entry per document, those needing attention first."""
    states: dict[int, dict[str, Any]] = {}
    report = []
    documents = archive.db.query("SELECT id, path, read_at, text FROM documents ORDER BY path")
    for document in documents:
        if document_ids is not None and document["id"] not in document_ids:
            continue
        sources = []
        texts = []
        for mention in archive.db.query(
            "SELECT urls.id, urls.url, mentions.role, mentions.anchor FROM mentions JOIN urls"
            " ON urls.id = mentions.url_id WHERE document_id = ? ORDER BY mentions.line",
            [document["id"]],
        ):
            if mention["id"] not in states:
                states[mention["id"]] = url_state(archive, mention["id"], mention["url"])
            state = states[mention["id"]]
            latest = state["latest"]
            matched = _coverage(archive, document, latest) if latest else None
            if latest:
                texts.append(latest["text"])
            sources.append({
                "url": mention["url"], "role": mention["role"], "anchor": mention["anchor"],
                "state": state["state"], "detail": state["detail"],
                "first_archived": state["first_archived"],
                "last_archived": state["last_archived"], "last_checked": state["last_checked"],
                "coverage": matched["score"] if matched else None,
                "missing": matched["missing"] if matched else [],
            })
        rank = _attention(sources)
        report.append({
            "id": document["id"], "path": document["path"], "read_at": document["read_at"],
            "attention": rank < 2, "rank": rank, "sources": sources,
            "unsourced_quotes": unsourced_quotes(document["text"] or "", texts),
        })
    report.sort(key=lambda entry: (entry.pop("rank"), entry["path"]))
    return report
