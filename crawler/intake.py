"""Reading documents into the archive: each one read, its URLs discovered, stored once.

Shared by the ``sources`` spider and the Redis coordinator, which both start a run by
taking in the documents they were given.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Iterator

from crawler.archive import Archive
from crawler.discovery import discover
from crawler.document import DocumentError, find_documents, read_document

logger = logging.getLogger(__name__)


def intake(archive: Archive, paths: Iterable[str], max_bytes: int,
           counts: Counter[str]) -> Iterator[str]:
    """Ids of the documents read under ``paths``, storing new ones with their mentions.
    ``counts`` gets ``documents/read``, ``documents/new`` and ``documents/skipped``; a
    document that cannot be read is skipped with a one-line warning naming it."""
    try:
        for path in find_documents(paths):
            try:
                document = read_document(path, max_bytes)
            except DocumentError as exc:
                logger.warning("skipped %s", exc)
                counts["documents/skipped"] += 1
                continue
            if archive.add_document(document, discover(document.text, document.kind)):
                counts["documents/new"] += 1
            counts["documents/read"] += 1
            yield document.id
    except DocumentError as exc:
        logger.error("cannot read %s", exc)
        counts["documents/skipped"] += 1
