"""Finding document files and reading their bytes.

Files given by name are read whatever their suffix; in folders (recursively, hidden ones
skipped) only files whose suffix names a document kind, in a stable order, so that two runs
over the same folder read the same documents in the same order.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from crawler.core.documents import kind_of, parse_document
from crawler.core.models import Document
from crawler.errors import DocumentError


def find_documents(paths: Iterable[str | os.PathLike[str]]) -> Iterator[Path]:
    """Every document under ``paths``. Raises :class:`DocumentError` for a path that does
    not exist."""
    for given in paths:
        path = Path(given)
        if path.is_file():
            yield path
        elif path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    if not name.startswith(".") and kind_of(name):
                        yield Path(root) / name
        else:
            raise DocumentError(path, "no such file or folder")


def read_document(path: Path | str, max_bytes: int) -> Document:
    """Read and decode one document. Raises :class:`DocumentError` naming the file and why
    it was not read: unreadable, empty, too large, binary or not decodable."""
    try:
        with Path(path).open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise DocumentError(path, exc.strerror or str(exc)) from None
    return parse_document(str(path), data, max_bytes)
