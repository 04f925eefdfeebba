"""End-to-end benchmark: sourcekeeper against the extraction limit and trafilatura's CLI.

    python bench/crawl.py [--urls 2000] [--corpus ../shared/corpora/news-pages]

Serves the corpus from a local server (bench/corpus_server.py), writes documents citing
``--urls`` URLs (the 295 pages repeated with ``?v=N``), then measures, in one run: the limit
(trafilatura alone on all cores), a fresh crawl, an unchanged re-crawl, trafilatura's own
CLI on the same URLs, peak memory with 1k/10k/100k due URLs, archive size, export speed,
and extraction quality against the corpus snippets. Prints one table. For the benchmark
only, both tools get the same concurrency and no delays; the product's defaults stay polite.
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
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from crawler import api
from crawler.core.extraction import extract
from crawler.core.models import Extraction
from crawler.core.url import canonical, fetchable
from crawler.errors import NotArchived
from crawler.storage import Archive

ROOT = Path(__file__).resolve().parents[1]
FAST = ["--allow-private", "-s", "AUTOTHROTTLE_ENABLED=0", "-s", "DOWNLOAD_DELAY=0",
        "-s", "CONCURRENT_REQUESTS=32", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=32"]
rows: list[tuple[str, str]] = []


def report(name: str, value: str) -> None:
    rows.append((name, value))
    print(f"{name:<58} {value}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(command: list[str], **kwargs) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MB) of the process itself, exit code."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, **kwargs)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - start, usage.ru_maxrss / 1024, process.returncode


def sourcekeeper(*args: str, **kwargs) -> tuple[float, float, int]:
    return run([sys.executable, "-m", "crawler", *args], stdout=subprocess.DEVNULL, **kwargs)


def db_bytes(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return db.stat().st_size


def limit(bodies: list[tuple[bytes, str]]) -> float:
    workers = os.cpu_count() or 1
    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(_extract, bodies[:workers * 2]))  # start the workers
        start = time.perf_counter()
        list(pool.map(_extract, bodies, chunksize=4))
        return len(bodies) / (time.perf_counter() - start)


def _extract(item: tuple[bytes, str]) -> Extraction | None:
    return extract(item[0], None, item[1])


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
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--only-memory", action="store_true")
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT / "bench"))
    from corpus_server import load

    pages = load(options.corpus)
    entries = [json.loads(line) for line in (options.corpus / "manifest.jsonl").open()]
    port = free_port()
    server = subprocess.Popen([sys.executable, str(ROOT / "bench" / "corpus_server.py"),
                               str(options.corpus), str(port)], stdout=subprocess.PIPE, text=True)
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

        bodies = [(pages[n % len(pages)][1], urls[n]) for n in range(len(urls))]
        ceiling = limit(bodies)
        report(f"1. limit: trafilatura alone, {os.cpu_count()} processes (pages/s)",
               f"{ceiling:.1f}")

        db = work / "bench.db"
        seconds, rss, code = sourcekeeper("crawl", str(docs), "--db", str(db), *FAST)
        assert code == 0, f"crawl exited {code}"
        first = len(urls) / seconds
        report("2. sourcekeeper crawl, fresh archive (pages/s)", f"{first:.1f}")
        report("   ratio to the limit (target >= 0.8)", f"{first / ceiling:.2f}")
        report("   peak RSS of the crawl process (MB)", f"{rss:.0f}")
        size = db_bytes(db)
        snapshots = api.status(db=str(db)).snapshots
        report("   archive bytes per snapshot (KB)", f"{size / snapshots / 1024:.1f}")

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
