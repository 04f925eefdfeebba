"""Export archived snapshots: one self-contained record per snapshot, streamed.

Records are built one by one from a streaming read and written as they come, so memory stays
flat whatever the archive's size. Each format is an exporter in :data:`EXPORTERS`: a function
writing records to a stream and returning how many it wrote.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable
from dataclasses import asdict
from typing import IO, Any

from crawler.core.cells import spreadsheet_safe
from crawler.core.views import CheckRecord, SnapshotRecord

COLUMNS = ("url", "canonical_url", "final_url", "redirects", "fetched_at", "status",
           "content_type", "title", "author", "date", "sitename", "language", "text",
           "body_sha256", "body_size", "text_sha256", "ip_address", "headers", "metadata",
           "documents", "change", "reasons", "page_text", "origin", "archive", "memento_uri",
           "memento_datetime")

BodyReader = Callable[[str], "bytes | None"]


def snapshot_record(record: SnapshotRecord) -> dict[str, Any]:
    """The exported form of one snapshot (the JSONL object, the CSV row)."""
    return {
        "url": record.url,
        "canonical_url": record.canonical_url,
        "final_url": record.final_url,
        "redirects": [{"url": hop.url, "status": hop.status, "location": hop.location,
                       "fetched_at": hop.fetched_at} for hop in record.redirects],
        "fetched_at": record.fetched_at,
        "status": record.status,
        "content_type": record.content_type,
        "title": record.title,
        "author": record.author,
        "date": record.date,
        "sitename": record.sitename,
        "language": record.language,
        "text": record.text,
        "body_sha256": record.body_sha256,
        "body_size": record.body_size,
        "text_sha256": record.text_sha256,
        "ip_address": record.ip_address,
        "headers": [list(pair) for pair in record.headers],
        "metadata": dict(record.metadata),
        "documents": [asdict(cited) for cited in record.documents],
        # What the fetch that made this snapshot found (new, changed, html-changed, churn),
        # why, and the page's visible text beside the article.
        "change": record.change,
        "reasons": list(record.reasons),
        "page_text": record.page_text,
        # Our own fetch (live), or a web archive's copy: which archive, its URI there, when
        # the archive took it (fetched_at is when we fetched the copy).
        "origin": "memento" if record.memento else "live",
        "archive": record.memento.archive if record.memento else None,
        "memento_uri": record.memento.uri if record.memento else None,
        "memento_datetime": record.memento.datetime if record.memento else None,
    }


CHECK_COLUMNS = ("url", "checked_at", "status", "outcome", "reason", "final_url",
                 "redirects", "snapshot_id")
# Excel refuses longer cells; a longer one is cut, and says so.
EXCEL_CELL = 32767
_CUT = "…[truncated]"


def check_record(record: CheckRecord) -> dict[str, Any]:
    """The exported form of one check (``export --checks``): failures included."""
    return {"url": record.url, "checked_at": record.checked_at, "status": record.status,
            "outcome": str(record.outcome), "reason": record.reason,
            "final_url": record.final_url,
            "redirects": [{"url": hop.url, "status": hop.status, "location": hop.location}
                          for hop in record.redirects],
            "snapshot_id": record.snapshot_id}


def _exported(record: SnapshotRecord | CheckRecord) -> dict[str, Any]:
    return check_record(record) if isinstance(record, CheckRecord) else snapshot_record(record)


def write_jsonl(records: Iterable[SnapshotRecord | CheckRecord], out: IO[str], **_: Any) -> int:
    """One JSON object per snapshot (or check)."""
    count = 0
    for record in records:
        out.write(json.dumps(_exported(record), ensure_ascii=False))
        out.write("\n")
        count += 1
    return count


def _cell(value: Any, excel: bool) -> Any:
    text = json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else value
    text = spreadsheet_safe(text)
    if excel and isinstance(text, str) and len(text) > EXCEL_CELL:
        return text[:EXCEL_CELL - len(_CUT)] + _CUT
    return text


def write_csv(records: Iterable[SnapshotRecord | CheckRecord], out: IO[str], *,
              checks: bool = False, excel: bool = False, **_: Any) -> int:
    """The JSONL columns as CSV, nested values as JSON text, no cell a formula
    (crawler.core.cells). For Excel (``excel``): a
    byte-order mark, so that it reads UTF-8, and cells cut at its 32,767-character limit
    with a marker."""
    if excel:
        out.write("\ufeff")
    writer = csv.DictWriter(out, fieldnames=CHECK_COLUMNS if checks else COLUMNS,
                            lineterminator="\r\n" if excel else "\n")
    writer.writeheader()
    count = 0
    for record in records:
        writer.writerow({key: _cell(value, excel) for key, value in _exported(record).items()})
        count += 1
    return count


def write_warc(records: Iterable[SnapshotRecord], out: IO[bytes], **options: Any) -> int:
    """WARC 1.1 (crawler.outputs.warc, loaded on use: warcio is not needed to start)."""
    from crawler.outputs.warc import write_warc as write

    return write(records, out, **options)


def write_wacz(records: Iterable[SnapshotRecord], out: IO[bytes], **options: Any) -> int:
    """WACZ 1.1.1 for ReplayWeb.page (crawler.outputs.wacz, loaded on use)."""
    from crawler.outputs.wacz import write_wacz as write

    return write(records, out, **options)


EXPORTERS: dict[str, Callable[..., int]] = {"jsonl": write_jsonl, "csv": write_csv,
                                            "warc": write_warc, "wacz": write_wacz}
BINARY = {"warc", "wacz"}
FORMATS = tuple(EXPORTERS)
