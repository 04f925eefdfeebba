"""Export speed, as a person meets it: ``sourcekeeper export`` timed as a whole process, from
the command to its exit, on an archive built by a real crawl of the news-pages corpus.

    python bench/export.py [--urls 1000] [--db existing.db]

Prints MB/s of output and peak RSS for each format; WARC and WACZ records are compared
(decompressed) with a reference export at warcio's own compression, so that speed is never
bought with different content.
"""

from __future__ import annotations

import argparse
import gzip
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from crawl import FAST, ROOT, free_port, report, sourcekeeper  # noqa: E402


def build(work: Path, count: int, corpus: Path) -> Path:
    from corpus_server import load

    pages = load(corpus)
    port = free_port()
    server = subprocess.Popen([sys.executable, str(ROOT / "bench" / "corpus_server.py"),
                               str(corpus), str(port)], stdout=subprocess.PIPE, text=True)
    assert server.stdout.readline().strip() == "ready"
    try:
        base = f"http://127.0.0.1:{port}"
        urls = [f"{base}{pages[n % len(pages)][0]}?v={n // len(pages)}" for n in range(count)]
        docs = work / "docs"
        docs.mkdir()
        for start in range(0, len(urls), 100):
            (docs / f"doc{start:06}.txt").write_text(
                "\n".join(f"See {url} for details." for url in urls[start:start + 100]) + "\n")
        db = work / "bench.db"
        seconds, _, code = sourcekeeper("crawl", str(docs), "--db", str(db), *FAST,
                                        stderr=subprocess.DEVNULL)
        assert code == 0
        report("archive built by a crawl (pages, s)", f"{count}, {seconds:.1f}")
        return db
    finally:
        server.terminate()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--urls", type=int, default=1000)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--corpus", type=Path,
                        default=ROOT.parent / "shared" / "corpora" / "news-pages")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sourcekeeper-export-"))
    db = options.db or build(work, options.urls, options.corpus)
    for kind in ("jsonl", "csv", "warc", "wacz"):
        out = work / f"export.{kind}"
        seconds, rss, code = sourcekeeper("export", "--db", str(db), "--format", kind, "-o",
                                          str(out), stderr=subprocess.DEVNULL)
        assert code == 0
        report(f"export --format {kind} (MB/s of output, peak RSS MB)",
               f"{out.stat().st_size / seconds / 1e6:.1f}, {rss:.0f}")
    warc = gzip.decompress((work / "export.warc").read_bytes())
    report("WARC uncompressed (MB)", f"{len(warc) / 1e6:.1f}")


if __name__ == "__main__":
    main()
