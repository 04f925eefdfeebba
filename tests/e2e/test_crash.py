"""Crash safety: signals, SIGKILL at random moments, a full disk."""

from __future__ import annotations

import os
import random
import re
import resource
import signal
import subprocess
import sys
import time

import pytest

from crawler import api
from tests.helpers import FAST, assert_archive_intact, run_statuses, wait_for
from tests.server import Reply


def slow_site(server, tmp_path, count=6, delay=0.4):
    for n in range(count):
        server.route(f"/slow/{n}", Reply(200, f"<html><body><article><p>Slow page {n} with "
                                              f"enough words to be an article.</p></article>"
                                              f"</body></html>".encode(),
                                         {"Content-Type": "text/html"}, delay=delay))
    doc = tmp_path / "slow.txt"
    doc.write_text("\n".join(f"See {server.url(f'/slow/{n}')}." for n in range(count)) + "\n")
    return doc


def status_so_far(db):
    """The archive's status, or None while the crawl is still creating the file (an empty
    file is not an archive yet)."""
    from crawler.errors import ArchiveUnavailable

    try:
        return api.status(db=str(db)) if db.exists() else None
    except ArchiveUnavailable:
        return None


def snapshots(db) -> int:
    return (status := status_so_far(db)) and status.snapshots or 0


