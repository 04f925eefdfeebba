"""Reading a run's documents into the archive, and reconciling them with what it holds.

Each document file is read, its URLs discovered, its content stored once (by hash), and its
path (crawler.jobs.document_files.document_key) pointed at that content:

- a path seen before with other content is an **edit**: the new version replaces the old one,
  whose URLs are no longer checked for it;
- content seen before at another path whose file is gone is a **move**: the document follows
  its file (same identity, ``moved_from`` kept);
- a file the archive knows under a path the run reads (a folder, or the file itself) that is
  no longer on disk is **missing** from then on, with the date; its URLs are no longer
  checked unless another live document cites them, and it comes back when the file does.

One warning line per document that cannot be read; a path that does not exist is reported
and the run goes on with the others.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.core.clock import iso, utcnow
from crawler.core.document_dates import FROM_METADATA, FROM_MTIME, written_in
from crawler.core.memento_parsing import cited_copies
from crawler.core.mementos import Memento
from crawler.core.discovery import VERSION as DISCOVERY, Options as DiscoveryOptions, discover
from crawler.core.models import Document, RunCounts
from crawler.errors import DocumentError
from crawler.jobs.signals import check_stop
from crawler.jobs.document_files import (
    STDIN, document_key, find_documents, key_path, read_documents,
)

if TYPE_CHECKING:
    from crawler.storage import Archive

logger = logging.getLogger(__name__)


def _written(document: Document, path: Path | None) -> tuple[str, str] | None:
    """When a document was written and how we know: its own date, else its file's mtime
    (None: when we first read it stands in, crawler.storage.mementos)."""
    if (date := written_in(document)) is not None:
        return date, FROM_METADATA
    try:
        return (iso(datetime.fromtimestamp(path.stat().st_mtime, UTC)), FROM_MTIME
                ) if path is not None else None
    except OSError:
        return None


class Intake:
    """Documents read into the archive so far: their ids and counts (read, new, skipped)."""

    def __init__(self, archive: Archive, max_bytes: int, options: DiscoveryOptions,
                 follow_links: bool = False) -> None:
        self.archive = archive
        self.follow_links = follow_links
        self.max_bytes = max_bytes
        self.options = options
        self.root = Path(archive.path).resolve().parent
        self.ids: list[str] = []
        self.counts = RunCounts()

    def read(self, paths: tuple[str, ...]) -> None:
        """Read the documents under ``paths``, then mark the files under them that are
        gone as missing."""
        for given in paths:
            seen: set[str] = set()
            try:
                for path in find_documents([given], follow_links=self.follow_links,
                                           skipped=self._skipped):
                    check_stop()
                    self._read_file(path, seen)
            except DocumentError as exc:
                logger.error("cannot read %s", exc)
                self.counts = self.counts.plus(documents_skipped=1)
            if given != STDIN:
                self._missing(document_key(given, self.root), seen)

    def _skipped(self, path: Path, reason: str) -> None:
        logger.warning("skipped %s: %s", path, reason)
        self.counts = self.counts.plus(documents_skipped=1)

    def _read_file(self, path: Path, seen: set[str]) -> None:
        file = "-" if str(path) == STDIN else document_key(path, self.root)
        seen.add(file)
        try:
            documents = read_documents(path, self.max_bytes)
        except DocumentError as exc:
            logger.warning("skipped %s", exc)
            self.counts = self.counts.plus(documents_skipped=1)
            return
        for document in documents:
            check_stop()
            if file == "-":
                key = f"stdin ({document.id[:12]})"
            else:  # a mailbox's messages are "box.mbox (subject)"
                key = file + document.path[len(str(path)):]
            document = dataclasses.replace(document, path=key)
            mentions, copies = cited_copies(discover(document.source, document.kind,
                                                     self.options))
            written = _written(document, path if file != "-" else None)
            if self.archive.write(self._store, document, mentions, file, copies, written):
                self.counts = self.counts.plus(documents_new=1)
            self.counts = self.counts.plus(documents_read=1)
            self.ids.append(document.id)

    def _store(self, document: Document, mentions: list, file: str,
               copies: list[Memento] = (), written: tuple[str, str] | None = None) -> bool:
        """In one write: the content (once), when it was written, the archived copies it
        cites, and the path pointed at it, following a file that moved."""
        archive, now = self.archive, utcnow()
        new = archive.documents.add(document, mentions, now, DISCOVERY)
        if written is not None:
            archive.mementos.date_document(document.id, *written)
        for copy in copies:
            archive.mementos.cite(archive.urls.find(copy.original).id, copy)
        if archive.files.get(document.path) is None and file != "-":
            for known in archive.files.holding(document.id):
                if not key_path(known.file, self.root).exists():
                    archive.files.move(known.path, document.path, file, now)
                    logger.info("%s moved to %s", known.path, document.path)
                    return new
        replaced = archive.files.put(document.path, file, document.id, now)
        if replaced is not None:
            logger.info("%s changed: a new version replaces %s", document.path, replaced[:12])
        return new

    def _missing(self, prefix: str, seen: set[str]) -> None:
        """Files known under ``prefix`` that this run did not find and that are gone."""
        gone = [known.path for known in self.archive.files.under(prefix)
                if known.state == "live" and known.file not in seen
                and not key_path(known.file, self.root).exists()]
        if gone:
            now = utcnow()
            self.archive.write(lambda: [self.archive.files.mark_missing(path, now)
                                        for path in gone])
            for path in gone:
                logger.warning("missing %s: the file is gone; its URLs are no longer checked "
                               "for it", path)
