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
from crawler.storage import writing

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


_requested: int | None = None


@contextmanager
def stop_signals() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM stop the run at once (:class:`Stopped`), even in
    the middle of reading a huge document, unless a write transaction is open: a signal
    raising there could leave it open, and the run could not be recorded as interrupted.
    Then :func:`check_stop`, called between two documents, raises it once the write is
    done. A second signal raises at once."""

    def stop(signum: int, frame: object) -> None:
        global _requested
        if _requested is not None or not writing():
            raise Stopped(signum)
        _requested = signum

    global _requested
    _requested = None
    previous = {signum: signal.signal(signum, stop) for signum in STOP_SIGNALS}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        _requested = None


def check_stop() -> None:
    """Raise :class:`Stopped` when a stop signal came within :func:`stop_signals`."""
    if _requested is not None:
        raise Stopped(_requested)


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
