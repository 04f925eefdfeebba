"""How bodies are compressed for the archive and for the trip through Redis.

Bodies are stored with zstd level 10: on the news-pages corpus 5.5x smaller at about 100 MB/s,
against zlib's 5.0x at 76 MB/s (bench/compression.py). The codec's name is stored beside the
data, so bodies written by an older sourcekeeper (zlib) still read.
"""

from __future__ import annotations

import zlib

try:
    from compression import zstd  # Python 3.14+
except ImportError:
    from backports import zstd

ZSTD_LEVEL = 10


def compress(data: bytes) -> tuple[str, bytes]:
    """``(codec, compressed)`` for a body."""
    return "zstd", zstd.compress(data, ZSTD_LEVEL)


def decompress(codec: str, data: bytes) -> bytes:
    if codec == "zstd":
        return zstd.decompress(data)
    if codec == "zlib":
        return zlib.decompress(data)
    return data
