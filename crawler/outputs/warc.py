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

Speed (bench/export.py): each record is its own gzip member, so records can be built and
compressed anywhere as long as they are written in order. The first snapshots are built here
(a small export starts nothing); a large one is then cut into runs of snapshots that worker
processes build and compress (crawler.outputs.warc_records), a few runs ahead of the one being
written, so that memory stays flat. On Linux the workers are forked from this process before
it starts any thread (nothing to import, nothing to pickle but rows and bodies); elsewhere the
records are built here and compressed in a thread pool. A revisit needs the first response of
its payload: when that is still being built in a worker, its run is awaited first.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import sys
import threading
from collections import deque
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from collections.abc import Callable, Iterable
from typing import IO, Any

from crawler import __version__
from crawler.core.views import SnapshotRecord
from crawler.outputs.warc_records import (
    Builder, First, Packed, build_chunk, gzip_member, _text, _uri,
)

# Snapshots built in this process before a large export starts its workers.
_BUILT_HERE = 64
# Snapshots a worker builds at a time.
_CHUNK = 16
# Records smaller than this are compressed at once: handing them to a thread costs more.
_INLINE = 32 * 1024


def write_warc(records: Iterable[SnapshotRecord], out: IO[bytes], *,
               body: Callable[[str], bytes | None], filename: str = "sourcekeeper.warc.gz",
               packed_body: Callable[[str], Packed | None] | None = None, **_: Any) -> int:
    """Write snapshots as WARC records to ``out``; ``body`` reads a stored body by hash
    (``packed_body``, if given, reads it still compressed: see :class:`WarcExport`).
    Returns the number of snapshots written."""
    export = WarcExport(body, out, filename, packed_body=packed_body)
    try:
        return export.write(records)
    finally:
        export.close()


def _forking() -> bool:
    """Whether workers can be forked: on Linux, with more than one core, and from a process
    with no other thread (a fork copies no thread, but their locks, maybe held)."""
    return (sys.platform.startswith("linux") and (os.cpu_count() or 1) > 1
            and threading.active_count() == 1)


