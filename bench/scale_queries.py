"""Times the reading commands on an archive made by ``bench/scale.py``, as a person meets
them: each command a whole process (command to exit), the median of ``--runs``, beside
``sourcekeeper --help`` (the start-up every command pays), with the query plan of the SQL
each command runs.

    python bench/scale_queries.py --db /work/scale-data/scale.db [--runs 5] [--export-mb 1000]

- ``crawl``: start to first request, with the archive's overdue URLs (100,000 at full size)
  on 127.0.0.1: a local server records when its first request arrives, then the crawl is
  stopped (Ctrl-C, as a person would). It refuses to start when any URL elsewhere is due:
  this benchmark never touches the internet.
- ``export --latest``: a million snapshots make ~100 GB of WARC; the export is streamed
  into a pipe and stopped after ``--export-mb`` MB, its RSS sampled on the way (flat memory
  is the target, not a peak).
- The query plans: the SQL is not copied here, it is caught as crawler.storage runs it
  (``set_trace_callback``) for the same work in this process, then ``EXPLAIN QUERY PLAN``.

The first command run on an archive of an older schema upgrades it (a migration of this
branch may build indexes); it is run and timed apart, before the measures.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from crawler.core.clock import utcnow
from crawler.jobs.document_files import archived_documents
from crawler.jobs.report import build
from crawler.storage import Archive
from crawler.storage.snapshots import SnapshotFilter

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ["climate change", "Ukraine Russland", "covid vaccine"]
TARGETS = {"status": 1.0, "search": 0.3, "report --document": 0.3, "history URL": 0.1,
           "crawl: start to first request": 2.0}
rows: list[tuple[str, str, str]] = []


def report(name: str, value: str, target: str = "") -> None:
    rows.append((name, value, target))
    print(f"{name:<52} {value:<28} {target}", flush=True)


def sourcekeeper(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "crawler", *args, "--db", str(db)]


def timed(command: list[str], cwd: Path) -> tuple[float, int]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start, done.returncode


def median(command: list[str], cwd: Path, runs: int, codes: tuple[int, ...] = (0,)) -> float:
    times = []
    for _ in range(runs):
        seconds, code = timed(command, cwd)
        assert code in codes, f"{' '.join(command)} exited {code}"
        times.append(seconds)
    return statistics.median(times)


def target(name: str, seconds: float) -> str:
    """The issue's target for ``seconds``: a command's own time, over ``--help`` (the
    start-up every command pays, 0.1 s or more, longer than the target of ``history``);
    the crawl's time to its first request counts from the command."""
    limit = next((value for key, value in TARGETS.items() if name.startswith(key)), None)
    if limit is None:
        return ""
    return f"<= {limit:g} s: {'met' if seconds <= limit else 'NOT met'}"


def plans(db: Path, name: str, work) -> None:
    """The plan of every statement ``work(archive)`` runs (once each)."""
    with Archive(db, mode="read") as archive:
        seen: list[str] = []
        archive.database.conn.set_trace_callback(seen.append)
        start = time.perf_counter()
        work(archive)
        seconds = time.perf_counter() - start
        archive.database.conn.set_trace_callback(None)
        print(f"\n-- {name}: {seconds:.3f} s in process, {len(seen)} statements")
        shapes = {re.sub(r"\b\d+\b", "N", sql): sql for sql in seen}  # one per shape
        for sql in shapes.values():
            if not sql.lstrip().upper().startswith(("SELECT", "WITH")):
                continue
            again = time.perf_counter()
            archive.database.conn.execute(sql).fetchall()
            print(f"   {time.perf_counter() - again:.3f} s  {' '.join(sql.split())[:400]}")
            depth = {0: -1}
            for node, parent, _, detail in archive.database.conn.execute(
                    f"EXPLAIN QUERY PLAN {sql}"):
                depth[node] = depth.get(parent, -1) + 1
                print(f"      {'  ' * depth[node]}{detail}")