def distinct_urls_archived(db) -> int:
    return len({record.url for record in api.snapshots(db=str(db))})


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signal_stops_gracefully(signum, sourcekeeper, server, tmp_path):
    db = tmp_path / "a.db"
    crawl = subprocess.Popen(
        [sys.executable, "-m", "crawler", "crawl", str(slow_site(server, tmp_path, count=8,
                                                                 delay=0.5)),
         "--db", str(db), *FAST, "-s", "CONCURRENT_REQUESTS=1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: db.exists() and (db.parent / f"{db.name}.lock").exists()
             and snapshots(db) >= 1, what="a first snapshot")
    crawl.send_signal(signum)
    out, err = crawl.communicate(timeout=60)
    assert crawl.returncode == 128 + signum
    name = signal.Signals(signum).name
    assert err.strip().splitlines()[-1] == (
        f"sourcekeeper: crawl interrupted by {name}; the URLs not checked stay due")
    assert "Traceback" not in err
    assert run_statuses(db) == ["interrupted"]
    assert_archive_intact(db)
    done = snapshots(db)
    assert done < 8
    rest = sourcekeeper("crawl", "--db", str(db), *FAST)
    assert rest.returncode == 0, rest.stderr
    assert f"({8 - done} due)" in rest.stdout
    assert snapshots(db) == 8


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
    assert distinct_urls_archived(db) == 30
    statuses = {run.status for run in api.status(db=str(db), runs=100).runs}
    assert statuses <= {"interrupted", "finished"}


def test_full_disk_is_one_clear_error(server, tmp_path):
    db = tmp_path / "a.db"
    doc = slow_site(server, tmp_path, count=40, delay=0)
    for n in range(40):
        server.route(f"/slow/{n}", Reply(
            200, (f"<html><body><article><p>{n} " + "unique words %d " % n * 4000
                  + "</p></article></body></html>").encode(), {"Content-Type": "text/html"}))
    limit = 400_000

    def small_disk() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    crawl = subprocess.run(
        [sys.executable, "-m", "crawler", "crawl", str(doc), "--db", str(db), *FAST,
         "-s", "EXTRACT_WORKERS=0", "-s", "AUTOTHROTTLE_ENABLED=0",
         "-s", "CONCURRENT_REQUESTS=16", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=16"],
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


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_while_documents_are_read_stops_as_gracefully(signum, server, tmp_path):
    docs = tmp_path / "many"
    docs.mkdir()
    for n in range(3000):
        (docs / f"{n:04}.txt").write_text(f"Note {n}: see {server.url(f'/page/{n}')}\n")
    db = tmp_path / "a.db"
    crawl = subprocess.Popen([sys.executable, "-m", "crawler", "crawl", str(docs), "--db",
                              str(db), *FAST], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    wait_for(lambda: (db.parent / f"{db.name}.lock").exists()
             and (status_so_far(db) or 0) and status_so_far(db).documents >= 10,
             what="documents being read")
    crawl.send_signal(signum)
    out, err = crawl.communicate(timeout=60)
    assert crawl.returncode == 128 + signum, err
    read = int(out.split(" documents read")[0])
    assert 10 <= read < 3000, "stopped while reading, with what it had read"
    name = signal.Signals(signum).name
    assert err.strip().splitlines()[-1] == (
        f"sourcekeeper: crawl interrupted by {name}; the URLs not checked stay due")
    [run] = api.status(db=str(db)).runs
    assert (run.status, run.documents) == ("interrupted", read)
    assert server.requests == [], "nothing was fetched"


def test_a_signal_during_a_huge_document_stops_the_crawl_there(server, tmp_path):
    """Reading 8 MB of URLs on one line takes a while: SIGTERM must not wait for its end
    (it took effect 55 s later), and the run is recorded as interrupted."""
    doc = tmp_path / "huge.txt"
    doc.write_text(" ".join(server.url(f"/a/{n}") for n in range(300_000)))
    db = tmp_path / "a.db"
    crawl = subprocess.Popen([sys.executable, "-m", "crawler", "crawl", str(doc), "--db",
                              str(db), *FAST], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    try:
        wait_for(lambda: (status := status_so_far(db)) and status.runs,
                 what="the run to start")
        crawl.send_signal(signal.SIGTERM)
        out, err = crawl.communicate(timeout=20)  # the whole document takes a few seconds
    finally:
        if crawl.poll() is None:
            crawl.kill()
            crawl.wait()
    assert crawl.returncode == 143, err
    [run] = api.status(db=str(db)).runs
    assert run.status == "interrupted"
    assert server.requests == []


def _session_processes(sid: int) -> list[int]:
    """The processes of a session (a crawl started in its own session, and its children)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as stat:
                    fields = stat.read().rsplit(b")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == sid and fields[0] != b"Z":
                found.append(int(entry))
    return found


def test_a_killed_crawl_leaves_no_process_behind(server, tmp_path):
    db = tmp_path / "a.db"
    crawl = subprocess.Popen(
        [sys.executable, "-m", "crawler", "crawl", str(slow_site(server, tmp_path, count=8,
                                                                 delay=0.5)),
         "--db", str(db), *FAST, "-s", "EXTRACT_WORKERS=2", "-s", "CONCURRENT_REQUESTS=1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    wait_for(lambda: db.exists() and snapshots(db) >= 1, what="a first snapshot")
    assert len(_session_processes(crawl.pid)) >= 3, "the crawl, its forkserver and workers"
    crawl.kill()
    crawl.wait()
    wait_for(lambda: not _session_processes(crawl.pid), timeout=15,
             what="the crawl's forkserver and workers to exit")


def test_ctrl_c_stops_at_once_and_a_second_one_abandons_the_requests_in_flight(server,
                                                                               tmp_path):
    """16 slow URLs, 2 at a time per site: the first Ctrl-C starts no new request and says
    how many are in flight; the second abandons those; either way the run is recorded as
    interrupted and the URLs not checked stay due."""
    for second in (False, True):
        db = tmp_path / f"a{int(second)}.db"
        doc = slow_site(server, tmp_path, count=16, delay=1.5)
        crawl = subprocess.Popen(
            [sys.executable, "-m", "crawler", "crawl", str(doc), "--db", str(db), *FAST],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        wait_for(lambda: db.exists() and snapshots(db) >= 1, what="a first snapshot")
        crawl.send_signal(signal.SIGINT)
        asked = len(server.requests)
        if second:
            # Either line: a signal that lands between two requests has none in flight,
            # and the crawl then ends without waiting for a second one.
            wait_for(lambda: "sourcekeeper: stopping" in _peek(crawl)
                     or crawl.poll() is not None, what="the stopping line")
            if crawl.poll() is None:
                crawl.send_signal(signal.SIGINT)
        out, err = crawl.communicate(timeout=60)
        assert crawl.returncode == 130, err
        said = re.search(r"sourcekeeper: stopping (?:after the ([12]) requests? in flight "
                         r"\(press Ctrl-C again to abandon them\)|\(no request in flight\))",
                         _seen.get(crawl.pid, "") + err)
        assert said, err
        in_flight = int(said[1] or 0)
        assert len(server.requests) <= asked + in_flight, "no new request after Ctrl-C"
        assert run_statuses(db) == ["interrupted"]
        assert snapshots(db) < 16
        server.requests.clear()


_seen: dict[int, str] = {}


def _peek(process: subprocess.Popen) -> str:
    """What a running process wrote on stderr so far (read without blocking)."""
    import fcntl

    stream = process.stderr
    flags = fcntl.fcntl(stream, fcntl.F_GETFL)
    fcntl.fcntl(stream, fcntl.F_SETFL, flags | os.O_NONBLOCK)
    try:
        chunk = stream.read() or ""
    except (BlockingIOError, TypeError):
        chunk = ""
    fcntl.fcntl(stream, fcntl.F_SETFL, flags)
    _seen[process.pid] = _seen.get(process.pid, "") + chunk
    return _seen[process.pid]
