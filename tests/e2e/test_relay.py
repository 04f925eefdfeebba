"""Distributed crawls on a real redis-server: a coordinator, workers and one writer."""

from __future__ import annotations

import re
import subprocess
import sys
import time

from crawler import api
from crawler.errors import ArchiveError
from tests.helpers import (
    FAST, assert_archive_intact, free_port, needs_redis, run_statuses, start_redis, stop, wait_for,
)
from tests.server import Reply


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
        return api.status(db=str(db)).snapshots if db.exists() else 0
    except ArchiveError:
        return 0


def run_status(db) -> str | None:
    try:
        statuses = run_statuses(db) if db.exists() else []
    except ArchiveError:
        return None
    return statuses[0] if statuses else None


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "crawler", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


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
    assert api.status(db=str(db)).snapshots == count
    assert_archive_intact(db)  # every snapshot's body reached the archive, intact
    archived = api.list_urls(db=str(db))
    assert len(archived) == count
    assert {len(api.history(info.url, db=str(db))) for info in archived} == {1}
    assert [(run.status, run.command) for run in api.status(db=str(db)).runs] == [
        ("finished", "crawl")]
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
        wait_for(lambda: snapshot_count(db) >= 20, what="20 snapshots")
        doomed.kill()
        out, err = coordinator.communicate(timeout=240)
        assert coordinator.returncode == 0, err
        assert f"{count} archived ({count} new" in out
    finally:
        stop(survivor)
        stop(doomed)
    records = [record.url for record in api.snapshots(db=str(db))]
    assert len(records) == len(set(records)) == count


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
        wait_for(lambda: run_status(db) == "finished", timeout=120, what="the run to finish")
    finally:
        for process in (*workers, writer):
            stop(process)
    assert api.status(db=str(db)).snapshots == 40
    assert writer.returncode == 0, writer.stderr.read()


@needs_redis
def test_next_run_can_be_queued_while_the_writer_runs(redis_url, server, tmp_path):
    docs = site(server, tmp_path, 5)
    db = tmp_path / "a.db"
    writer = start("ingest", "--redis", redis_url, "--db", str(db))
    lock = tmp_path / "a.db.ingest.lock"
    try:
        wait_for(lambda: lock.exists() and lock.read_text(), what="the writer's lock")
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
        wait_for(lambda: heartbeats(port), what="the worker's heartbeat")  # up and idle
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


def heartbeats(port: int) -> list[bytes]:
    import redis

    return redis.Redis(port=port).keys("sourcekeeper:worker:*")


def test_unreachable_redis_is_one_line_within_the_wait(sourcekeeper, tmp_path):
    url = f"redis://127.0.0.1:{free_port()}/0"
    started = time.monotonic()
    result = sourcekeeper("worker", "--redis", url, "-s", "RELAY_CONNECT_WAIT=1")
    elapsed = time.monotonic() - started
    assert result.returncode == 1
    assert result.stderr.strip().startswith(f"sourcekeeper: {url}: Redis does not answer")
    assert elapsed < 10, f"gave up after {elapsed:.1f} s, not about 1 s (plus start-up)"


@needs_redis
def test_a_redis_worker_loads_neither_the_archive_layer_nor_sqlite(redis_url, server,
                                                                   tmp_path):
    """What the worker process imported, from Python's own import log (-X importtime)."""
    docs = site(server, tmp_path, 3)
    log_file = tmp_path / "imports.log"
    with log_file.open("w") as log:
        worker = subprocess.Popen(
            [sys.executable, "-X", "importtime", "-m", "crawler", "worker", "--redis",
             redis_url, *FAST], stdout=subprocess.DEVNULL, stderr=log)
    try:
        coordinator = start("crawl", str(docs), "--db", str(tmp_path / "a.db"), "--redis",
                            redis_url, *FAST)
        out, err = coordinator.communicate(timeout=120)
        assert coordinator.returncode == 0, err
        assert "3 archived (3 new" in out
    finally:
        stop(worker)
    log = log_file.read_text()
    imported = set(re.findall(r"^import time:\s+\d+ \|\s+\d+ \|\s+(\S+)", log, re.M))
    assert "scrapy_redis" in imported and "crawler.fetch.requests" in imported
    # (sqlite3 itself comes with Scrapy's queuelib; the archive's layers must not.)
    heavy = {name for name in imported
             if name.split(".")[0] == "sqlite_utils"
             or name.startswith(("crawler.storage", "crawler.jobs.session",
                                 "crawler.jobs.record"))}
    assert heavy == set()
