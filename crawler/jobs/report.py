"""Building the report: per document, each cited source's state, when it was archived, and
whether it still says what the document says. Documents whose original source is broken or no
longer matches come first: they are the ones a person must look at.

The archive's reads (crawler.storage) and the domain's rules (crawler.core.linkrot,
crawler.core.provenance) meet here; crawler.outputs.report_formats writes the result.
How much of a document a snapshot carries is cached in the archive when it can be written.
"""

from __future__ import annotations

from dataclasses import dataclass

from crawler.core.clock import utcnow
from crawler.core.linkrot import classify
from crawler.core.models import BROKEN, Role, UrlState
from crawler.core.views import Coverage, DocumentInfo, DocumentReport, SnapshotInfo, SourceReport
from crawler.core.provenance import coverage, unsourced_quotes
from crawler.errors import ArchiveError
from crawler.storage import Archive

WEAK_COVERAGE = 0.5
_HISTORY = 10


@dataclass(frozen=True)
class _UrlEvidence:
    state: UrlState
    detail: str
    first: SnapshotInfo | None
    latest: SnapshotInfo | None
    last_checked: str | None


def _evidence(archive: Archive, url_id: int, url: str) -> _UrlEvidence:
    checks = archive.checks.recent(url_id, _HISTORY)
    first, latest = archive.snapshots.ends(url_id)
    assessment = classify(url, checks, first, latest)
    return _UrlEvidence(assessment.state, assessment.detail, first, latest,
                        checks[0].checked_at if checks else None)


def _coverage(archive: Archive, document: DocumentInfo, snapshot: SnapshotInfo) -> Coverage:
    stored = archive.documents.coverage(document.id, snapshot.id)
    if stored is not None:
        return stored
    result = coverage(document.text or "", snapshot.text)
    try:
        archive.write(archive.documents.store_coverage, document.id, snapshot.id, result,
                      utcnow())
    except ArchiveError:
        pass  # a read-only archive still gets its report, computed afresh each time
    return result


def _attention(sources: list[SourceReport]) -> int:
    """0: an original source is broken; 1: an original no longer carries the document;
    2: nothing to look at."""
    rank = 2
    for source in sources:
        if source.role is not Role.ORIGINAL:
            continue
        if source.state in BROKEN:
            return 0
        if source.coverage is not None and source.coverage < WEAK_COVERAGE:
            rank = 1
    return rank


def build(archive: Archive, document_ids: list[str] | None = None) -> list[DocumentReport]:
    """The report: one entry per document, those needing attention first."""
    evidence: dict[int, _UrlEvidence] = {}
    ranked: list[tuple[int, DocumentReport]] = []
    for document in archive.documents.info(document_ids):
        sources = []
        texts = []
        for cited in archive.documents.cited(document.id):
            if cited.url_id not in evidence:
                evidence[cited.url_id] = _evidence(archive, cited.url_id, cited.url)
            found = evidence[cited.url_id]
            matched = _coverage(archive, document, found.latest) if found.latest else None
            if found.latest:
                texts.append(found.latest.text)
            sources.append(SourceReport(
                url=cited.url, role=cited.role, anchor=cited.anchor, state=found.state,
                detail=found.detail,
                first_archived=found.first.fetched_at if found.first else None,
                last_archived=found.latest.fetched_at if found.latest else None,
                last_checked=found.last_checked,
                coverage=matched.score if matched else None,
                missing=matched.missing if matched else ()))
        rank = _attention(sources)
        ranked.append((rank, DocumentReport(
            id=document.id, path=document.path, read_at=document.read_at,
            attention=rank < 2, sources=tuple(sources),
            unsourced_quotes=tuple(unsourced_quotes(document.text or "", texts)))))
    ranked.sort(key=lambda entry: (entry[0], entry[1].path))
    return [report for _, report in ranked]
