"""End-to-end benchmark: sourcekeeper against trafilatura alone, trafilatura's CLI and wget.

    python bench/crawl.py [--urls 2000] [--runs 3] [--corpus ../shared/corpora/news-pages]

Serves the corpus from a local server (bench/corpus_server.py, every answer prepared in
memory), writes documents citing ``--urls`` URLs (the 295 pages repeated with ``?v=N``), then
measures, in one run: ``--runs`` times in a row, a fresh crawl between two measures of the
limit (trafilatura alone on the same bodies with one process per CPU,
bench/extract_alone.py), all timed as whole processes from the command to its exit, and the
crawl's ratio to the mean of the limits around it; the corpus server's share of
the CPU during the crawls; an unchanged re-crawl; trafilatura's own CLI and ``wget
--warc-file`` on the same URLs; peak memory with 1k/10k/100k due URLs; archive size; export
speed; and extraction quality against the corpus snippets. Prints one table. For the
benchmark only, both tools get the same concurrency and no delays; the product's defaults
stay polite.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from crawler import api
from crawler.core.extraction import extract
from crawler.core.url import canonical, fetchable
from crawler.errors import NotArchived
from crawler.storage import Archive

ROOT = Path(__file__).resolve().parents[1]
FAST = ["--allow-private", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0",
        "-s", "CONCURRENT_REQUESTS=32", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=32",
        "-s", "MEMENTO_FALLBACK=False"]  # never ask public web archives from a benchmark
rows: list[tuple[str, str]] = []


def report(name: str, value: str) -> None:
    rows.append((name, value))
    print(f"{name:<58} {value}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


last_cpu = 0.0  # CPU seconds of the last process run() waited for, with its children


def run(command: list[str], **kwargs) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MB) of the process itself, exit code."""
    global last_cpu
    start = time.perf_counter()
    process = subprocess.Popen(command, **{"cwd": ROOT, **kwargs})
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    last_cpu = usage.ru_utime + usage.ru_stime  # Linux: with its reaped children (workers)
    return time.perf_counter() - start, usage.ru_maxrss / 1024, process.returncode


class TreeCpu:
    """CPU seconds of a process and each of its descendants, sampled while they run (the
    crawl's extraction workers are children of a forkserver it never waits for, so wait4's
    figure leaves them out). Use as ``with TreeCpu(pid) as tree: ...``; then
    :meth:`by_kind` sums them: ``main`` (the process) and ``workers`` (its descendants: the
    forkserver and the extraction processes it starts)."""

    def __init__(self, pid: int):
        self.pid = pid
        self.seen: dict[int, tuple[str, float]] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> TreeCpu:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join()

    def _sample(self) -> None:
        while not self.stop.wait(0.1):
            for pid in self._tree(self.pid):
                try:
                    stat = Path(f"/proc/{pid}/stat").read_text()
                except OSError:
                    continue
                fields = stat.rsplit(")", 1)[1].split()
                cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
                self.seen[pid] = ("workers", max(cpu, self.seen.get(pid, ("", 0.0))[1]))

    def _tree(self, pid: int) -> list[int]:
        found, todo = [], [pid]
        while todo:
            current = todo.pop()
            found.append(current)
            try:
                for task in Path(f"/proc/{current}/task").iterdir():
                    todo.extend(int(child) for child in
                                (task / "children").read_text().split())
            except OSError:
                continue
        return found

    def by_kind(self) -> dict[str, float]:
        kinds: dict[str, float] = {}
        for pid, (name, cpu) in self.seen.items():
            kind = "main" if pid == self.pid else name
            kinds[kind] = kinds.get(kind, 0.0) + cpu
        return kinds


def run_sampled(command: list[str], **kwargs) -> tuple[float, float, int, dict[str, float]]:
    """As :func:`run`, with the CPU of the process and of its descendants by kind."""
    global last_cpu
    start = time.perf_counter()
    process = subprocess.Popen(command, **{"cwd": ROOT, **kwargs})
    with TreeCpu(process.pid) as tree:
        _, status, usage = os.wait4(process.pid, 0)
    last_cpu = usage.ru_utime + usage.ru_stime
    kinds = tree.by_kind()
    kinds["main"] = last_cpu  # exact, where the samples stop short of the end
    return (time.perf_counter() - start, usage.ru_maxrss / 1024,
            os.waitstatus_to_exitcode(status), kinds)


