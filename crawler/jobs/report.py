"""Building the report: per document, each cited source's state, when it was archived,
whether it still says what the document says, and each quote: found, removed since when, or
never found. Documents that need a person come first, each with the reasons why:

- a cited source (whatever its role) is ``gone``, ``unreachable``, a ``soft-404``,
  ``blocked``, or ``moved`` to another page;
- a quote the document makes was in a source and has been removed since;
- the document is a copy of its original (the original carried its text when first
  archived) and the original no longer carries it.

A source with a web archive's copy (crawler.jobs.recovery) shows it: which archive, when it
took it against the document's date, the quotes and share of the document it carries; a
quote only that copy has is ``in an archived copy``, not ``never found``.

Coverage is shown only for such copies: for a note that cites its source ("Source: ...")
without copying it, a coverage of 0% and every line "not in source" would say nothing.
Documents whose file is gone are listed apart, with the date they went missing.

The archive's reads (crawler.storage) and the domain's rules (crawler.core.linkrot,
crawler.core.provenance) meet here; crawler.outputs.report_formats writes the result.
How much of a document a snapshot carries is cached in the archive when it can be written.
"""

from __future__ import annotations

from dataclasses import dataclass

from crawler.core.clock import utcnow
from crawler.core.linkrot import classify
from crawler.core.models import BROKEN, Role, UrlState
from crawler.core.mementos import Memento, RecoveredCopy, relative
from crawler.core.provenance import Source, coverage, quote_reports, quotes
from crawler.core.views import (
    Coverage, DocumentInfo, DocumentReport, QuoteReport, QuoteStatus, SnapshotInfo,
    SnapshotText, SourceReport,
)
from crawler.errors import ArchiveError
from crawler.storage import Archive

# A document is a copy of its original when the first snapshot carried this much of it; the
# copy needs attention when the latest carries less than WEAK_COVERAGE.
COPY_AT = 0.3
WEAK_COVERAGE = 0.5
NEEDS_ATTENTION = BROKEN | {UrlState.MOVED}
_HISTORY = 10
_QUOTE_HISTORY = 50  # text snapshots of a source searched for a removed quote


@dataclass(frozen=True)
class _UrlEvidence:
    state: UrlState
    detail: str
    first: SnapshotInfo | None
    latest: SnapshotInfo | None
    last_checked: str | None
    texts: tuple[SnapshotText, ...]
    kept: tuple[Memento, SnapshotText] | None = None  # a web archive's copy


def _evidence(archive: Archive, url_id: int, url: str) -> _UrlEvidence:
    checks = archive.checks.recent(url_id, _HISTORY)
    first, latest = archive.snapshots.ends(url_id)
    assessment = classify(url, checks, first, latest)
    texts = archive.snapshots.texts_before(url_id, count=_QUOTE_HISTORY)
    return _UrlEvidence(assessment.state, assessment.detail, first, latest,
                        checks[0].checked_at if checks else None, tuple(texts),
                        archive.mementos.kept(url_id))


def _recovered(archive: Archive, document: DocumentInfo, found: _UrlEvidence
               ) -> RecoveredCopy | None:
    """What the web archive's copy of a source carries of this document (its coverage
    cached in the archive like any snapshot's)."""
    if found.kept is None:
        return None
    memento, copy = found.kept
    said = quotes(document.text or "")
    source = Source(copy.text)
    return RecoveredCopy(memento.archive, memento.uri, memento.datetime, copy.id,
                         document.written_at, document.written_from,
                         _coverage(archive, document, copy).score,
                         tuple(quote for quote in said if source.contains(quote)), len(said))


def _archived_quotes(quoted: list[QuoteReport], copies: list[tuple[str, _UrlEvidence]]
                     ) -> list[QuoteReport]:
    """Quotes no snapshot of ours has, found in a web archive's copy of a cited source."""
    indexed = [(url, found.kept, Source(found.kept[1].text)) for url, found in copies
               if found.kept is not None]
    result = []
    for quote in quoted:
        if quote.status is QuoteStatus.NEVER_FOUND:
            for url, (memento, copy), source in indexed:
                if source.contains(quote.quote):
                    quote = QuoteReport(quote.quote, QuoteStatus.ARCHIVED, url,
                                        memento.datetime, copy.id)
                    break
        result.append(quote)
    return result


