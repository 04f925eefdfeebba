"""One crawl at a time per archive; a re-fetch and an export may run beside it; a killed
crawl is shown as interrupted by the next."""

from __future__ import annotations

import subprocess
import sys

from crawler import api
from tests.helpers import FAST, run_statuses, wait_for
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


def start_crawl(doc, db, *settings):
    """A crawl in a subprocess, once it holds the archive's lock."""
    command = [sys.executable, "-m", "crawler", "crawl", str(doc), "--db", str(db), *FAST,
               "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1", *settings]
    crawl = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lock = db.parent / f"{db.name}.lock"
    wait_for(lambda: lock.exists() and lock.read_text(), what="the crawl to take its lock")
    return crawl


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
    assert refetch.returncode == 0, refetch.stderr
    assert refetch.stdout.startswith("new (snapshot "), refetch.stdout
    export = sourcekeeper("export", "--db", str(db), "-o", str(tmp_path / "during.jsonl"))
    assert export.returncode == 0, export.stderr
    assert crawl.poll() is None, "the export ran while the crawl was still writing"
    out, err = crawl.communicate(timeout=120)
    assert crawl.returncode == 0, err
    assert "10 archived (10 new" in out
    assert api.status(db=str(db)).snapshots == 11
    assert sorted(run.command for run in api.status(db=str(db)).runs) == ["crawl", "refetch"]


def test_a_killed_crawl_is_shown_as_interrupted(sourcekeeper, server, tmp_path):
    db = tmp_path / "a.db"
    crawl = start_crawl(slow_site(server, tmp_path, delay=2), db)
    wait_for(lambda: any(path.startswith("/slow/") for path, _ in server.requests),
             what="the crawl's first request")
    crawl.kill()
    crawl.wait()
    assert run_statuses(db) == ["running"]
    again = sourcekeeper("crawl", "--db", str(db), *FAST)
    assert again.returncode == 0, again.stderr
    assert run_statuses(db) == ["interrupted", "finished"]