class FirstRequest(ThreadingHTTPServer):
    """A site on 127.0.0.1 that notes when its first request arrives."""

    def __init__(self, port: int):
        self.first: float | None = None
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server.requests += 1
                if server.first is None:
                    server.first = time.perf_counter()
                robots = urlsplit(self.path).path == "/robots.txt"
                body = b"User-agent: *\nAllow: /\n" if robots else (
                    b"<html><head><title>A page</title></head><body><article><p>"
                    + b"Some text of the page. " * 40 + b"</p></article></body></html>")
                self.send_response(200)
                self.send_header("Content-Type", "text/plain" if robots else "text/html")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        super().__init__(("127.0.0.1", port), Handler)
        self.daemon_threads = True


def due_elsewhere(db: Path) -> tuple[int, int, int]:
    """Due URLs on 127.0.0.1, due URLs elsewhere, and the port of the local ones."""
    conn = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro", uri=True)
    now = utcnow()
    local, other = conn.execute(
        "SELECT sum(url LIKE 'http://127.0.0.1:%'), sum(url NOT LIKE 'http://127.0.0.1:%')"
        " FROM urls WHERE next_check_at IS NULL OR next_check_at <= ?", [now]).fetchone()
    url = conn.execute("SELECT url FROM urls WHERE url LIKE 'http://127.0.0.1:%' LIMIT 1"
                       ).fetchone()
    conn.close()
    return local or 0, other or 0, urlsplit(url[0]).port if url else 0


