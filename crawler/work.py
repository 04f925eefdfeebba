"""What an extraction worker process does with a page: the CPU-heavy part, off the event loop.

Extraction (trafilatura) and compressing the body for the archive both cost milliseconds of
CPU per page; done here, in a worker process, they leave the crawling process free to
download. Nothing here imports Scrapy, so workers start light.
"""

from __future__ import annotations

from typing import Any

from crawler.archive import compress
from crawler.text import extract


def extract_and_pack(body: bytes, encoding: str | None, url: str,
                     content_language: str | None) -> tuple[dict[str, Any] | None,
                                                            tuple[str, bytes]]:
    """The page's extraction (or None) and its body compressed for the archive."""
    return extract(body, encoding, url, content_language), compress(body)
