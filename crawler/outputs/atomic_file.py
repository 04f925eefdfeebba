"""Output files that are replaced only when complete.

A file is written beside its destination under a temporary name and renamed into place only
when complete: an interrupted export never leaves a truncated file where a good one was.

The temporary file is private while it is written (``mkstemp`` makes it 0600); before it takes
the destination's place it gets the mode a plain ``open()`` would have given: the existing
file's mode when one is replaced (a report a web server reads stays readable), else 0666
less the umask.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from crawler.errors import OutputError


def _umask() -> int:
    mask = os.umask(0)  # the only way to read it; set straight back
    os.umask(mask)
    return mask


def _mode_for(target: Path) -> int:
    """The permission bits the finished file gets (see above)."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return 0o666 & ~_umask()


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
        os.chmod(temporary, _mode_for(target))
        os.replace(temporary, target)
    except OSError as exc:
        os.unlink(temporary)
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        os.unlink(temporary)
        raise
