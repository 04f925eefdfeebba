"""Export archived snapshots: one self-contained record per snapshot, streamed.

Records are built row by row from a streaming query and written as they come, so memory
stays flat whatever the archive's size. A file is written beside its destination under a
temporary name and renamed into place only when complete: an interrupted export never
leaves a truncated file where a good one was.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

FORMATS = ("jsonl", "csv", "warc")
COLUMNS = ("url", "canonical_url", "final_url", "redirects", "fetched_at", "status",
           "content_type", "title", "author", "date", "sitename", "language", "text",
           "body_sha256", "body_size", "text_sha256", "ip_address", "headers", "metadata",
           "documents")


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


def write_csv(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """The JSONL columns as CSV, nested values as JSON text; return the number of rows."""
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in rows:
        record = snapshot_record(row)
        writer.writerow({key: json.dumps(value, ensure_ascii=False)
                         if isinstance(value, (list, dict)) else value
                         for key, value in record.items()})
        count += 1
    return count


def write_jsonl(rows: Iterable[dict[str, Any]], out: IO[str]) -> int:
    """Write one JSON object per snapshot; return how many were written."""
    count = 0
    for row in rows:
        out.write(json.dumps(snapshot_record(row), ensure_ascii=False))
        out.write("\n")
        count += 1
    return count


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
        raise ExportError(f"{path}: {exc.strerror or exc}") from None
    try:
        mode = {"mode": "wb"} if binary else {"mode": "w", "encoding": "utf-8", "newline": ""}
        with os.fdopen(handle, **mode) as stream:
            yield stream
        os.replace(temporary, target)
    except OSError as exc:
        os.unlink(temporary)
        raise ExportError(f"{path}: {exc.strerror or exc}") from None
    except BaseException:
        os.unlink(temporary)
        raise
