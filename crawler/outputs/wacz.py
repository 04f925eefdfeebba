"""Snapshots as one WACZ file (Web Archive Collection Zipped, 1.1.1): what a person opens in
ReplayWeb.page, with nothing else installed, to show what a source said.

A WACZ is a ZIP holding the WARC (crawler.outputs.warc, records exactly as exported),
``indexes/index.cdx`` (a CDXJ line per capture: its SURT, its 14-digit time, and where the
record sits in the WARC, so that a replay tool reads the one record it needs),
``pages/pages.jsonl`` (the pages to list: each snapshot's URL, time and title),
``datapackage.json`` (every file with its size and SHA-256) and
``datapackage-digest.json`` (the SHA-256 of the data package). The WARC is stored, not
deflated, as the format asks, so that it can be read at any offset; only the response and
revisit records are indexed (the text and metadata records have ``urn:`` URIs no browser
asks for). With ``--document``, the documents themselves travel too, as ``resource``
records under ``urn:sourcekeeper:document:<path>``.

Written through a temporary file beside nothing of the user's (the WARC can be large), then
zipped in one pass: memory stays flat.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from typing import IO, Any
from urllib.parse import quote

from crawler import __version__
from crawler.core.clock import utcnow
from crawler.core.url import surt
from crawler.core.views import DocumentInfo, SnapshotRecord
from crawler.outputs.warc import WarcExport

WACZ_VERSION = "1.1.1"
WARC_NAME = "data.warc.gz"
_INDEXED = {"response", "revisit", "resource"}


def _timestamp(date: str) -> str:
    """A WARC-Date as the 14 digits CDXJ sorts by."""
    return "".join(char for char in date if char.isdigit())[:14]


class _Index:
    """Collects a CDXJ line for each record the WARC export writes."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.pages: list[dict[str, Any]] = []

    def __call__(self, record: Any, offset: int, length: int) -> None:
        kind = record.rec_type
        uri = record.rec_headers.get_header("WARC-Target-URI") or ""
        if kind not in _INDEXED or (uri.startswith("urn:") and kind != "resource"):
            return
        date = record.rec_headers.get_header("WARC-Date") or ""
        entry: dict[str, Any] = {"url": uri, "digest": record.rec_headers.get_header(
            "WARC-Payload-Digest"), "length": str(length), "offset": str(offset),
            "filename": WARC_NAME}
        if record.http_headers is not None:
            entry["mime"] = (record.http_headers.get_header("Content-Type") or "").split(";")[0]
            entry["status"] = record.http_headers.get_statuscode()
        else:
            entry["mime"] = record.rec_headers.get_header("Content-Type") or ""
        if kind == "revisit":
            entry["mime"] = "warc/revisit"
        key = uri if uri.startswith("urn:") else surt(uri)
        self.lines.append(f"{key} {_timestamp(date)} {json.dumps(entry)}")
        if kind in ("response", "revisit") and entry.get("status", "").startswith("2"):
            self.pages.append({"url": uri, "ts": date})


def write_wacz(records: Iterable[SnapshotRecord], out: IO[bytes], *,
               body: Callable[[str], bytes | None], documents: Iterable[DocumentInfo] = (),
               title: str = "Sources archived by sourcekeeper",
               packed_body: Callable[[str], tuple[str, bytes] | None] | None = None,
               **_: Any) -> int:
    """Write ``records`` (and ``documents``, as resource records) as a WACZ to the seekable
    or streamed binary ``out``; return the number of snapshots."""
    index = _Index()
    titles: dict[str, str] = {}
    with tempfile.TemporaryFile() as warc:
        export = WarcExport(body, warc, WARC_NAME, written=index, packed_body=packed_body)
        count = 0
        try:
            for record in records:
                export.write([record])
                titles.setdefault(record.final_url or record.url, record.title or "")
                count += 1
            for document in documents:
                export.resource(f"urn:sourcekeeper:document:{quote(document.path, safe='/')}",
                                (document.text or "").encode("utf-8"),
                                "text/plain; charset=utf-8", document.read_at or utcnow())
        finally:
            export.close()
        warc.flush()
        files = _package(warc, index, titles, title)
        with zipfile.ZipFile(out, "w") as wacz:
            for path, data, stored in files:
                info = zipfile.ZipInfo(path, date_time=(2026, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
                if isinstance(data, bytes):
                    wacz.writestr(info, data)
                else:
                    data.seek(0)
                    with wacz.open(info, "w", force_zip64=True) as target:
                        while chunk := data.read(1 << 20):
                            target.write(chunk)
    return count


def _sha256(data: bytes | IO[bytes]) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    if isinstance(data, bytes):
        digest.update(data)
        return f"sha256:{digest.hexdigest()}", len(data)
    data.seek(0)
    while chunk := data.read(1 << 20):
        digest.update(chunk)
        size += len(chunk)
    return f"sha256:{digest.hexdigest()}", size


def _package(warc: IO[bytes], index: _Index, titles: dict[str, str], title: str
             ) -> list[tuple[str, bytes | IO[bytes], bool]]:
    """Every file of the WACZ: (path, content, stored uncompressed)."""
    cdx = "".join(f"{line}\n" for line in sorted(index.lines)).encode("utf-8")
    pages = [{"format": "json-pages-1.0", "id": "pages", "title": title}]
    pages += [{"id": hashlib.sha1(f"{page['ts']} {page['url']}".encode()).hexdigest()[:22],
               **page, "title": titles.get(page["url"], "")} for page in index.pages]
    pages_bytes = "".join(json.dumps(page, ensure_ascii=False) + "\n"
                          for page in pages).encode("utf-8")
    files: list[tuple[str, bytes | IO[bytes], bool]] = [
        (f"archive/{WARC_NAME}", warc, True), ("indexes/index.cdx", cdx, False),
        ("pages/pages.jsonl", pages_bytes, False)]
    resources = []
    for path, data, _ in files:
        digest, size = _sha256(data)
        resources.append({"name": path.rsplit("/", 1)[1], "path": path, "hash": digest,
                          "bytes": size})
    package = json.dumps({
        "profile": "data-package", "title": title, "resources": resources,
        "created": utcnow()[:19] + "Z", "wacz_version": WACZ_VERSION,
        "software": f"sourcekeeper {__version__}"}, indent=2).encode("utf-8")
    digest = json.dumps({"path": "datapackage.json", "hash": _sha256(package)[0]},
                        indent=2).encode("utf-8")
    return [*files, ("datapackage.json", package, False),
            ("datapackage-digest.json", digest, False)]