def cpu_of(pid: int) -> float:
    """CPU seconds a running process has used so far (user + system)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sourcekeeper(*args: str, **kwargs) -> tuple[float, float, int]:
    return run([sys.executable, "-m", "crawler", *args], stdout=subprocess.DEVNULL, **kwargs)


def db_bytes(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return db.stat().st_size


def extraction_alone(corpus: Path, count: int, base: str) -> float:
    """Pages/s of trafilatura alone on the crawl's bodies, one process per CPU, timed as a
    whole process from its command to its exit (bench/extract_alone.py)."""
    seconds, _, code = run([sys.executable, str(ROOT / "bench" / "extract_alone.py"),
                            str(corpus), str(count), "--workers", str(os.cpu_count() or 1),
                            "--base", base], stderr=subprocess.DEVNULL)
    assert code == 0, f"extract_alone exited {code}"
    return count / seconds


def quality(texts: dict[str, str], entries: list[dict]) -> tuple[float, float]:
    found = wanted = kept = unwanted = 0
    for entry in entries:
        text = texts.get(entry["url"], "")
        found += sum(snippet in text for snippet in entry["with"])
        wanted += len(entry["with"])
        kept += sum(snippet not in text for snippet in entry.get("without", []))
        unwanted += len(entry.get("without", []))
    return found / wanted, kept / unwanted


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--urls", type=int, default=2000)
    parser.add_argument("--corpus", type=Path,
                        default=ROOT.parent / "shared" / "corpora" / "news-pages")
    parser.add_argument("--runs", type=int, default=3,
                        help="limit and fresh crawl, this many times in a row")
    parser.add_argument("--server", type=Path, default=ROOT / "bench" / "corpus_server.py",
                        help="another corpus server script (to measure what it costs)")
    parser.add_argument("--compare", type=Path, metavar="TREE",
                        help="also crawl with the sourcekeeper in TREE (another checkout) in "
                             "each run: before and after, measured side by side")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--skip-peers", action="store_true",
                        help="no trafilatura CLI, wget, re-crawl, export or quality")
    parser.add_argument("--only-memory", action="store_true")
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT / "bench"))
    from corpus_server import load

    pages = load(options.corpus)
    entries = [json.loads(line) for line in (options.corpus / "manifest.jsonl").open()]
    port = free_port()
    server = subprocess.Popen([sys.executable, str(options.server), str(options.corpus),
                               str(port)], stdout=subprocess.PIPE, text=True)
    assert server.stdout.readline().strip() == "ready"
    base = f"http://127.0.0.1:{port}"
    work = Path(tempfile.mkdtemp(prefix="sourcekeeper-bench-"))
    try:
        report("machine", f"{os.cpu_count()} CPUs, {cpu_model()}")
        if options.only_memory:
            for count in (1_000, 10_000, 100_000):
                report(f"5. peak RSS, {count:,} due URLs, first 1,000 fetched (MB)",
                       f"{memory(work, base, pages, count):.0f}")
            return
        urls = [f"{base}{pages[n % len(pages)][0]}?v={n // len(pages)}"
                for n in range(options.urls)]
        docs = work / "docs"
        docs.mkdir()
        for start in range(0, len(urls), 100):
            (docs / f"doc{start:06}.txt").write_text(
                "\n".join(f"See {url} for details." for url in urls[start:start + 100]) + "\n")
        (work / "urls.txt").write_text("\n".join(urls) + "\n")

        ratios, speeds = [], []
        # The limit is measured before and after each crawl (alone, crawl, alone, crawl, ...)
        # and the crawl compared with the mean of the two around it: on a shared machine the
        # cores' speed drifts by 10% from one minute to the next.
        limits = [(extraction_alone(options.corpus, len(urls), base), last_cpu)]
        for attempt in range(1, options.runs + 1):
            db = work / f"bench-{attempt}.db"
            served = cpu_of(server.pid)
            seconds, rss, code, kinds = run_sampled(
                [sys.executable, "-m", "crawler", "crawl", str(docs), "--db", str(db), *FAST],
                stdout=subprocess.DEVNULL)
            assert code == 0, f"crawl exited {code}"
            served = cpu_of(server.pid) - served
            limits.append((extraction_alone(options.corpus, len(urls), base), last_cpu))
            (before, cpu_before), (after, cpu_after) = limits[-2:]
            ceiling, cpu_alone = (before + after) / 2, (cpu_before + cpu_after) / 2
            first = len(urls) / seconds
            ratios.append(first / ceiling)
            speeds.append(first)
            report(f"run {attempt}: 1. trafilatura alone, {os.cpu_count()} processes (pages/s)",
                   f"{ceiling:.1f}, before and after the crawl {before:.1f} and {after:.1f} "
                   f"({cpu_alone / len(urls) * 1000:.1f} ms CPU a page)")
            report(f"run {attempt}: 2. sourcekeeper crawl, fresh archive (pages/s)",
                   f"{first:.1f} ({sum(kinds.values()) / len(urls) * 1000:.1f} ms CPU a page: "
                   + ", ".join(f"{kind} {cpu / len(urls) * 1000:.1f}"
                               for kind, cpu in sorted(kinds.items())) + ")")
            report(f"run {attempt}:    ratio to trafilatura alone (target >= 0.85)",
                   f"{first / ceiling:.3f}")
            report(f"run {attempt}:    corpus server CPU, share of the 2-core crawl time",
                   f"{served / (seconds * (os.cpu_count() or 1)):.1%}"
                   f" ({served / len(urls) * 1000:.2f} ms a page)")
            report(f"run {attempt}:    peak RSS of the crawl process (MB)", f"{rss:.0f}")
            if options.compare:
                other = work / f"compare-{attempt}.db"
                seconds, _, code, kinds = run_sampled(
                    [sys.executable, "-m", "crawler", "crawl", str(docs), "--db", str(other),
                     *FAST], stdout=subprocess.DEVNULL,
                    env={**os.environ, "PYTHONPATH": str(options.compare.resolve())},
                    cwd=options.compare)
                assert code == 0, f"crawl exited {code}"
                report(f"run {attempt}:    {options.compare.name} crawl (pages/s, ratio)",
                       f"{len(urls) / seconds:.1f}, {len(urls) / seconds / ceiling:.3f} ("
                       + ", ".join(f"{kind} {cpu / len(urls) * 1000:.1f}"
                                   for kind, cpu in sorted(kinds.items())) + " ms CPU a page)")
                other.unlink()
            if attempt > 1:
                (work / f"bench-{attempt}.db").unlink()
        report("ratio over the runs (min / median / max)",
               f"{min(ratios):.3f} / {sorted(ratios)[len(ratios) // 2]:.3f} / {max(ratios):.3f}")
        db = work / "bench-1.db"
        size = db_bytes(db)
        snapshots = api.status(db=str(db)).snapshots
        report("   archive bytes per snapshot (KB)", f"{size / snapshots / 1024:.1f}")
        if options.skip_peers:
            return
        first = speeds[0]  # the re-crawl below is of run 1's archive

        seconds, _, code = sourcekeeper("crawl", str(docs), "--db", str(db), "--all", *FAST)
        assert code == 0
        again = len(urls) / seconds
        report("3. re-crawl, unchanged (pages/s)", f"{again:.1f}")
        report("   ratio to the first crawl (target >= 5)", f"{again / first:.1f}")
        report("   archive growth on the re-crawl (target < 2%)",
               f"{(db_bytes(db) - size) / size:.2%}")

        config = work / "trafilatura.cfg"
        default = Path(__import__("trafilatura").__file__).parent / "settings.cfg"
        config.write_text(default.read_text().replace("SLEEP_TIME = 5.0", "SLEEP_TIME = 0")
                          .replace("SSRF_PROTECTION = on", "SSRF_PROTECTION = off"))
        trafilatura = Path(sys.executable).parent / "trafilatura"
        seconds, _, code = run([str(trafilatura), "-i", str(work / "urls.txt"), "--parallel",
                                "32", "--config-file", str(config)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        report("4. trafilatura CLI on the same URLs (pages/s)", f"{len(urls) / seconds:.1f}")
        seconds, _, code = run(["wget", "-q", "--warc-file", str(work / "wget"), "-O",
                                os.devnull, "-i", str(work / "urls.txt")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        report("4. wget --warc-file on the same URLs, no extraction (pages/s)",
               f"{len(urls) / seconds:.1f} (exit {code})")

        if not options.skip_memory:
            for count in (1_000, 10_000, 100_000):
                report(f"5. peak RSS, {count:,} due URLs, first 1,000 fetched (MB)",
                       f"{memory(work, base, pages, count):.0f}")

        for kind in ("jsonl", "warc"):
            out = work / f"export.{kind}"
            seconds, rss, code = sourcekeeper("export", "--db", str(db), "--format", kind,
                                              "-o", str(out), stderr=subprocess.DEVNULL)
            assert code == 0
            report(f"6. export {kind} (MB/s, peak RSS MB)",
                   f"{out.stat().st_size / seconds / 1e6:.1f}, {rss:.0f}")

        ours = archived_texts(db, pages, entries, base)
        alone = {entry["url"]: getattr(extract(body, None, entry["url"]), "text", "")
                 for entry, (_, body, _) in zip(entries, pages, strict=True)}
        found, kept = quality(ours, entries)
        found_alone, kept_alone = quality(alone, entries)
        report("quality: main text found, ours vs trafilatura alone",
               f"{found:.3f} vs {found_alone:.3f}")
        report("quality: boilerplate kept out, ours vs trafilatura alone",
               f"{kept:.3f} vs {kept_alone:.3f}")
    finally:
        server.terminate()


def archived_texts(db: Path, pages, entries, base: str) -> dict[str, str]:
    """Our archived text of each corpus page (its ``?v=0`` URL), keyed by the page's URL."""
    texts = {}
    for entry, (path, _, _) in zip(entries, pages, strict=True):
        try:
            found = list(api.snapshots(db=str(db), url=f"{base}{path}?v=0", latest=True))
        except NotArchived:
            found = []
        texts[entry["url"]] = (found[0].text or "") if found else ""
    return texts


def memory(work: Path, base: str, pages, count: int) -> float:
    """Peak RSS of a crawl with ``count`` URLs due, stopped after 1,000 pages."""
    db = work / f"memory-{count}.db"
    def add_all(archive: Archive) -> None:
        for n in range(count):
            url = fetchable(f"{base}{pages[n % len(pages)][0]}?v=m{n}")
            archive.urls.add(canonical(url), url, "2026-01-01T00:00:00.000Z")

    with Archive(db) as archive:
        archive.write(add_all, archive)
    _, rss, _ = sourcekeeper("crawl", "--db", str(db), *FAST, "-s", "CLOSESPIDER_ITEMCOUNT=1000",
                             stderr=subprocess.DEVNULL)
    return rss


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


if __name__ == "__main__":
    main()
