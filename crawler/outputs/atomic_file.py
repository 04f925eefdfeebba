"""Output files that are replaced only when complete.

A file is written beside its destination under a temporary name and renamed into place only
when complete: an interrupted export never leaves a truncated file where a good one was.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from crawler.errors import OutputError


@contextmanager
def output(path: str, binary: bool = False) -> Iterator[IO[Any]]:
    """A stream for ``path`` (``-`` is stdout), replacing the file only on success."""
    if path == "-":
        stream = sys.stdout.buffer if binary else sys.stdout
        yield stream
        stream.flush()
        return
    target = Path(path)
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".part", dir=target.parent or "."
        )
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        mode = {"mode": "wb"} if binary else {"mode": "w", "encoding": "utf-8", "newline": ""}
        with os.fdopen(handle, **mode) as stream:
            yield stream
        os.replace(temporary, target)
    except OSError as exc:
        os.unlink(temporary)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        os.unlink(temporary)
        raise
