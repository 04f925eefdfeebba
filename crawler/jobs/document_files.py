"""Finding document files, reading their bytes, and naming them.

Files given by name are read whatever their suffix; in folders (recursively, hidden ones
skipped) the files whose suffix names a document (text, Markdown, HTML, PDF, Word, OpenDocument,
RTF, mail) or a format we know we cannot read (reported, not silently ignored), in a stable
order, so that two runs over the same folder read the same documents in the same order.
``-`` is the standard input.

A document's identity is its path, as a key that does not depend on how it was typed: the
resolved path relative to the archive's folder when it is inside it (the archive and its
documents can move together), else absolute. ``notes/a.md`` typed in the archive's folder
and ``/home/me/project/notes/a.md`` from cron are then the same document.

In folders only regular files are read (a pipe named ``notes.txt`` would block the crawl
forever), and a link that leads outside the folder is not followed, with a warning, unless
``DOCUMENT_FOLLOW_LINKS`` (``crawl --follow-links``): a folder of notes must not become a way
to archive and index ``/etc/shadow``.
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from crawler.core.documents import is_document, parse_documents
from crawler.core.models import Document
from crawler.errors import DocumentError

if TYPE_CHECKING:
    from crawler.storage import Archive

STDIN = "-"


def _not_readable(path: Path, folder: Path, follow_links: bool) -> str | None:
    """Why a file found in ``folder`` is not read (None: it is read)."""
    try:
        status = path.stat()
    except OSError as exc:
        return exc.strerror or str(exc)
    if not stat.S_ISREG(status.st_mode):
        return "not a regular file (a pipe, a device or a socket)"
    if path.is_symlink() and not follow_links:
        target = path.resolve()
        if not target.is_relative_to(folder.resolve()):
            return (f"a link to {target}, outside {folder} (DOCUMENT_FOLLOW_LINKS or "
                    "--follow-links reads it)")
    return None


def find_documents(paths: Iterable[str | os.PathLike[str]], *, follow_links: bool = False,
                   skipped: Callable[[Path, str], None] = lambda path, reason: None
                   ) -> Iterator[Path]:
    """Every document under ``paths``: files named, and regular files with a document's
    suffix in folders. ``skipped`` is told of each file in a folder that is not read, and
    why: a pipe or device (reading it could block forever), or a link leading outside the
    folder (``ln -s /etc/shadow notes/a.txt``), unless ``follow_links``. Raises
    :class:`DocumentError` for a path that does not exist or is not a regular file."""
    for given in paths:
        if str(given) == STDIN:
            yield Path(STDIN)
            continue
        path = Path(given)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith(".") and is_document(name):
                        found = Path(root) / name
                        reason = _not_readable(found, path, follow_links)
                        if reason is None:
                            yield found
                        else:
                            skipped(found, reason)
        elif path.is_file():
            yield path
        elif path.exists():
            raise DocumentError(path, "not a regular file (a pipe, a device or a socket)")
        else:
            raise DocumentError(path, "no such file or folder")


def document_key(path: Path | str, root: Path) -> str:
    """The key a document file is stored under (see above); ``root`` is the archive's
    folder, resolved."""
    resolved = Path(path).resolve()
    try:
        return resolved.relative_to(root).as_posix()
    except ValueError:
        return resolved.as_posix()


def key_path(key: str, root: Path) -> Path:
    """Where a document key is on disk."""
    path = Path(key)
    return path if path.is_absolute() else root / path


def read_documents(path: Path | str, max_bytes: int) -> list[Document]:
    """The documents in one file (several for a mailbox). Raises :class:`DocumentError`
    naming the file and why it was not read: unreadable, empty, too large, binary, not
    decodable, a format we do not read."""
    try:
        if str(path) == STDIN:
            data = sys.stdin.buffer.read(max_bytes + 1)
        else:
            with Path(path).open("rb") as handle:
                data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise DocumentError(path, exc.strerror or str(exc)) from None
    return parse_documents(str(path), data, max_bytes)


def read_document(path: Path | str, max_bytes: int) -> Document:
    """The document in a file of one document (see :func:`read_documents`)."""
    return read_documents(path, max_bytes)[0]


def archived_documents(archive: Archive, name: str) -> list[str]:
    """The ids of the current versions of the archived document(s) a person names: a path
    (a file or a folder, relative or absolute) or an id. Raises NotArchived."""
    return archive.documents.ids(name, document_key(name, Path(archive.path).resolve().parent))
