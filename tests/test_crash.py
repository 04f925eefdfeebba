"""Crash safety: signals, SIGKILL at random moments, a full disk."""

from __future__ import annotations

import hashlib
import os
import random
import resource
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from crawler.core.codec import decompress

from tests.conftest import FAST, rows
from tests.test_lock import slow_site, start_crawl


def assert_archive_intact(db) -> None:
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        for sha, codec, data in conn.execute("SELECT sha256, codec, data FROM bodies"):
            assert hashlib.sha256(decompress(codec, data)).hexdigest() == sha
        orphans = conn.execute(
            "SELECT count(*) FROM snapshots WHERE body_sha256 NOT IN (SELECT sha256 FROM bodies)"
            " OR id NOT IN (SELECT snapshot_id FROM checks WHERE snapshot_id IS NOT NULL)"
        ).fetchone()[0]
        assert orphans == 0, "every snapshot has its body and the check that made it"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signal_stops_gracefully(signum, sourcekeeper, server, tmp_path):
    db = tmp_path / "a.db"
    crawl = start_crawl(slow_site(server, tmp_path, count=8, delay=0.5), db,
                        "-s", "CONCURRENT_REQUESTS=1")
    time.sleep(1.5)
    crawl.send_signal(signum)
    out, err = crawl.communicate(timeout=60)
    assert crawl.returncode == 128 + signum
    name = signal.Signals(signum).name
    assert err.strip().splitlines()[-1] == (
        f"sourcekeeper: crawl interrupted by {name}; the URLs not checked stay due")
    assert "Traceback" not in err
    assert [run["status"] for run in rows(db, "SELECT status FROM runs")] == ["interrupted"]
    assert_archive_intact(db)
    done = len(rows(db, "SELECT id FROM snapshots"))
    assert done < 8
    rest = sourcekeeper("crawl", "--db", str(db), *FAST)
    assert rest.returncode == 0, rest.stderr
    assert f"({8 - done} due)" in rest.stdout
    assert len(rows(db, "SELECT id FROM snapshots")) == 8


def test_sigkill_at_random_moments_loses_nothing_committed(sourcekeeper, server, tmp_path):
    db = tmp_path / "a.db"
    doc = slow_site(server, tmp_path, count=30, delay=0.02)
    generator = random.Random(20261125)
    for _ in range(20):
        crawl = subprocess.Popen(
            [sys.executable, "-m", "crawler", "crawl", str(doc), "--db", str(db), *FAST],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(generator.uniform(0.8, 2.5))
        crawl.kill()
        crawl.wait()
        assert_archive_intact(db)
    final = sourcekeeper("crawl", str(doc), "--db", str(db), *FAST)
    assert final.returncode == 0, final.stderr
    assert_archive_intact(db)
    assert len(rows(db, "SELECT DISTINCT url_id FROM snapshots")) == 30
    statuses = {run["status"] for run in rows(db, "SELECT status FROM runs")}
    assert statuses <= {"interrupted", "finished"}


def test_full_disk_is_one_clear_error(server, tmp_path):
    db = tmp_path / "a.db"
    doc = slow_site(server, tmp_path, count=40, delay=0)
    for n in range(40):
        server.route(f"/slow/{n}", server.routes[f"/slow/{n}"][0].__class__(
            200, (f"<html><body><article><p>{n} " + "unique words %d " % n * 4000
                  + "</p></article></body></html>").encode(), {"Content-Type": "text/html"}))
    limit = 400_000

    def small_disk() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    crawl = subprocess.run(
        [sys.executable, "-m", "crawler", "crawl", str(doc), "--db", str(db), *FAST,
         "-s", "EXTRACT_WORKERS=0"],
        capture_output=True, text=True, timeout=120, preexec_fn=small_disk)
    assert crawl.returncode == 1, crawl.stderr
    errors = [line for line in crawl.stderr.splitlines() if line.startswith("ERROR")]
    assert errors and all("cannot write to the archive" in line for line in errors)
    assert len(errors) == 1, "one clear error, not one per item"
    assert crawl.stderr.strip().splitlines()[-1] == (
        "sourcekeeper: crawl did not finish: archive write failed")
    assert "Traceback" not in crawl.stderr
    assert_archive_intact(db)


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes read-only files anyway")
def test_read_only_archive_is_one_clear_error(sourcekeeper, documents, tmp_path):
    db = tmp_path / "a.db"
    assert sourcekeeper("status", "--db", str(db)).returncode == 0
    db.chmod(0o444)
    result = sourcekeeper("crawl", str(documents), "--db", str(db), *FAST)
    assert result.returncode == 1
    assert result.stderr.strip().startswith(f"sourcekeeper: cannot open archive {db}: cannot be "
                                            "written (attempt to write a readonly database)")
