"""Every command's ``--help`` ends with examples, and each example is run here as a person
pastes it: in a folder with ``notes/`` and ``archive.db``, against a local site. Only what
cannot be the same on a test machine changes: ``https://example.org/`` is the local server,
the Redis URL is a real local redis-server, a command that fetches gets ``--allow-private``
and quick settings (the site is on 127.0.0.1), and ``schedule`` stops after one run."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import urllib.request

from crawler import api
from crawler.cli import cli
from tests.helpers import FAST, help_examples as examples, needs_redis, stop, wait_for
from tests.web_archive import WebArchive
from tests.server import page

# The order a person meets them: discover, crawl, look, re-check, export, distribute.
ORDER = ["urls", "crawl", "refetch", "recover", "list", "status", "show", "history", "search", "changes",
         "report", "export", "schedule", "diff", "forget", "serve", "ingest", "worker"]
FETCHING = {"crawl", "refetch", "recover", "schedule", "worker"}
SITE = "https://example.org/"
REDIS = "redis://queue.internal:6379/0"


def test_every_command_has_its_place_in_the_order():
    assert sorted(ORDER) == sorted(cli.commands)
    assert sorted(cli.ORDER) == sorted(cli.commands), "sourcekeeper --help lists them all"


def argv(line: str, server, redis: str, archive: str = "http://127.0.0.1:9") -> list[str]:
    args = shlex.split(line.replace(SITE, server.url("/")).replace(REDIS, redis))[1:]
    if args[0] in FETCHING:
        args += FAST
    if args[0] == "recover":  # a web archive on 127.0.0.1 (tests/web_archive.py)
        args += ["-s", f"MEMENTO_ENDPOINTS=wayback={archive}", "-s", "MEMENTO_DELAY=0"]
    if args[0] == "schedule" and not args[1].startswith("http"):
        args += ["--max-runs", "1"]
    if args[0] == "serve":
        args += ["--port", "0"]  # any free port: 8080 may be taken on a test machine
    return args


@needs_redis
def test_the_help_examples_run(server, tmp_path, redis_url):
    with WebArchive() as archive:
        archive.add(server.url("/story"), "20250101000000",
                    page("russia-withdraw.html").body.decode())
        _help_examples_run(server, tmp_path, redis_url, archive.base)


def _help_examples_run(server, tmp_path, redis_url, archive):
    server.route("/story", page("russia-withdraw.html"))
    server.route("/live-story", page("putin-offers.html"))
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "story.txt").write_text(
        f"Troops withdraw\n\nOriginal url: {server.url('/story')}\n"
        f"Live coverage: {server.url('/live-story')}\n")
    (notes / "old-draft.md").write_text(f"An early draft, citing {server.url('/live-story')}.\n")

    def run(line: str) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, "-m", "crawler",
                                 *argv(line, server, redis_url, archive)],
                                cwd=tmp_path, capture_output=True, text=True, timeout=180)
        assert result.returncode == 0, f"{line}: exit {result.returncode}: {result.stderr}"
        assert "Traceback" not in result.stderr, line
        return result

    for name in ORDER[:ORDER.index("diff")]:
        for line in examples(name):
            if name == "refetch":  # the story changes before it is fetched again
                server.route("/story", page("putin-offers.html"))
            run(line)
    assert (tmp_path / "report.html").read_text().startswith("<!DOCTYPE html>")
    assert (tmp_path / "sources.warc.gz").stat().st_size > 0
    for line in examples("diff") + examples("forget"):
        assert run(line).stdout.strip()
    # serve runs until stopped: it says where, a page is fetched there, then it is stopped.
    [serve] = examples("serve")
    process = subprocess.Popen([sys.executable, "-m", "crawler", *argv(serve, server, redis_url)],
                               cwd=tmp_path, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "BROWSER": "true"})
    try:
        announced = process.stderr.readline()
        url = announced.split(" at ", 1)[1].split(" ", 1)[0]
        with urllib.request.urlopen(url) as answer:
            assert b"Documents" in answer.read()
    finally:
        process.terminate()
        process.wait(timeout=30)
    db = tmp_path / "archive.db"
    [live] = [info for info in api.list_urls(db=str(db)) if info.url.endswith("/live-story")]
    assert live.fixed_interval == 15 * 60, "schedule URL --every 15m"
    assert [run.command for run in api.status(db=str(db)).runs] == [
        "crawl", "recover", "recover", "refetch", "crawl"], \
        "(crawl,) crawl --failing, refetch, recover URL, recover --all-gone, schedule"
    [recovered] = [source.recovered for document in api.report(db=str(db))
                   for source in document.sources if source.url.endswith("/story")
                   and source.recovered]
    assert recovered.taken == "2025-01-01T00:00:00.000Z", "recover URL kept the copy"

    # The distributed roles: a writer and a worker from the examples, a run queued for them.
    [ingest], [worker] = examples("ingest"), examples("worker")
    processes = [subprocess.Popen([sys.executable, "-m", "crawler", *argv(line, server, redis_url)],
                                  cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for line in (ingest, worker)]
    try:
        queued = subprocess.run(
            [sys.executable, "-m", "crawler", "crawl", "notes/", "--db", "archive.db", "--all",
             "--redis", redis_url, "--no-ingest", *FAST], cwd=tmp_path, capture_output=True,
            text=True, timeout=120)
        assert queued.returncode == 0, queued.stderr
        wait_for(lambda: [run.status for run in api.status(db=str(db)).runs][:1] == ["finished"]
                 and len(api.status(db=str(db)).runs) == 5, timeout=120,
                 what="the ingest to finish the queued run")
    finally:
        for process in processes:
            stop(process)
    assert [process.returncode for process in processes] == [0, 0], [
        process.stderr.read() for process in processes]