def _coverage(archive: Archive, document: DocumentInfo,
              snapshot: SnapshotInfo | SnapshotText) -> Coverage:
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


def _source(archive: Archive, document: DocumentInfo, cited, found: _UrlEvidence
            ) -> tuple[SourceReport, str | None]:
    """A source's report, and why it needs attention (None: it does not)."""
    matched: Coverage | None = None
    lost = None
    if cited.role is Role.ORIGINAL and found.first is not None and found.latest is not None:
        at_first = _coverage(archive, document, found.first)
        if at_first.score >= COPY_AT:
            matched = _coverage(archive, document, found.latest)
            if at_first.score >= WEAK_COVERAGE and matched.score < WEAK_COVERAGE:
                lost = (f"the original no longer carries the document (coverage "
                        f"{at_first.score:.0%} on {found.first.fetched_at}, "
                        f"{matched.score:.0%} now): {cited.url}")
    reason = lost
    recovered = _recovered(archive, document, found)
    if found.state in NEEDS_ATTENTION:
        reason = f"{cited.role} source {found.state}: {cited.url}"
        if recovered is not None:
            when = relative(recovered.taken, recovered.written)
            carries = (f", carries {len(recovered.quotes)} of {recovered.quotes_total} quotes"
                       if recovered.quotes_total else "")
            reason += f" (a copy from {recovered.archive}, {when}{carries})"
    report = SourceReport(
        url=cited.url, role=cited.role, anchor=cited.anchor, state=found.state,
        detail=found.detail,
        first_archived=found.first.fetched_at if found.first else None,
        last_archived=found.latest.fetched_at if found.latest else None,
        last_checked=found.last_checked,
        coverage=matched.score if matched else None,
        missing=matched.missing if matched else (), recovered=recovered)
    return report, reason


def build(archive: Archive, document_ids: list[str] | None = None) -> list[DocumentReport]:
    """The report: one entry per live document, those needing attention first (the most
    serious first: a broken source, then a removed quote or a lost copy), then the missing
    documents."""
    evidence: dict[int, _UrlEvidence] = {}
    ranked: list[tuple[int, DocumentReport]] = []
    for document in archive.documents.info(document_ids):
        sources, reasons, broken = [], [], False
        histories, copies = [], []
        for cited in archive.documents.cited(document.id):
            if cited.url_id not in evidence:
                evidence[cited.url_id] = _evidence(archive, cited.url_id, cited.url)
            found = evidence[cited.url_id]
            source, reason = _source(archive, document, cited, found)
            sources.append(source)
            histories.append((cited.url, found.texts))
            copies.append((cited.url, found))
            if reason:
                reasons.append(reason)
                broken = broken or found.state in NEEDS_ATTENTION
        quoted = _archived_quotes(quote_reports(document.text or "", histories), copies)
        for quote in quoted:
            if quote.status is QuoteStatus.REMOVED:
                reasons.append(f"a quote was removed from {quote.url} on {quote.since[:10]} "
                               f"(snapshot {quote.snapshot_id}): \u201c{quote.quote}\u201d")
        rank = 0 if broken else 1 if reasons else 2
        ranked.append((rank, DocumentReport(
            id=document.id, path=document.path, read_at=document.read_at,
            attention=bool(reasons), sources=tuple(sources), quotes=tuple(quoted),
            reasons=tuple(reasons))))
    ranked.sort(key=lambda entry: (entry[0], entry[1].path))
    missing = [DocumentReport(id=document.id, path=document.path, read_at=document.read_at,
                              attention=False, sources=(), state=document.state,
                              missing_since=document.missing_since)
               for document in archive.documents.info(document_ids, missing=True)]
    return [report for _, report in ranked] + missing