class WarcExport:
    """Writes snapshot records to a binary stream, in order (see the module's docstring for
    who builds and compresses them). Call :meth:`close` to write what is still pending."""

    def __init__(self, body: Callable[[str], bytes | None], out: IO[bytes],
                 filename: str = "sourcekeeper.warc.gz",
                 written: Callable[[Any, int, int], None] | None = None,
                 packed_body: Callable[[str], Packed | None] | None = None):
        self.body = body
        # A body a worker builds records of is handed to it compressed, as stored, and
        # decompressed there: pickling and piping whole bodies, and decompressing them
        # here, was a fifth of this process's time (bench/export.py: 32 -> 35 MB/s).
        self.packed_body = packed_body
        self.out = out
        self.offset = 0  # where the next record starts in ``out``
        self.written = written  # told of each record with its offset and length (an index)
        self.builder = Builder(self._write)
        self.writer = self.builder.writer
        workers = os.cpu_count() or 1
        self._workers = workers
        # Threads only where workers are not forked: a fork must not copy a running thread.
        self._fork = _forking()
        self._threads = ThreadPoolExecutor(workers) if workers > 1 and not self._fork else None
        self._processes: Executor | None = None
        self._ahead = 4 * workers
        # Records and runs of snapshots to write, in order: (record, member) or (run, None).
        self._pending: deque[tuple[Any, Any]] = deque()
        # The first response of each payload, or the number of the run building it.
        self.seen: dict[str | None, First | int] = {}
        self._run: list[tuple[SnapshotRecord, str | None, bytes | Packed | None,
                              First | None]] = []
        self._runs: dict[int, Future[Any]] = {}
        self._jobs: dict[int, list[Any]] = {}
        self._run_number = 0
        self._built = 0
        info = self.writer.create_warcinfo_record(filename, {
            "software": f"sourcekeeper/{__version__}",
            "format": "WARC File Format 1.1",
            "description": "Snapshots of the sources cited by archived documents",
        })
        self._write(info)

    def _write(self, record: Any) -> None:
        raw = self.builder.serialise(record)
        member = self._threads.submit(gzip_member, raw) \
            if self._threads and len(raw) > _INLINE else gzip_member(raw)
        self._pending.append((record, member))
        while len(self._pending) > self._ahead:
            self._flush_one()

    def _flush_one(self) -> None:
        record, member = self._pending.popleft()
        if member is None:  # a run of snapshots built by a worker
            for made in self._finished(record):
                for written, data in made[0]:
                    self._put(written, data)
            return
        self._put(record, member.result() if isinstance(member, Future) else member)

    def _put(self, record: Any, data: bytes) -> None:
        self.out.write(data)
        if self.written is not None:
            self.written(record, self.offset, len(data))
        self.offset += len(data)

    def _finished(self, number: int) -> list[Any]:
        """A worker's run, once built (and forgotten: it is being written)."""
        built = self._learn(number)
        del self._jobs[number], self._runs[number]
        return built

    def close(self) -> None:
        """Write the records still being built or compressed, in order."""
        self._send_run()
        while self._pending:
            self._flush_one()
        self.out.flush()
        for pool in (self._threads, self._processes):
            if pool is not None:
                pool.shutdown()
        self._threads = self._processes = None

    def resource(self, uri: str, data: bytes, content_type: str, date: str) -> None:
        """A ``resource`` record: something we hold ourselves (a citing document)."""
        self._send_run()  # the records before it first
        self._write(self.writer.create_warc_record(
            _uri(uri) or "", "resource", payload=io.BytesIO(data), length=len(data),
            warc_content_type=content_type, warc_headers_dict={"WARC-Date": _text(date) or ""}))

    def write(self, records: Iterable[SnapshotRecord]) -> int:
        count = 0
        for record in records:
            self._snapshot(record)
            count += 1
        return count

    def _snapshot(self, row: SnapshotRecord) -> None:
        raw = bool(row.raw_sha256)
        key = row.raw_sha256 if raw else row.body_sha256
        first = self.seen.get(key)
        if isinstance(first, int) and first != self._run_number:
            self._learn(first)  # a revisit of a payload a worker is building (written later)
            first = self.seen[key]
        if self._processes is None and self._built >= _BUILT_HERE and self._fork:
            self._start_workers()
        self._built += 1
        # A revisit's body is the one already written, of the same length: not read again.
        body: bytes | Packed | None
        if first is not None:
            body = None
        elif self._processes is None or self.packed_body is None or not key:
            body = (self.body(key) if key else None) or b""
        else:
            body = self.packed_body(key) or b""
        if self._processes is None:
            made = self.builder.snapshot(row, body, first)  # type: ignore[arg-type]
            if made is not None and key not in self.seen:
                self.seen[key] = made
            return
        if first is None:
            self.seen[key] = self._run_number
        self._run.append((row, key, body, first if not isinstance(first, int) else None))
        if len(self._run) >= _CHUNK:
            self._send_run()

    def _learn(self, number: int) -> list[Any]:
        """Run ``number``, once built: the payloads it wrote first are known from then on."""
        built = self._runs[number].result()
        for (_, key, _, _), (_, made) in zip(self._jobs[number], built, strict=True):
            if made is not None and self.seen.get(key) == number:
                self.seen[key] = made
        return built

    def _start_workers(self) -> None:
        """Fork the workers now (this process has no thread yet: see the docstring)."""
        self._processes = ProcessPoolExecutor(self._workers,
                                              mp_context=multiprocessing.get_context("fork"))

    def _send_run(self) -> None:
        if not self._run:
            return
        assert self._processes is not None
        number = self._run_number
        self._jobs[number] = self._run
        self._runs[number] = self._processes.submit(build_chunk, self._run,
                                                    self.written is not None)
        self._pending.append((number, None))
        self._run, self._run_number = [], number + 1
        while len(self._runs) > 2 * self._workers:
            self._flush_one()
