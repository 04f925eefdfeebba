"""How bodies are compressed for the archive and for the trip through Redis.

Bodies are stored with zstd at level 3 (its default): on the news-pages corpus 5.0x smaller at
about 500 MB/s, where level 10 gives 5.5x at 100 MB/s and zlib 5.0x at 76 MB/s
(bench/compression.py). Every new body is compressed in an extraction worker, whose CPU is
the crawl's speed: level 10 cost 1.3 ms more a page (4% of a page's work) for bodies 9%
smaller. The codec's name is stored beside the data, so bodies written by an older
sourcekeeper (zlib, or zstd at another level) still read.
"""

from __future__ import annotations

import zlib

try:
    from compression import zstd  # Python 3.14+
except ImportError:
    from backports import zstd

ZSTD_LEVEL = 3


def compress(data: bytes) -> tuple[str, bytes]:
    """``(codec, compressed)`` for a body."""
    return "zstd", zstd.compress(data, ZSTD_LEVEL)


def decompress(codec: str, data: bytes, limit: int | None = None) -> bytes:
    """The data a body was compressed from; with ``limit``, never more than that many
    bytes (a 44 KB item from Redis that inflates to 1 GiB): ValueError instead."""
    if codec == "zstd":
        if limit is None:
            return zstd.decompress(data)
        body = zstd.ZstdDecompressor().decompress(data, max_length=limit + 1)
    elif codec == "zlib":
        if limit is None:
            return zlib.decompress(data)
        body = zlib.decompressobj().decompress(data, limit + 1)
    else:
        body = data
    if limit is not None and len(body) > limit:
        raise ValueError(f"more than {limit} bytes once decompressed")
    return body
