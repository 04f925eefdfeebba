"""What discovery finds in documents, without fetching or writing anything: ``sourcekeeper
urls``, the dry run a person checks before the first crawl, and the public face of
discovery for tests and scripts."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from crawler.core.discovery import Options, findings
from crawler.core.models import DocumentFindings
from crawler.errors import DocumentError
from crawler.jobs.document_files import find_documents, read_documents


def list_findings(paths: Iterable[str], *, max_bytes: int, options: Options,
                  follow_links: bool = False) -> Iterator[DocumentFindings]:
    """Per document under ``paths``: every URL discovery sees, cited or dropped (why); a
    document that cannot be read, with the reason."""
    skipped: list[DocumentFindings] = []
    for path in find_documents(paths, follow_links=follow_links, skipped=lambda found, reason:
                               skipped.append(DocumentFindings(str(found), None, error=reason))):
        yield from skipped
        skipped.clear()
        try:
            documents = read_documents(path, max_bytes)
        except DocumentError as exc:
            yield DocumentFindings(str(path), None, error=exc.reason)
            continue
        for document in documents:
            yield DocumentFindings(document.path, document.kind,
                                   tuple(findings(document.source, document.kind, options)))
    yield from skipped
