"""The crawl benchmark's limit, as a whole process: trafilatura alone on the same pages.

    python bench/extract_alone.py CORPUS COUNT [--workers 2]

Reads the bodies a crawl of ``COUNT`` URLs would fetch (the corpus pages in the order
bench/crawl.py cites them) and extracts each once, the way sourcekeeper calls trafilatura
(crawler.core.extraction.extract: article, metadata, visible text around it), in ``--workers``
processes. bench/crawl.py times it from the command to its exit, like the crawl it is compared
with, so both pay their start-up (imports, workers) and nothing else is left out of either.
Nothing is fetched, hashed, compressed or stored: this is what extraction alone costs.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from crawler.core.extraction import extract

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus_server import load  # noqa: E402


def _extract(item: tuple[bytes, str]) -> bool:
    return extract(item[0], None, item[1]) is not None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("corpus", type=Path)
    parser.add_argument("count", type=int)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    options = parser.parse_args()
    pages = load(options.corpus)
    items = [(pages[n % len(pages)][1], f"{options.base}{pages[n % len(pages)][0]}"
              f"?v={n // len(pages)}") for n in range(options.count)]
    with ProcessPoolExecutor(options.workers) as pool:
        found = sum(pool.map(_extract, items, chunksize=4))
    print(f"{found} of {len(items)} pages had text", file=sys.stderr)


if __name__ == "__main__":
    main()
