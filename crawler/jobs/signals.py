"""Stop signals outside Scrapy: while a run is planned, and in the processes that are not
Scrapy's (the Redis coordinator and writer).

Scrapy installs its graceful SIGINT/SIGTERM handlers only when it starts; reading a folder of
30,000 documents happens before that. A signal then must still stop the run as gracefully:
the run recorded as interrupted with what it had done, the summary printed, exit 128 + N.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager

from crawler.core.models import RunCounts

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Stopped(BaseException):
    """A stop signal arrived while a run was being planned; carries the run (when it was
    already recorded) and what it had done by then. A BaseException, like KeyboardInterrupt,
    so that no ``except Exception`` swallows it."""

    def __init__(self, signum: int, run_id: int | None = None,
                 counts: RunCounts | None = None):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum
        self.run_id = run_id
        self.counts = counts or RunCounts()


@contextmanager
def stop_signals() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise :class:`Stopped`."""

    def stop(signum: int, frame: object) -> None:
        raise Stopped(signum)

    previous = {signum: signal.signal(signum, stop) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


class StopFlag:
    """SIGINT/SIGTERM for the processes that are not Scrapy's (coordinator, ingest): finish
    the item in hand, then stop. Call it to ask whether a signal came."""

    def __init__(self) -> None:
        self.signal: int | None = None
        for signum in STOP_SIGNALS:
            signal.signal(signum, self._received)

    def _received(self, signum: int, frame: object) -> None:
        self.signal = signum

    def __call__(self) -> bool:
        return self.signal is not None
