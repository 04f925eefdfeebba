"""Export speed, as a person meets it: ``sourcekeeper export`` timed as a whole process, from
the command to its exit, on an archive built by a real crawl of the news-pages corpus.

    python bench/export.py [--urls 1000] [--db existing.db] [--compare TREE] [--runs 3]

Prints MB/s of output and peak RSS for each format (the best of ``--runs``; peak RSS is the
largest of the export process and its worker processes); the WARC and WACZ records are compared with those of the
same export by the sourcekeeper in ``TREE`` (another checkout, timed too), record by record
(bench/warc_records.py), so that speed is never bought with different content. With
``isal`` importable (``pip install sourcekeeper[fast]``) records are compressed with ISA-L.
"""

from __future__ import annotations

import argparse
import gzip
import os
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from crawl import FAST, ROOT, free_port, report, sourcekeeper  # noqa: E402
from warc_records import records  # noqa: E402


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
    parser.add_argument("--compare", type=Path, metavar="TREE")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--corpus", type=Path,
                        default=ROOT.parent / "shared" / "corpora" / "news-pages")
    options = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sourcekeeper-export-"))
    db = options.db or build(work, options.urls, options.corpus)
    trees = [("", None)] + ([(f" ({options.compare.name})", options.compare.resolve())]
                            if options.compare else [])
    for kind in ("jsonl", "csv", "warc", "wacz"):
        for label, tree in trees:
            out = work / f"export{'-' + tree.name if tree else ''}.{kind}"
            env = {**os.environ, "PYTHONPATH": str(tree)} if tree else None
            best, rss = None, 0.0
            for _ in range(options.runs):
                seconds, peak, code = sourcekeeper("export", "--db", str(db), "--format",
                                                   kind, "-o", str(out),
                                                   stderr=subprocess.DEVNULL, env=env,
                                                   **({"cwd": tree} if tree else {}))
                assert code == 0
                best, rss = min(best or seconds, seconds), max(rss, peak)
            report(f"export --format {kind}{label} (MB/s of output, MB, peak RSS MB)",
                   f"{out.stat().st_size / best / 1e6:.1f}, {out.stat().st_size / 1e6:.1f},"
                   f" {rss:.0f}")
        if kind in ("warc", "wacz") and options.compare:
            mine = list(records(work / f"export.{kind}"))
            theirs = list(records(work / f"export-{options.compare.name}.{kind}"))
            report(f"   {kind} records identical to {options.compare.name}'s",
                   f"{mine == theirs} ({len(mine)} records)")
    warc = gzip.decompress((work / "export.warc").read_bytes())
    report("WARC uncompressed (MB)", f"{len(warc) / 1e6:.1f}")


if __name__ == "__main__":
    main()