def first_request(db: Path, runs: int) -> None:
    local, other, port = due_elsewhere(db)
    if other or not local:
        report("crawl: start to first request", f"not run: {other} URLs due elsewhere, "
               f"{local} on 127.0.0.1")
        return
    server = FirstRequest(port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    times = []
    try:
        for _ in range(runs):
            server.first = None
            start = time.perf_counter()
            crawl = subprocess.Popen(sourcekeeper(db, "crawl", "--allow-private", "-q",
                                                  "--limit", "100000"), cwd=db.parent,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            while server.first is None and crawl.poll() is None \
                    and time.perf_counter() - start < 120:
                time.sleep(0.005)
            if server.first is not None:
                times.append(server.first - start)
            crawl.send_signal(signal.SIGINT)
            try:
                crawl.wait(60)
            except subprocess.TimeoutExpired:
                crawl.send_signal(signal.SIGINT)
                crawl.wait()
    finally:
        server.shutdown()
    seconds = statistics.median(times) if times else float("nan")
    report(f"crawl: start to first request ({local:,} due)", f"{seconds:.2f} s",
           target("crawl: start to first request", seconds))


def rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def export_stream(db: Path, kind: str, limit_mb: int) -> None:
    """MB/s of ``export --latest`` into a pipe, stopped after ``limit_mb`` MB; RSS sampled."""
    start = time.perf_counter()
    export = subprocess.Popen(sourcekeeper(db, "export", "--latest", "--format", kind, "-o",
                                           "-"), cwd=db.parent, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL)
    read, first, samples, step = 0, None, [], limit_mb * 1e6 / 5
    while read < limit_mb * 1e6:
        chunk = export.stdout.read1(1 << 20)
        if not chunk:
            break
        first = first or time.perf_counter() - start
        read += len(chunk)
        if read >= step * (len(samples) + 1):
            samples.append(rss_mb(export.pid))
    seconds = time.perf_counter() - start
    if read >= limit_mb * 1e6:
        export.kill()
    _, _, usage = os.wait4(export.pid, 0)
    export.returncode = 0
    peak = usage.ru_maxrss / 1024
    report(f"export --latest --format {kind} (MB/s; first byte)",
           f"{read / seconds / 1e6:.1f} MB/s; {first or 0:.2f} s",
           ">= 40 MB/s of WARC" if kind == "warc" else "")
    report(f"   RSS at each fifth of {read / 1e6:,.0f} MB; peak (MB)",
           f"{' / '.join(f'{mb:.0f}' for mb in samples)}; {peak:.0f}", "flat")


def measure(db: Path, runs: int, export_mb: int, document: str, url: str, checks: int,
            only: set[str]) -> None:
    cwd = db.parent
    help_seconds = median([sys.executable, "-m", "crawler", "--help"], cwd, runs)
    report("baseline: sourcekeeper --help", f"{help_seconds:.2f} s")
    for name, args, codes in [
            ("status", ["status"], (0,)),
            *[(f"search {query!r}", ["search", *query.split()], (0, 1)) for query in QUERIES],
            (f"report --document ({document})", ["report", "--document", document], (0,)),
            (f"history URL ({checks} checks)", ["history", url], (0,))]:
        if only and name.split()[0] not in only:
            continue
        seconds = median(sourcekeeper(db, *args), cwd, runs, codes)
        report(name, f"{seconds:.2f} s, {seconds - help_seconds:.2f} s over --help",
               target(name, seconds - help_seconds))
    if not only or "crawl" in only:
        first_request(db, max(1, runs // 2))
    for kind in ("jsonl", "warc"):
        if not only or "export" in only:
            export_stream(db, kind, export_mb)


def _middle_url(archive: Archive, count: int) -> str:
    """A URL from the middle of the archive (neither the first row nor the newest)."""
    for number, info in enumerate(archive.urls.all()):
        if number == count // 2:
            return info.url
    raise SystemExit("an empty archive")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--export-mb", type=int, default=1000)
    parser.add_argument("--no-plans", action="store_true")
    parser.add_argument("--only-plans", action="store_true")
    parser.add_argument("--only", nargs="+", default=[], metavar="MEASURE",
                        choices=["status", "search", "report", "history", "crawl", "export"],
                        help="only these measures")
    options = parser.parse_args()
    db = options.db.resolve()
    cwd = db.parent
    os.chdir(cwd)  # as the commands run: document paths relative to the archive's folder

    seconds, code = timed(sourcekeeper(db, "status"), cwd)
    assert code == 0, f"status exited {code}"
    report("first status (opens the file; upgrades an older schema)", f"{seconds:.2f} s")
    with Archive(db, mode="read") as archive:
        state = archive.reads.status(utcnow(), 1)
        document = next(archive.documents.info()).path
        url = _middle_url(archive, state.urls)
        checks = len(archive.checks.history(archive.urls.find(url).id))
    report("archive: documents, URLs, snapshots, bodies",
           f"{state.documents:,}, {state.urls:,}, {state.snapshots:,}, {state.bodies:,}")
    size = db.stat().st_size + Path(f"{db}-wal").stat().st_size \
        if Path(f"{db}-wal").exists() else db.stat().st_size
    report("archive bytes per snapshot (bodies shared)", f"{size / state.snapshots / 1e3:.1f} KB",
           "+ ~28.6 KB of compressed body for a distinct page")

    if not options.only_plans:
        measure(db, options.runs, options.export_mb, document, url, checks, set(options.only))
    if options.no_plans:
        return
    plans(db, "status", lambda archive: archive.reads.status(utcnow(), 5))
    for query in QUERIES:
        plans(db, f"search {query!r}", lambda archive: archive.reads.search(query, 20))
    plans(db, "report --document", lambda archive: build(
        archive, archived_documents(archive, document)))
    plans(db, "history URL", lambda archive: archive.checks.history(archive.urls.find(url).id))
    now = utcnow()
    plans(db, "crawl: planning and the first page of due URLs", lambda archive: (
        archive.urls.count_due(now=now, everything=True),
        archive.urls.count_due(now=now),
        next(archive.urls.due(now=now, limit=100_000), None)))
    plans(db, "export --latest: the first record", lambda archive: next(
        archive.snapshots.records(SnapshotFilter(latest=True)), None))


if __name__ == "__main__":
    main()
