"""One crawl at a time per archive; a re-fetch may run beside it."""

from __future__ import annotations

import subprocess
import sys
import time

from crawler.storage.lock import RunLock
from crawler.errors import LockHeld
from tests.conftest import FAST, rows
from tests.server import Reply

import pytest


def test_lock_is_exclusive_and_released(tmp_path):
    db = tmp_path / "a.db"
    with RunLock(db):
        with pytest.raises(LockHeld, match=r"another crawl is running on this archive \(pid \d+"):
            RunLock(db).acquire()
    with RunLock(db):
        pass


def test_stale_lock_file_from_a_killed_run_is_taken_over(tmp_path):
    db = tmp_path / "a.db"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; sys.path.insert(0, '.');"
        f"from crawler.storage.lock import RunLock; lock = RunLock({str(db)!r}).acquire();"
        "print('held', flush=True); time.sleep(60)")], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    with pytest.raises(LockHeld):
        RunLock(db).acquire()
    holder.kill()
    holder.wait()
    assert '"pid"' in (tmp_path / "a.db.lock").read_text(), "left behind by the killed run"
    with RunLock(db):
        pass


def slow_site(server, tmp_path, count=6, delay=0.4):
    for n in range(count):
        server.route(f"/slow/{n}", Reply(200, f"<html><body><article><p>Slow page {n} with "
                                              f"enough words to be an article.</p></article>"
                                              f"</body></html>".encode(),
                                         {"Content-Type": "text/html"}, delay=delay))
    doc = tmp_path / "slow.txt"
    doc.write_text("\n".join(f"See {server.url(f'/slow/{n}')}." for n in range(count)) + "\n")
    return doc


def start_crawl(doc, db, *settings):
    command = [sys.executable, "-m", "crawler", "crawl", str(doc), "--db", str(db), *FAST,
               "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1", *settings]
    crawl = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lock = db.parent / f"{db.name}.lock"
    for _ in range(200):
        if lock.exists() and lock.read_text():
            return crawl
        time.sleep(0.05)
    raise AssertionError("the crawl never took its lock")


def test_second_crawl_exits_at_once(sourcekeeper, server, tmp_path):
    db = tmp_path / "a.db"
    first = start_crawl(slow_site(server, tmp_path), db)
    second = sourcekeeper("crawl", "--db", str(db), *FAST)
    assert second.returncode == 1
    assert second.stderr.startswith(f"sourcekeeper: {db}: another crawl is running on this "
                                    f"archive (pid {first.pid}, since ")
    out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert "6 archived (6 new" in out


def test_refetch_and_export_while_a_crawl_writes(sourcekeeper, server, tmp_path):
    db = tmp_path / "a.db"
    crawl = start_crawl(slow_site(server, tmp_path, count=10, delay=0.6), db)
    refetch = sourcekeeper("refetch", server.url("/climate"), "--db", str(db), *FAST)
    assert (refetch.returncode, refetch.stdout.strip()) == (0, "new"), refetch.stderr
    export = sourcekeeper("export", "--db", str(db), "-o", str(tmp_path / "during.jsonl"))
    assert export.returncode == 0, export.stderr
    assert crawl.poll() is None, "the export ran while the crawl was still writing"
    out, err = crawl.communicate(timeout=120)
    assert crawl.returncode == 0, err
    assert "10 archived (10 new" in out
    assert len(rows(db, "SELECT * FROM snapshots")) == 11
    assert sorted(run["command"] for run in rows(db, "SELECT command FROM runs")) == [
        "crawl", "refetch"]


def test_a_killed_crawl_is_shown_as_interrupted(sourcekeeper, server, tmp_path):
    db = tmp_path / "a.db"
    crawl = start_crawl(slow_site(server, tmp_path, delay=2), db)
    time.sleep(0.5)
    crawl.kill()
    crawl.wait()
    assert [run["status"] for run in rows(db, "SELECT status FROM runs")] == ["running"]
    again = sourcekeeper("crawl", "--db", str(db), *FAST)
    assert again.returncode == 0, again.stderr
    assert [run["status"] for run in rows(db, "SELECT status FROM runs")] == [
        "interrupted", "finished"]
