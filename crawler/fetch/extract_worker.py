"""What an extraction worker process does with a page: the CPU-heavy part, off the event loop.

Extraction (trafilatura) and compressing the body for the archive both cost milliseconds of
CPU per page; done here, in a worker process, they leave the crawling process free to
download. Only crawler.core is imported here (no Scrapy, no SQLite, no click), so a worker
starts light and stays small.
"""

from __future__ import annotations

from crawler.core.codec import compress
from crawler.core.extraction import extract
from crawler.core.hashing import sha256
from crawler.core.models import Blob, Extraction


def extract_and_pack(body: bytes, encoding: str | None, url: str,
                     content_language: str | None) -> tuple[Extraction | None, Blob]:
    """The page's extraction (or None) and its body compressed for the archive."""
    codec, data = compress(body)
    return extract(body, encoding, url, content_language), Blob(sha256(body), len(body),
                                                                 codec, data)
