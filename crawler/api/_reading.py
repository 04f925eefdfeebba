"""The API's reading functions: status, listings, history, search, exports, the report,
diffs, forgetting."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from typing import TYPE_CHECKING, Any

from crawler import config
from crawler.api._common import archive_db, open_archive
from crawler.core.models import UrlState
from crawler.core.views import (
    ArchiveStatus, Change, Diff, DocumentInfo, DocumentReport, Forgotten, HistoryEntry,
    SearchHit, SnapshotRecord, UrlInfo, UrlStatus,
)

if TYPE_CHECKING:
    from crawler.storage import Archive

def status(*, db: str | None = None, runs: int = config.STATUS_RUNS) -> ArchiveStatus:
    """The archive at a glance: documents, URLs, snapshots, what is due and failing, and the
    last ``runs`` runs."""
    from crawler.core.clock import utcnow

    with open_archive(db) as archive:
        return archive.reads.status(utcnow(), runs)


def documents(*, db: str | None = None, document: str | None = None) -> list[DocumentInfo]:
    """Every archived document (its id, path, when it was read, its text), by path; or only
    ``document`` (id or path; raises NotArchived)."""
    with open_archive(db) as archive:
        ids = _document_ids(archive, document) if document else None
        return list(archive.documents.info(ids))


def list_urls(*, db: str | None = None) -> list[UrlInfo]:
    """Every archived URL with its schedule."""
    with open_archive(db) as archive:
        return list(archive.urls.all())


def url_states(*, db: str | None = None, states: Collection[UrlState] = (),
               url: str | None = None) -> list[UrlStatus]:
    """Every archived URL (or those in ``states``, or only ``url``, any form of it) with its
    state now, last and next check and schedule, the worst state first. Raises NotArchived
    for a ``url`` the archive does not hold."""
    from crawler.jobs.url_list import url_statuses

    with open_archive(db) as archive:
        return url_statuses(archive, states, archive.urls.find(url).id if url else None)


def history(url: str, *, db: str | None = None) -> list[HistoryEntry]:
    """Every check of ``url`` (any form of it), oldest first. Raises NotArchived."""
    with open_archive(db) as archive:
        return archive.checks.history(archive.urls.find(url).id)


def search(query: str, *, db: str | None = None, limit: int = config.SEARCH_LIMIT,
           all_versions: bool = False) -> list[SearchHit]:
    """Archived pages and documents matching ``query`` (every word; "phrases", word*, OR,
    NOT, -word, NEAR(...)), best first: each page once (its newest matching version), or
    every version with ``all_versions``. Raises InvalidQuery."""
    with open_archive(db) as archive:
        return archive.reads.search(query, limit, all_versions)


def snapshots(*, db: str | None = None, url: str | None = None, document: str | None = None,
              since: str | None = None, until: str | None = None,
              latest: bool = False) -> Iterator[SnapshotRecord]:
    """Archived snapshots, oldest first, streamed: of one URL, of the URLs a document (id or
    path) cites, fetched since/until an archive time, only the newest version of each URL
    (its newest snapshot with text, when one has text)."""
    with open_archive(db) as archive:
        yield from archive.snapshots.records(_filter(archive, url, document, since, until,
                                                     latest))


def show(url: str, *, db: str | None = None, at: str | None = None,
         snapshot: int | None = None) -> SnapshotRecord:
    """One archived version of ``url`` (any form of it): snapshot number ``snapshot``, the
    one current at ``at`` (the newest taken then or before), or the newest; without
    ``snapshot``, the newest with text when there is one (churn after it, time stamps or
    markup, repeats its article). Raises NotArchived, InvalidTime."""
    from crawler.errors import NotArchived
    from crawler.storage.snapshots import SnapshotFilter

    with open_archive(db) as archive:
        info = archive.urls.find(url)
        chosen = SnapshotFilter(url_id=info.id, snapshot_id=snapshot, latest=not snapshot,
                                until=_moment(at, end=True))
        found = next(iter(archive.snapshots.records(chosen)), None)
    if found is None:
        which = f"no snapshot {snapshot}" if snapshot else (
            f"no snapshot taken at or before {at}" if at else "no snapshot")
        raise NotArchived(f"{url}: {which}")
    return found


def snapshot_warc(number: int, *, db: str | None = None) -> bytes:
    """Snapshot ``number`` as a small WARC file of its own (its request, response, redirects,
    text and metadata). Raises NotArchived."""
    import io

    from crawler.outputs.warc import write_warc

    record = snapshot(number, db=db)
    out = io.BytesIO()
    with open_archive(db) as archive:
        write_warc([record], out, body=archive.snapshots.body,
                   filename=f"snapshot-{number}.warc.gz")
    return out.getvalue()


def body(sha256: str, *, db: str | None = None) -> bytes | None:
    """A body as it was received (decompressed), by its sha256; None when not stored."""
    with open_archive(db) as archive:
        return archive.snapshots.body(sha256)


def _moment(text: str | None, end: bool = False) -> str | None:
    """An ISO date or date-time as archive time; raises InvalidTime."""
    from crawler.core.clock import parse_moment

    return parse_moment(text, end) if text else None


def _document_ids(archive: Archive, document: str) -> list[str]:
    from crawler.jobs.document_files import archived_documents

    return archived_documents(archive, document)


def _filter(archive: Archive, url: str | None, document: str | None, since: str | None,
            until: str | None, latest: bool) -> Any:
    from crawler.storage.snapshots import SnapshotFilter

    return SnapshotFilter(
        url_id=archive.urls.find(url).id if url else None,
        document_ids=tuple(_document_ids(archive, document)) if document else None,
        since=_moment(since), until=_moment(until, end=True), latest=latest)


def export(destination: str = "-", *, format: str = "jsonl", db: str | None = None,
           url: str | None = None, document: str | None = None, since: str | None = None,
           until: str | None = None, latest: bool = False, checks: bool = False,
           excel: bool = False) -> int:
    """Write snapshots to ``destination`` (``-`` for stdout) as ``jsonl``, ``csv``, ``warc``
    or ``wacz`` (with ``document``, the document itself travels in the WACZ too), replacing
    a file only when complete; return how many were written. With
    ``checks``, every check instead (failures included; JSONL or CSV); ``excel`` makes a
    CSV that Excel opens as written. Raises UsageError for WARC of checks."""
    import os

    from crawler.outputs.exporters import BINARY, EXPORTERS
    from crawler.outputs.atomic_file import output

    with open_archive(db) as archive:
        chosen = _filter(archive, url, document, since, until, latest)
        if checks and format in BINARY:
            from crawler.errors import UsageError

            raise UsageError(f"--checks exports checks as jsonl or csv, not as "
                             f"{format.upper()} (a failed check has no response to store)")
        records = (archive.checks.records(chosen) if checks
                   else archive.snapshots.records(chosen))
        cited = list(archive.documents.info(list(chosen.document_ids))) \
            if chosen.document_ids else []
        with output(destination, binary=format in BINARY) as stream:
            return EXPORTERS[format](records, stream, body=archive.snapshots.body,
                                     packed_body=archive.snapshots.packed_body,
                                     filename=os.path.basename(destination), checks=checks,
                                     excel=excel, documents=cited)


def report(*, db: str | None = None, document: str | None = None,
           read_only: bool = False) -> list[DocumentReport]:
    """Per document (or only ``document``, id or path): every cited source's state and how
    much of the document it carries; documents needing attention first. Coverage is cached
    in the archive, unless ``read_only`` (it is then computed afresh)."""
    from crawler.jobs.report import build

    with open_archive(db, "read" if read_only else "write") as archive:
        return build(archive, _document_ids(archive, document) if document else None)


def write_report(destination: str = "-", *, format: str = "text", db: str | None = None,
                 document: str | None = None, utc: bool = False) -> int:
    """Write the report as ``text``, ``json``, ``csv`` or ``html``; return its documents.
    Text and HTML show local times (UTC with ``utc``), JSON and CSV ISO 8601 UTC."""
    from crawler.outputs.atomic_file import output
    from crawler.outputs.report_formats import RENDERERS

    entries = report(db=db, document=document)
    with output(destination) as stream:
        RENDERERS[format](entries, stream, utc=utc)
    return len(entries)


def diff(url: str, *, db: str | None = None, since: str | None = None,
         until: str | None = None, old_snapshot: int | None = None,
         new_snapshot: int | None = None, archived: bool = False) -> Diff | None:
    """How ``url``'s text changed between the snapshot current at ``since`` (default: the one
    before ``until``'s) and the one current at ``until`` (default: the latest), or between
    text snapshots ``old_snapshot`` and ``new_snapshot``, or with ``archived`` between the
    web archive's copy of it (``recover``) and our snapshot; None when there are fewer than
    two. A date alone means its end."""
    from crawler.jobs.compare import compare

    with open_archive(db) as archive:
        return compare(archive, url, _moment(since, end=True), _moment(until, end=True),
                       old_snapshot, new_snapshot, archived)


def snapshot(number: int, *, db: str | None = None) -> SnapshotRecord:
    """Snapshot ``number``, whatever its URL. Raises NotArchived."""
    from crawler.errors import NotArchived
    from crawler.storage.snapshots import SnapshotFilter

    with open_archive(db) as archive:
        for record in archive.snapshots.records(SnapshotFilter(snapshot_id=number)):
            return record
    raise NotArchived(f"no snapshot {number} in the archive")


def forget(target: str, *, db: str | None = None, purge: bool = False) -> Forgotten:
    """Stop checking ``target``: a URL, or a document (path, folder or id) whose URLs are
    then checked only for other documents. Snapshots are kept, or with ``purge`` deleted
    (with a document's versions and bodies nothing else uses). Raises NotArchived."""
    from crawler.jobs.forgetting import forget as forget_target

    with open_archive(db, "write") as archive:
        return forget_target(archive, target, purge=purge)


def changes(*, db: str | None = None, everything: bool = False,
            document: str | None = None) -> list[Change]:
    """URLs whose page changed materially (its article, or its visible text outside the
    article), most recent first; ``everything``: churn such as time stamps too;
    ``document`` (id or path): only the URLs it cites."""
    with open_archive(db) as archive:
        url_ids = archive.documents.url_ids(_document_ids(archive, document)) if document \
            else None
        return archive.reads.changes(everything, url_ids)


def write_changes(destination: str = "-", *, db: str | None = None, everything: bool = False,
                  document: str | None = None) -> int:
    """Write :func:`changes` as an Atom feed (RFC 4287) to ``destination`` (``-``: stdout),
    replaced only when complete; return the number of entries."""
    from crawler.outputs.atomic_file import output

    feed, count = _feed(db, everything, document)
    with output(destination) as stream:
        stream.write(feed)
    return count


def changes_feed(*, db: str | None = None, everything: bool = False,
                 document: str | None = None) -> str:
    """:func:`changes` as the text of an Atom feed."""
    return _feed(db, everything, document)[0]


def _feed(db: str | None, everything: bool, document: str | None) -> tuple[str, int]:
    import io

    from crawler.outputs.atom import write_atom

    found = changes(db=db, everything=everything, document=document)
    title = f"Changes in the sources of {document}" if document else "Changes in archived sources"
    out = io.StringIO()
    count = write_atom(found, out, archive=archive_db(db), title=title)
    return out.getvalue(), count
