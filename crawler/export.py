"""Export archived snapshots: one self-contained record per snapshot, streamed.

Records are built row by row from a streaming query and written as they come, so memory
stays flat whatever the archive's size. A file is written beside its destination under a
temporary name and renamed into place only when complete: an interrupted export never
leaves a truncated file where a good one was.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

FORMATS = ("jsonl",)


class ExportError(Exception):
    """The export cannot be written; ``str()`` names the file and the reason."""


def snapshot_record(row: dict[str, Any]) -> dict[str, Any]:
    """The exported form of one row of ``Archive.snapshots()``."""
    metadata = json.loads(row["metadata"] or "{}")
    return {
        "url": row["url"],
        "canonical_url": row["canonical_url"],
        "final_url": row["final_url"],
        "redirects": json.loads(row["redirects"] or "[]"),
        "fetched_at": row["fetched_at"],
        "status": row["status"],
        "content_type": row["content_type"],
        "title": row["title"],
        "author": row["author"],
        "date": row["date"],
        "sitename": row["sitename"],
        "language": row["language"],
        "text": row["text"],
        "body_sha256": row["body_sha256"],
        "body_size": row["body_size"],
        "text_sha256": row["text_sha256"],
        "ip_address": row["ip_address"],
        "headers": json.loads(row["headers"] or "[]"),
        "metadata": metadata,
        "documents": json.loads(row["documents"] or "[]"),
    }


def write_jsonl(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """Write one JSON object per snapshot; return how many were written."""
    count = 0
    for row in rows:
        out.write(json.dumps(snapshot_record(row), ensure_ascii=False))
        out.write("\n")
        count += 1
    return count


@contextmanager
def output(path: str) -> Iterator[IO[str]]:
    """A text stream for ``path`` (``-`` is stdout), replacing the file only on success."""
    if path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    target = Path(path)
    try:
        handle, temporary = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".part", dir=target.parent or "."
        )
    except OSError as exc:
        raise ExportError(f"{path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            yield stream
        os.replace(temporary, target)
    except OSError as exc:
        os.unlink(temporary)
        raise ExportError(f"{path}: {exc.strerror or exc}") from None
    except BaseException:
        os.unlink(temporary)
        raise
