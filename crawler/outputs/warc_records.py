"""The WARC records of a snapshot, built with warcio (crawler.outputs.warc writes them).

Kept apart from the writing so that the export's worker processes build records exactly as
the exporting process does: :class:`Builder` turns a snapshot into its records, in order,
and :func:`build_chunk` is what a worker runs on a run of snapshots, returning each record
serialised and compressed. Everything a server or an item sent is made safe for a WARC header
first (:func:`_safe`): a CR or LF in a header value would end the header.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import zlib
from collections.abc import Callable
from dataclasses import asdict
from http import HTTPStatus
from typing import Any, NamedTuple
from urllib.parse import urlsplit

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.core.codec import decompress
from crawler.core.models import Headers, Hop
from crawler.core.views import SnapshotRecord

# The first response of a payload: its record ID, URI, date, payload digest and size.
First = tuple[str, str, str, str, int]
# A body as the archive stores it: its codec and compressed bytes (crawler.core.codec).
Packed = tuple[str, bytes]

_DROPPED = {"transfer-encoding", "content-length"}


_BREAKS = {"\r": "%0D", "\n": "%0A", "\x00": "%00"}


def _uri(value: str | None) -> str | None:
    """A URI with CR, LF and NUL percent-encoded: in a WARC header they would end the header
    and let whatever follows pass for another (a second WARC-Type, a smuggled record)."""
    if value is None or not any(char in value for char in _BREAKS):
        return value
    return "".join(_BREAKS.get(char, char) for char in value)


_CONTROL = re.compile("[\x00-\x1f\x7f]")


def _text(value: str | None) -> str | None:
    """A header value with every control character (CR, LF, NUL, ...) made a space."""
    if value is None:
        return None
    return _CONTROL.sub(" ", value)  # one pass in C: a third of building the records was here


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


def _response_headers(received: Headers, size: int, raw: bool) -> list[tuple[str, str]]:
    dropped = _DROPPED if raw else _DROPPED | {"content-encoding"}
    headers = [(key, value) for key, value in received if key.lower() not in dropped]
    headers.append(("Content-Length", str(size)))
    return headers


def _request_headers(sent: Headers, url: str) -> list[tuple[str, str]]:
    headers = list(sent)
    if not any(key.lower() == "host" for key, _ in headers):
        headers.insert(0, ("Host", urlsplit(url).netloc))
    return headers



try:  # ISA-L's deflate (``pip install sourcekeeper[fast]``): 5x zlib's speed at level 3
    from isal import isal_zlib as _deflate

    GZIP_LEVEL = 3
except ImportError:  # zlib at gzip's default level (warcio's 9 took half the export's time
    _deflate = zlib  # for 0.5% smaller files)
    GZIP_LEVEL = 6


def gzip_member(raw: bytes) -> bytes:
    """One record as its own gzip member, as warcio writes it. ISA-L's level 3 makes files
    about 8% larger than zlib's 6 on news pages, at a fifth of the CPU (bench/export.py);
    the records inside are the same bytes either way."""
    compressor = _deflate.compressobj(GZIP_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS + 16)
    return compressor.compress(raw) + compressor.flush()


class Written(NamedTuple):
    """What an index needs of a record built in another process (crawler.outputs.wacz)."""

    rec_type: str
    rec_headers: Any
    http_headers: Any


class Builder:
    """Builds records with warcio and hands each, in order, to ``emit``; :meth:`serialise`
    gives a record's bytes (uncompressed)."""

    def __init__(self, emit: Callable[[Any], None]):
        self._emit = emit
        self._buffer = io.BytesIO()
        self.writer = WARCWriter(self._buffer, gzip=False, warc_version="1.1")

    def serialise(self, record: Any) -> bytes:
        self._buffer.seek(0)
        self._buffer.truncate()
        self.writer.write_record(record)
        return self._buffer.getvalue()

    def _record(self, uri: str, kind: str, payload: bytes, content_type: str | None = None,
                **warc_headers: str | None) -> Any:
        headers = {key.replace("_", "-"): value for key, value in warc_headers.items() if value}
        record = self.writer.create_warc_record(
            uri, kind, payload=io.BytesIO(payload), length=len(payload),
            warc_content_type=content_type, warc_headers_dict=headers)
        self._emit(record)
        return record

    def snapshot(self, row: SnapshotRecord, body: bytes | None, first: First | None
                 ) -> First | None:
        """Emit the records of one snapshot: its response with ``body`` or, with ``first``
        (the first response of the same payload in this file), a revisit of it. Returns
        what a later revisit of this payload needs, when a response was written."""
        row = _safe(row)
        for hop in row.redirects:
            if hop.status is not None:  # archives before 2026-11-25 kept bare URLs
                self._hop(hop, row)
        uri = row.final_url or row.url
        date = row.fetched_at
        raw = bool(row.raw_sha256)
        size = first[4] if first else len(body or b"")
        protocol = row.protocol or "HTTP/1.1"
        http = StatusAndHeaders(_status_line(row.status or 0),
                                _response_headers(row.headers, size, raw), protocol=protocol)
        ip = {"WARC-IP-Address": row.ip_address} if row.ip_address else {}
        if first:
            first_id, first_uri, first_date, digest, _ = first
            response = self.writer.create_revisit_record(
                uri, digest, first_uri, first_date, http_headers=http,
                warc_headers_dict={"WARC-Date": date, "WARC-Refers-To": first_id, **ip})
        else:
            # With its length, warcio hashes the body once for each digest; without, it
            # copied it to a temporary file and hashed it three times (the same record).
            response = self.writer.create_warc_record(
                uri, "response", payload=io.BytesIO(body or b""), length=size,
                http_headers=http, warc_headers_dict={"WARC-Date": date, **ip})
        self._emit(response)
        response_id = response.rec_headers.get_header("WARC-Record-ID")
        made = None if first else (response_id, uri, date,
                                   response.rec_headers.get_header("WARC-Payload-Digest"), size)
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
        return made

    def _hop(self, hop: Hop, row: SnapshotRecord) -> None:
        """A redirect as it was answered: its 3xx status and Location, no body."""
        date = hop.fetched_at or row.fetched_at
        http = StatusAndHeaders(_status_line(hop.status or 0),
                                _response_headers(hop.headers, 0, True),
                                protocol=hop.protocol or "HTTP/1.1")
        ip = {"WARC-IP-Address": hop.ip_address} if hop.ip_address else {}
        response = self.writer.create_warc_record(
            hop.url, "response", payload=io.BytesIO(b""), length=0, http_headers=http,
            warc_headers_dict={"WARC-Date": date, **ip})
        self._emit(response)
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
        self._emit(request)


def build_chunk(jobs: list[tuple[SnapshotRecord, str | None, bytes | Packed | None,
                                  First | None]],
                indexed: bool = False
                ) -> list[tuple[list[tuple[Written | None, bytes]], First | None]]:
    """In a worker: the records of each snapshot of ``jobs``, serialised and compressed,
    and its :data:`First` when it wrote a response. A job is (row, payload key, body,
    first); a body of None with no first is a revisit of a payload earlier in ``jobs``; a
    :data:`Packed` body is decompressed here.
    Each record's headers come back only when ``indexed`` (a WACZ indexes them): pickling
    them costs more than the record."""
    records: list[tuple[Written | None, bytes]] = []
    builder = Builder(lambda record: records.append((
        Written(record.rec_type, record.rec_headers, record.http_headers) if indexed else None,
        gzip_member(builder.serialise(record)))))
    firsts: dict[str | None, First] = {}
    out = []
    for row, key, body, first in jobs:
        if first is None and body is None:
            first = firsts[key]
        if isinstance(body, tuple):
            body = decompress(*body)
        made = builder.snapshot(row, body, first)
        if made is not None:
            firsts.setdefault(key, made)
        out.append((records[:], made))
        records.clear()
    return out
