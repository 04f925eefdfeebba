"""Forgetting a document or a URL: ``sourcekeeper forget``.

Forgetting takes a document (a path, a folder's documents, an id) or a URL out of the
crawls: a forgotten document's URLs are no longer checked unless another live document cites
them, a forgotten URL is never checked again (a re-fetch by hand brings it back). Its
snapshots are kept: they are evidence. With ``purge`` they are deleted too, with the
document's versions and the bodies nothing else uses, and the answer says how much.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from crawler.core.clock import utcnow
from crawler.core.url import canonical
from crawler.core.views import Forgotten
from crawler.errors import InvalidURL, NotArchived
from crawler.jobs.document_files import document_key

if TYPE_CHECKING:
    from crawler.storage import Archive


def _is_url(target: str) -> bool:
    try:
        canonical(target)
    except InvalidURL:
        return False
    return "://" in target


def forget(archive: Archive, target: str, *, purge: bool = False) -> Forgotten:
    """Forget ``target`` (a URL, or a document's path or id). Raises NotArchived."""
    if _is_url(target):
        return archive.write(_forget_url, archive, target, purge)
    key = document_key(target, Path(archive.path).resolve().parent)
    files = archive.files.matching(key, target)
    if not files:
        raise NotArchived(f"{target}: no such document in the archive")
    return archive.write(_forget_documents, archive, [info.path for info in files], purge)


def _forget_url(archive: Archive, url: str, purge: bool) -> Forgotten:
    info = archive.urls.find(url)
    archive.urls.forget(info.id, utcnow())
    if purge:
        snapshots, bodies = archive.purge.url_history([info.id])
        return Forgotten("url", (info.url,), 1, 0, snapshots, True, bodies)
    return Forgotten("url", (info.url,), 1, 0, archive.purge.snapshot_count([info.id]))


def _forget_documents(archive: Archive, paths: list[str], purge: bool) -> Forgotten:
    versions: list[str] = []
    for path in paths:
        held = archive.files.get(path)
        versions.extend(archive.documents.versions(path))
        if held is not None:
            versions.append(held.document_id)
        archive.files.forget(path)
    versions = list(dict.fromkeys(versions))
    cited = archive.documents.url_ids(versions)
    still = archive.files.live_citing(cited)
    dropped = [url_id for url_id in cited if url_id not in still]
    if not purge:
        return Forgotten("document", tuple(paths), len(dropped), len(still),
                         archive.purge.snapshot_count(dropped), versions=len(versions))
    deleted = archive.purge.documents(versions)
    orphans = archive.documents.uncited(dropped)
    snapshots, bodies = archive.purge.url_history(orphans)
    archive.purge.urls(orphans)
    return Forgotten("document", tuple(paths), len(dropped), len(still), snapshots, True,
                     bodies, deleted)
