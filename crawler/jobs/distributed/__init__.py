"""Distributed crawls: the fetching shared by workers through Redis, the archive kept local.

The coordinator (``crawl --redis``) plans the run as a local crawl does and queues its due
URLs; workers on any number of machines fetch and extract them and send each item back; one
writer (the coordinator, or a separate ``ingest``) records them through the same write path
as a local crawl. The SQLite archive never leaves its machine. Needs the ``redis`` extra;
nothing here imports it until a distributed command runs.
"""

from __future__ import annotations

from importlib.util import find_spec

from crawler.errors import MissingExtra


def require_redis(feature: str) -> None:
    """Raise :class:`MissingExtra` (one line naming the extra) without redis/scrapy-redis."""
    if find_spec("redis") is None or find_spec("scrapy_redis") is None:
        raise MissingExtra(feature, "redis")

