"""Snapshots as WARC 1.1: what was asked, what came back, and what we read in it.

Per snapshot: first each redirect it went through, as the ``response`` (its 3xx status and
``Location``, no body) and ``request`` records of that hop, at the hop's own time; then a
``response`` record (status line, headers and body as received) or, when an earlier record
in this file carries the same payload, a ``revisit`` record (identical-payload-digest
profile) instead, and its ``request`` record (the headers as sent); then ``conversion``
records with the extracted article and the page's visible text and a ``metadata`` record
with the extracted metadata, the citing documents and what changed.

Replay tools (pywb, ReplayWeb.page) index every record by its ``WARC-Target-URI``: records
that are not the page must not carry the page's URI, or a replay serves our JSON instead of
the page. So conversion and metadata records have URIs of their own
(``urn:sourcekeeper:text:URL``, ``urn:sourcekeeper:page-text:URL``,
``urn:sourcekeeper:metadata:URL``) and point at the response with ``WARC-Refers-To``,
``WARC-Refers-To-Target-URI`` and ``WARC-Refers-To-Date`` (WARC 1.1). Each record is its
own gzip member, so the file can be indexed and read from any record.

A copy taken from a web archive (crawler.jobs.recovery) is written as what it is: our
exchange with that archive, under the URI we fetched it from (``https://web.archive.org/web/
20240101000000id_/https://example.com/a``), at the time we fetched it, with the archive's
own ``Memento-Datetime`` and ``Link: <original>; rel="original"`` headers as it sent them.
pywb replays such a record at the archive's URI, like any capture of a page of that archive.
Filing it under the original's URI instead would make a replay show the archive's copy as our
own capture of the page, at our date: there is no standard WARC field saying "this response
is a memento of that URL" (pywb's own ``WARC-Refers-To-*`` handling is for revisits), so the
original URI and the ``Memento-Datetime`` are stated in the metadata record (``origin``).

What Scrapy does not keep cannot be written: the reason phrase comes from the status code,
and a de-chunked body loses its ``Transfer-Encoding``. When only the decoded body is archived,
``Content-Encoding`` is dropped so that headers and payload agree.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import zlib
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from collections.abc import Callable, Iterable
from dataclasses import asdict
from http import HTTPStatus
from typing import IO, Any
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler import __version__
from crawler.core.models import Headers, Hop
from crawler.core.views import SnapshotRecord

_DROPPED = {"transfer-encoding", "content-length"}


_BREAKS = {"\r": "%0D", "\n": "%0A", "\x00": "%00"}


def _uri(value: str | None) -> str | None:
    """A URI with CR, LF and NUL percent-encoded: in a WARC header they would end the header
    and let whatever follows pass for another (a second WARC-Type, a smuggled record)."""
    if value is None or not any(char in value for char in _BREAKS):
        return value
    return "".join(_BREAKS.get(char, char) for char in value)


def _text(value: str | None) -> str | None:
    """A header value with every control character (CR, LF, NUL, ...) made a space."""
    if value is None:
        return None
    return "".join(" " if ord(char) < 32 or ord(char) == 127 else char for char in value)


def _headers(headers: Headers) -> tuple[tuple[str, str], ...]:
    return tuple((_text(key) or "", _text(value) or "") for key, value in headers)


def _safe(row: SnapshotRecord) -> SnapshotRecord:
    """``row`` with nothing that can break a WARC header, whatever wrote it (a server's
    headers, a redirect's Location, an item from a worker)."""
    hops = tuple(dataclasses.replace(
        hop, url=_uri(hop.url) or "", location=_uri(hop.location),
        fetched_at=_text(hop.fetched_at), headers=_headers(hop.headers),
        request_headers=_headers(hop.request_headers), ip_address=_text(hop.ip_address),
        protocol=_text(hop.protocol)) for hop in row.redirects)
    return dataclasses.replace(
        row, url=_uri(row.url) or "", final_url=_uri(row.final_url),
        fetched_at=_text(row.fetched_at) or "", ip_address=_text(row.ip_address),
        protocol=_text(row.protocol), headers=_headers(row.headers),
        request_headers=_headers(row.request_headers), redirects=hops)


def _status_line(status: int) -> str:
    try:
        return f"{status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"{status} Unknown"


def _response_headers(received: Headers, body: bytes, raw: bool) -> list[tuple[str, str]]:
    dropped = _DROPPED if raw else _DROPPED | {"content-encoding"}
    headers = [(key, value) for key, value in received if key.lower() not in dropped]
    headers.append(("Content-Length", str(len(body))))
    return headers


def _request_headers(sent: Headers, url: str) -> list[tuple[str, str]]:
    headers = list(sent)
    if not any(key.lower() == "host" for key, _ in headers):
        headers.insert(0, ("Host", urlsplit(url).netloc))
    return headers


def write_warc(records: Iterable[SnapshotRecord], out: IO[bytes], *,
               body: Callable[[str], bytes | None], filename: str = "sourcekeeper.warc.gz",
               **_: Any) -> int:
    """Write snapshots as WARC records to ``out``; ``body`` reads a stored body by hash.
    Returns the number of snapshots written."""
    export = WarcExport(body, out, filename)
    try:
        return export.write(records)
    finally:
        export.close()


def _gzip_member(raw: bytes) -> bytes:
    """One record as its own gzip member, as warcio writes it (at gzip's default level:
    warcio's 9 took half the export's time for 0.5% smaller files)."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, zlib.MAX_WBITS + 16)
    return compressor.compress(raw) + compressor.flush()


class WarcExport:
    """Writes snapshot records to a binary stream: each record is serialised here, in
    order, and compressed as its own gzip member in a thread pool (zlib lets go of the GIL
    while it compresses), a few records ahead of the one being written: the export uses
    every core, and memory stays flat. Call :meth:`close` to write what is still pending."""

    def __init__(self, body: Callable[[str], bytes | None], out: IO[bytes],
                 filename: str = "sourcekeeper.warc.gz",
                 written: Callable[[Any, int, int], None] | None = None):
        self.body = body
        self.out = out
        self.offset = 0  # where the next record starts in ``out``
        self.written = written  # told of each record with its offset and length (an index)
        self._buffer = io.BytesIO()
        self.writer = WARCWriter(self._buffer, gzip=False, warc_version="1.1")
        workers = os.cpu_count() or 1
        self._pool = ThreadPoolExecutor(workers) if workers > 1 else None
        self._ahead = 4 * workers
        self._pending: deque[tuple[Any, Future[bytes] | bytes]] = deque()
        self.seen: dict[str, tuple[str, str, str, str]] = {}
        info = self.writer.create_warcinfo_record(filename, {
            "software": f"sourcekeeper/{__version__}",
            "format": "WARC File Format 1.1",
            "description": "Snapshots of the sources cited by archived documents",
        })
        self._write(info)

    def _write(self, record: Any) -> None:
        self._buffer.seek(0)
        self._buffer.truncate()
        self.writer.write_record(record)
        raw = self._buffer.getvalue()
        member = self._pool.submit(_gzip_member, raw) if self._pool else _gzip_member(raw)
        self._pending.append((record, member))
        while len(self._pending) > self._ahead:
            self._flush_one()

    def _flush_one(self) -> None:
        record, member = self._pending.popleft()
        data = member.result() if isinstance(member, Future) else member
        self.out.write(data)
        if self.written is not None:
            self.written(record, self.offset, len(data))
        self.offset += len(data)

    def close(self) -> None:
        """Write the records still being compressed, in order."""
        while self._pending:
            self._flush_one()
        self.out.flush()
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def resource(self, uri: str, data: bytes, content_type: str, date: str) -> None:
        """A ``resource`` record: something we hold ourselves (a citing document)."""
        self._write(self.writer.create_warc_record(
            _uri(uri) or "", "resource", payload=io.BytesIO(data), length=len(data),
            warc_content_type=content_type, warc_headers_dict={"WARC-Date": _text(date) or ""}))

    def write(self, records: Iterable[SnapshotRecord]) -> int:
        count = 0
        for record in records:
            self._snapshot(record)
            count += 1
        return count

    def _record(self, uri: str, kind: str, payload: bytes, content_type: str | None = None,
                **warc_headers: str | None) -> Any:
        headers = {key.replace("_", "-"): value for key, value in warc_headers.items() if value}
        record = self.writer.create_warc_record(
            uri, kind, payload=io.BytesIO(payload), length=len(payload),
            warc_content_type=content_type, warc_headers_dict=headers)
        self._write(record)
        return record

    def _snapshot(self, row: SnapshotRecord) -> None:
        row = _safe(row)
        for hop in row.redirects:
            if hop.status is not None:  # archives before 2026-11-25 kept bare URLs
                self._hop(hop, row)
        uri = row.final_url or row.url
        date = row.fetched_at
        raw = bool(row.raw_sha256)
        key = row.raw_sha256 if raw else row.body_sha256
        body = (self.body(key) if key else None) or b""
        protocol = row.protocol or "HTTP/1.1"
        http = StatusAndHeaders(_status_line(row.status or 0),
                                _response_headers(row.headers, body, raw), protocol=protocol)
        ip = {"WARC-IP-Address": row.ip_address} if row.ip_address else {}
        if key in self.seen:
            first_id, first_uri, first_date, digest = self.seen[key]
            response = self.writer.create_revisit_record(
                uri, digest, first_uri, first_date, http_headers=http,
                warc_headers_dict={"WARC-Date": date, "WARC-Refers-To": first_id, **ip})
        else:
            response = self.writer.create_warc_record(
                uri, "response", payload=io.BytesIO(body), length=None, http_headers=http,
                warc_headers_dict={"WARC-Date": date, **ip})
        self._write(response)
        response_id = response.rec_headers.get_header("WARC-Record-ID")
        if key not in self.seen:
            self.seen[key] = (response_id, uri, date,
                              response.rec_headers.get_header("WARC-Payload-Digest"))
        self._request(uri, row.request_headers, date, response_id)

        # What we read in the page, under URIs of its own: a replay tool must never serve
        # it as the page (pywb indexes every record by its WARC-Target-URI).
        about = {"WARC_Date": date, "WARC_Refers_To": response_id,
                 "WARC_Refers_To_Target_URI": uri, "WARC_Refers_To_Date": date}
        if row.text:
            self._record(f"urn:sourcekeeper:text:{uri}", "conversion",
                         row.text.encode("utf-8"), "text/plain; charset=utf-8", **about)
        if row.page_text:
            self._record(f"urn:sourcekeeper:page-text:{uri}", "conversion",
                         row.page_text.encode("utf-8"), "text/plain; charset=utf-8", **about)
        metadata: dict[str, Any] = {
            "title": row.title, "author": row.author, "date": row.date,
            "sitename": row.sitename, "language": row.language,
            "text_sha256": row.text_sha256, "body_sha256": row.body_sha256,
            "metadata": dict(row.metadata),
            "documents": [asdict(cited) for cited in row.documents],
            "requested_url": row.url,
            "redirects": [{"url": hop.url, "status": hop.status, "location": hop.location}
                          for hop in row.redirects],
            "change": row.change, "reasons": list(row.reasons),
            "origin": {"origin": "memento", "archive": row.memento.archive,
                       "memento_uri": row.memento.uri, "original": row.url,
                       "memento_datetime": row.memento.datetime}
            if row.memento else {"origin": "live"},
        }
        self._record(f"urn:sourcekeeper:metadata:{uri}", "metadata",
                     json.dumps(metadata, ensure_ascii=False).encode("utf-8"),
                     "application/json", WARC_Concurrent_To=response_id, **about)

    def _hop(self, hop: Hop, row: SnapshotRecord) -> None:
        """A redirect as it was answered: its 3xx status and Location, no body."""
        date = hop.fetched_at or row.fetched_at
        http = StatusAndHeaders(_status_line(hop.status or 0),
                                _response_headers(hop.headers, b"", True),
                                protocol=hop.protocol or "HTTP/1.1")
        ip = {"WARC-IP-Address": hop.ip_address} if hop.ip_address else {}
        response = self.writer.create_warc_record(
            hop.url, "response", payload=io.BytesIO(b""), length=None, http_headers=http,
            warc_headers_dict={"WARC-Date": date, **ip})
        self._write(response)
        self._request(hop.url, hop.request_headers, date,
                      response.rec_headers.get_header("WARC-Record-ID"))

    def _request(self, uri: str, headers: Headers, date: str, response_id: str) -> None:
        path = urlsplit(uri)
        target = (path.path or "/") + (f"?{path.query}" if path.query else "")
        request_http = StatusAndHeaders(f"GET {target} HTTP/1.1", _request_headers(headers, uri),
                                        is_http_request=True)
        request = self.writer.create_warc_record(
            uri, "request", payload=io.BytesIO(b""), length=0, http_headers=request_http,
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": response_id})
        self._write(request)
