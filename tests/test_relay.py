"""Distributed crawls on a real redis-server: a coordinator, workers and one writer."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time

import pytest

from crawler.core.codec import compress, decompress
from crawler.core.hashing import sha256
from crawler.core.models import Extraction, Blob
from crawler.fetch.items import FailureItem, PageItem
from tests.conftest import FAST, rows
from tests.server import Reply

REDIS_SERVER = shutil.which("redis-server") or (
    "/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None)
needs_redis = pytest.mark.skipif(REDIS_SERVER is None,
                                 reason="redis-server is not installed (apt install redis-server)")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_redis(port: int, folder) -> subprocess.Popen:
    import redis

    server = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    return server


@pytest.fixture
def redis_port(tmp_path):
    port = free_port()
    servers = [start_redis(port, tmp_path)]
    yield port, servers
    for server in servers:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def redis_url(redis_port):
    return f"redis://127.0.0.1:{redis_port[0]}/0"


def test_items_survive_the_trip_through_redis():
    from crawler.jobs.distributed.relay import decode_item, encode_item

    page = PageItem(url_id=3, requested_url="https://x.org/", final_url="https://x.org/a",
                    fetched_at="2026", status=200, headers=[["A", "b"]], content_type="text/html",
                    kind="html", body=b"<p>\x00\xff body</p>", raw_body=b"\x1f\x8b raw",
                    extraction=Extraction("body", "ab", title="T", metadata={"tags": "x"}))
    assert decode_item(encode_item(page)) == page
    page.packed = Blob(sha256(page.body), len(page.body), *compress(page.body))
    message = encode_item(page)
    assert decode_item(message) == page and message.count(b'"b64"') == 2, "body sent once"
    failure = FailureItem(url_id=1, requested_url="https://x.org/", fetched_at="2026",
                          reason="timeout")
    assert decode_item(encode_item(failure)) == failure


def site(server, tmp_path, count, delay=0.0):
    for n in range(count):
        server.route(f"/page/{n}", Reply(
            200, f"<html><body><article><p>Page number {n} says something different about "
                 f"topic {n * 7} today.</p></article></body></html>".encode(),
            {"Content-Type": "text/html"}, delay=delay))
    docs = tmp_path / "docs"
    docs.mkdir()
    for start in range(0, count, 50):
        (docs / f"doc{start}.txt").write_text("\n".join(
            f"See {server.url(f'/page/{n}')} here." for n in range(start, min(count, start + 50))))
    return docs


def snapshot_count(db) -> int:
    """Snapshots so far; 0 while the coordinator is still creating the archive."""
    try:
        return rows(db, "SELECT count(*) AS n FROM snapshots")[0]["n"]
    except sqlite3.OperationalError:
        return 0


def run_status(db) -> str | None:
    try:
        return rows(db, "SELECT status FROM runs")[0]["status"]
    except (sqlite3.OperationalError, IndexError):
        return None


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "crawler", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


@needs_redis
def test_coordinator_two_workers_and_writer(redis_url, server, tmp_path):
    count = 300
    docs = site(server, tmp_path, count)
    db = tmp_path / "a.db"
    workers = [start("worker", "--redis", redis_url, *FAST) for _ in range(2)]
    try:
        coordinator = start("crawl", str(docs), "--db", str(db), "--redis", redis_url, *FAST,
                            "-s", "RELAY_REQUEUE_AFTER=5")
        out, err = coordinator.communicate(timeout=240)
        assert coordinator.returncode == 0, err
        assert out.strip() == (f"{count // 50} documents read, {count} URLs found ({count} due), "
                               f"{count} archived ({count} new, 0 changed), 0 unchanged, 0 failed")
    finally:
        for worker in workers:
            stop(worker)
    assert all(server.hits(f"/page/{n}") == 1 for n in range(count)), "none fetched twice"
    bodies = rows(db, "SELECT snapshots.body_sha256 AS sha, bodies.codec, bodies.data FROM"
                      " snapshots JOIN bodies ON bodies.sha256 = snapshots.body_sha256")
    assert len(bodies) == count, "every snapshot's body reached the archive"
    assert all(sha256(decompress(b["codec"], b["data"])) == b["sha"] for b in bodies)
    per_url = rows(db, "SELECT url_id, count(*) AS n FROM checks GROUP BY url_id")
    assert len(per_url) == count and {row["n"] for row in per_url} == {1}
    assert rows(db, "SELECT status, command FROM runs") == [
        {"status": "finished", "command": "crawl"}]
    both = [worker.stderr.read() for worker in workers]
    assert all("Traceback" not in text for text in both)


@needs_redis
def test_a_worker_killed_mid_run_loses_nothing(redis_url, server, tmp_path):
    count = 120
    docs = site(server, tmp_path, count, delay=0.1)
    db = tmp_path / "a.db"
    doomed = start("worker", "--redis", redis_url, *FAST)
    survivor = start("worker", "--redis", redis_url, *FAST)
    try:
        coordinator = start("crawl", str(docs), "--db", str(db), "--redis", redis_url, *FAST,
                            "-s", "RELAY_REQUEUE_AFTER=5")
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and snapshot_count(db) < 20:
            time.sleep(0.2)
        doomed.kill()
        out, err = coordinator.communicate(timeout=240)
        assert coordinator.returncode == 0, err
        assert f"{count} archived ({count} new" in out
    finally:
        stop(survivor)
        stop(doomed)
    snapshots = rows(db, "SELECT url_id, count(*) AS n FROM snapshots GROUP BY url_id")
    assert len(snapshots) == count and {row["n"] for row in snapshots} == {1}


@needs_redis
def test_queue_only_then_a_separate_writer(redis_url, server, tmp_path):
    docs = site(server, tmp_path, 40)
    db = tmp_path / "a.db"
    queued = start("crawl", str(docs), "--db", str(db), "--redis", redis_url, "--no-ingest",
                   *FAST)
    out, err = queued.communicate(timeout=120)
    assert queued.returncode == 0, err
    assert out.strip() == f"40 URLs queued in {redis_url} for the workers"
    workers = [start("worker", "--redis", redis_url, *FAST)]
    writer = start("ingest", "--redis", redis_url, "--db", str(db))
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and run_status(db) != "finished":
            time.sleep(0.3)
    finally:
        for process in (*workers, writer):
            stop(process)
    assert rows(db, "SELECT count(*) AS n FROM snapshots")[0]["n"] == 40
    assert writer.returncode == 0, writer.stderr.read()


@needs_redis
def test_next_run_can_be_queued_while_the_writer_runs(redis_url, server, tmp_path):
    docs = site(server, tmp_path, 5)
    db = tmp_path / "a.db"
    writer = start("ingest", "--redis", redis_url, "--db", str(db))
    try:
        time.sleep(2)
        for _ in range(2):
            queued = start("crawl", str(docs), "--db", str(db), "--redis", redis_url,
                           "--no-ingest", "--all", *FAST)
            out, err = queued.communicate(timeout=120)
            assert queued.returncode == 0, err
        second = start("ingest", "--redis", redis_url, "--db", str(db))
        _, err = second.communicate(timeout=60)
        assert second.returncode == 1 and "another ingest is running on this archive" in err
    finally:
        stop(writer)


@needs_redis
def test_workers_wait_for_redis_to_come_back(redis_port, server, tmp_path):
    port, servers = redis_port
    url = f"redis://127.0.0.1:{port}/0"
    docs = site(server, tmp_path, 20)
    worker = start("worker", "--redis", url, *FAST)
    try:
        time.sleep(4)  # the worker is up and idle, polling Redis
        servers[0].terminate()
        servers[0].wait(timeout=10)
        time.sleep(3)  # Redis is away for a while: the worker must not give up
        servers.append(start_redis(port, tmp_path))
        coordinator = start("crawl", str(docs), "--db", str(tmp_path / "a.db"), "--redis", url,
                            *FAST, "-s", "RELAY_REQUEUE_AFTER=5")
        out, err = coordinator.communicate(timeout=180)
        assert coordinator.returncode == 0, err
        assert "20 archived (20 new" in out
        assert worker.poll() is None, "the worker is still running"
    finally:
        stop(worker)
    assert "Traceback" not in worker.stderr.read()


def test_unreachable_redis_is_one_line(sourcekeeper, tmp_path):
    url = f"redis://127.0.0.1:{free_port()}/0"
    result = sourcekeeper("worker", "--redis", url, "-s", "RELAY_CONNECT_WAIT=1")
    assert result.returncode == 1
    assert result.stderr.strip().startswith(f"sourcekeeper: {url}: Redis does not answer")
