"""How raw bodies compress: zlib against zstd at a few levels (run by hand).

    python bench/compression.py [../shared/corpora/news-pages]
"""

from __future__ import annotations

import gzip
import json
import sys
import time
import zlib
from pathlib import Path

try:
    from compression import zstd
except ImportError:
    from backports import zstd

CODECS = {
    "zlib-6": (lambda b: zlib.compress(b, 6), zlib.decompress),
    "zlib-9": (lambda b: zlib.compress(b, 9), zlib.decompress),
    "zstd-3": (lambda b: zstd.compress(b, 3), zstd.decompress),
    "zstd-10": (lambda b: zstd.compress(b, 10), zstd.decompress),
    "zstd-19": (lambda b: zstd.compress(b, 19), zstd.decompress),
}


def main(corpus: Path) -> None:
    bodies = [gzip.decompress((corpus / json.loads(line)["file"]).read_bytes())
              for line in (corpus / "manifest.jsonl").open()]
    raw = sum(map(len, bodies))
    print(f"{len(bodies)} pages, {raw / len(bodies) / 1024:.1f} KB per page raw")
    print(f"{'codec':8} {'ratio':>6} {'KB/page':>8} {'compress MB/s':>14} {'decompress MB/s':>16}")
    for name, (compress, decompress) in CODECS.items():
        start = time.perf_counter()
        packed = [compress(body) for body in bodies]
        packing = time.perf_counter() - start
        start = time.perf_counter()
        for blob in packed:
            decompress(blob)
        unpacking = time.perf_counter() - start
        size = sum(map(len, packed))
        print(f"{name:8} {raw / size:6.2f} {size / len(bodies) / 1024:8.1f} "
              f"{raw / packing / 1e6:14.1f} {raw / unpacking / 1e6:16.1f}")


if __name__ == "__main__":
    default = Path(__file__).resolve().parents[1].parent / "shared" / "corpora" / "news-pages"
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
