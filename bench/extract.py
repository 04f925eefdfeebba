"""Extraction quality and cost over the shared news-pages corpus (run by hand).

    python bench/extract.py [../shared/corpora/news-pages]

Prints the share of expected snippets found, of boilerplate snippets kept out, and the
median and p95 milliseconds per page for ``crawler.core.extraction.extract``.
"""

from __future__ import annotations

import gzip
import json
import statistics
import sys
import time
from pathlib import Path

from crawler.core.extraction import extract


def main(corpus: Path) -> None:
    entries = [json.loads(line) for line in (corpus / "manifest.jsonl").open()]
    found = wanted = kept_out = unwanted = 0
    timings = []
    for entry in entries:
        body = gzip.decompress((corpus / entry["file"]).read_bytes())
        start = time.perf_counter()
        result = extract(body, None, entry["url"])
        timings.append((time.perf_counter() - start) * 1000)
        text = result.text if result else ""
        found += sum(snippet in text for snippet in entry["with"])
        wanted += len(entry["with"])
        kept_out += sum(snippet not in text for snippet in entry.get("without", []))
        unwanted += len(entry.get("without", []))
    timings.sort()
    print(f"pages: {len(entries)}")
    print(f"main text found: {found}/{wanted} = {found / wanted:.3f}")
    print(f"boilerplate kept out: {kept_out}/{unwanted} = {kept_out / unwanted:.3f}")
    print(f"ms per page: median {statistics.median(timings):.1f}, "
          f"p95 {timings[int(len(timings) * 0.95)]:.1f}, max {timings[-1]:.1f}")


if __name__ == "__main__":
    default = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "news-pages"
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
