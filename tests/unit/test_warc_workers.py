"""A large WARC export is built by worker processes: its records are the very records a
single process writes (IDs aside, which are random), revisits included, in the same order."""

from __future__ import annotations

import hashlib
import io
import multiprocessing
import pickle
import re
import subprocess
import sys
import threading

import pytest

from warcio.archiveiterator import ArchiveIterator

from crawler.core.codec import compress
from crawler.core.views import SnapshotRecord
from crawler.outputs.warc import WarcExport, write_warc
from tests.helpers import ROOT

_UUID = re.compile(r"<urn:uuid:[0-9a-f-]+>")
BODIES = {hashlib.sha256(f"page {n}".encode()).hexdigest():
          f"<html><p>Page {n}.</p>{'x' * (n * 997 % 50000)}</html>".encode() for n in range(60)}
KEYS = sorted(BODIES)


def payload(n: int) -> str:
    """Snapshot ``n``'s body: the first 64 (built by the exporting process) have 30 bodies;
    the other 30 first appear once workers build runs of 16, each revisited in a later run
    and, every 16th snapshot, at once in the same run."""
    if n < 64:
        return KEYS[n % 30]
    if n % 16 == 5:
        return payload(n - 1)
    return KEYS[30 + (n * 7) % 30]


def snapshot(n: int) -> SnapshotRecord:
    """Snapshot ``n``: 300 snapshots of 60 bodies, so most are revisits (see payload)."""
    key = payload(n)
    return SnapshotRecord(
        id=n, url=f"http://a.example/{n}", canonical_url=f"http://a.example/{n}",
        final_url=f"http://a.example/{n}", redirects=(),
        fetched_at=f"2026-11-25T12:{n // 60:02d}:{n % 60:02d}.000Z", status=200,
        content_type="text/html", title=f"T{n}", author=None, date=None, sitename=None,
        language="en", text=f"Text {n}.", body_sha256=key, body_size=len(BODIES[key]),
        text_sha256=None, raw_sha256=None, ip_address="127.0.0.1", protocol="HTTP/1.1",
        headers=(("Content-Type", "text/html"),), request_headers=(("User-Agent", "ua"),),
        metadata={}, documents=(), page_text=f"Around {n}.")


def records(data: bytes) -> list[tuple[str, list[tuple[str, str]], str]]:
    ids: dict[str, str] = {}
    out = []
    for record in ArchiveIterator(io.BytesIO(data), no_record_parse=True):
        headers = [(name, _UUID.sub(lambda m: ids.setdefault(m.group(0), f"<{len(ids)}>"),
                                    value))
                   for name, value in record.rec_headers.headers
                   if not (record.rec_type == "warcinfo" and name == "WARC-Date")]
        out.append((record.rec_type, headers,
                    hashlib.sha256(record.raw_stream.read()).hexdigest()))
    return out


def export(rows: list[SnapshotRecord]) -> bytes:
    out = io.BytesIO()
    assert write_warc(rows, out, body=BODIES.get) == len(rows)
    return out.getvalue()


def in_a_fresh_process(function: str) -> object:
    """What ``function`` of this module returns, run in a process of its own: workers are
    only forked from a process with no other thread, which a test run cannot promise."""
    code = ("import pickle, sys; import tests.unit.test_warc_workers as module;"
            f" sys.stdout.buffer.write(pickle.dumps(module.{function}()))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          check=True)
    return pickle.loads(done.stdout)


def forked_export() -> tuple[bytes, bool]:
    """The workers get each body as the archive stores it (compressed) and decompress it."""
    out = io.BytesIO()
    export_ = WarcExport(BODIES.get, out,
                         packed_body=lambda key: compress(BODIES[key]) if key in BODIES else None)
    export_.write(snapshot(n) for n in range(300))
    forked = bool(multiprocessing.active_children())
    export_.close()
    return out.getvalue(), forked


def test_workers_write_the_records_one_process_writes():
    rows = [snapshot(n) for n in range(300)]
    alone: list[bytes] = []
    # From a process running another thread, nothing is forked: all is built in-process.
    thread = threading.Thread(target=lambda: alone.append(export(rows)))
    thread.start()
    thread.join()
    forked, workers = in_a_fresh_process("forked_export")
    assert workers, "a large export forks its workers"
    mine, theirs = records(forked), records(alone[0])
    assert len(mine) == 1 + 300 * 5
    assert mine == theirs
    assert sum(kind == "revisit" for kind, _, _ in mine) == 300 - 60


def indexed_export() -> tuple[list[tuple[str, int, int]], bytes, bool]:
    seen: list[tuple[str, int, int]] = []
    out = io.BytesIO()
    export_ = WarcExport(BODIES.get, out, written=lambda record, offset, length: seen.append(
        (record.rec_type, offset, length)))
    export_.write(snapshot(n) for n in range(200))
    forked = bool(multiprocessing.active_children())
    export_.close()
    return seen, out.getvalue(), forked


def test_an_index_hears_of_every_record_built_by_workers_in_order():
    seen, data, forked = in_a_fresh_process("indexed_export")
    assert forked, "a large export forks its workers"
    out = io.BytesIO(data)
    assert [kind for kind, _, _ in seen] == [r[0] for r in records(out.getvalue())]
    assert [offset for _, offset, _ in seen] == [0, *[o + n for _, o, n in seen][:-1]]
    assert seen[-1][1] + seen[-1][2] == len(out.getvalue())


def export_without_isal() -> tuple[bytes, str]:
    """The export as a plain install makes it: ISA-L is not there, zlib compresses."""
    from crawler.outputs import warc_records

    return export([snapshot(n) for n in range(100)]), warc_records._deflate.__name__


def test_the_fast_extra_writes_the_same_records_as_zlib():
    """``sourcekeeper[fast]`` (ISA-L) compresses each record faster, into other bytes: the
    records inside are the same, each its own gzip member either way."""
    pytest.importorskip("isal")  # the test extra installs it
    with_isal = export([snapshot(n) for n in range(100)])
    code = ("import pickle, sys; sys.modules['isal'] = None;"  # as if not installed
            " import tests.unit.test_warc_workers as module;"
            " sys.stdout.buffer.write(pickle.dumps(module.export_without_isal()))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          check=True)
    with_zlib, deflate = pickle.loads(done.stdout)
    assert deflate == "zlib"
    assert with_isal != with_zlib
    assert records(with_isal) == records(with_zlib)
    assert len(records(with_isal)) == 1 + 100 * 5
