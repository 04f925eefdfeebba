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


class StopFlag:
    """SIGINT/SIGTERM for the processes that are not Scrapy's (coordinator, ingest): finish
    the item in hand, then stop. Call it to ask whether a signal came."""

    def __init__(self) -> None:
        import signal

        self.signal: int | None = None
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, self._received)

    def _received(self, signum: int, frame: object) -> None:
        self.signal = signum

    def __call__(self) -> bool:
        return self.signal is not None
