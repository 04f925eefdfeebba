"""The single writer of a distributed crawl: items from Redis into the SQLite archive.

An item leaves Redis only after its check is committed (crawler.jobs.distributed.relay), so a
writer that dies loses nothing. While it waits, it puts back on the queue the URLs of workers
that died. Items are recorded by crawler.jobs.record, exactly as a local crawl records them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from crawler.core.clock import utcnow
from crawler.core.models import CheckResult, RunCounts, RunStatus
from crawler.core.schedule import Schedule
from crawler.errors import ArchiveError, ArchiveWriteError, RelayError
from crawler.fetch.items import Item
from crawler.jobs.distributed.relay import Relay
from crawler.jobs.record import counted, record
from crawler.storage import Archive

logger = logging.getLogger(__name__)


def ingest(relay: Relay, record_item: Callable[[Item], CheckResult], *, until_done: bool,
           stopping: Callable[[], bool], grace: float,
           run_done: Callable[[int], None] | None = None,
           refused: Callable[[str], None] = lambda why: None) -> None:
    """Write items until the run has none outstanding (``until_done``) or ``stopping()``;
    ``run_done`` is told each run whose every URL is archived (a long-running writer);
    ``refused`` is told why each quarantined item was (crawler.jobs.distributed.trust)."""
    relay.recover()
    last_sweep = 0.0
    while not stopping():
        if time.monotonic() - last_sweep > 5:
            relay.requeue_lost(grace)
            last_sweep = time.monotonic()
        taken = relay.take(timeout=1)
        if taken is None:
            if relay.outstanding() == 0:
                if until_done:
                    return
                run_id = relay.current_run()
                if run_id is not None and run_done is not None:
                    run_done(run_id)
                    relay.set_run(None)
            continue
        raw, item, why = taken
        if item is None:
            refused(why or "refused")
            continue
        try:
            record_item(item)
        except ArchiveWriteError:
            raise  # the item stays in Redis for the next writer
        except (ArchiveError, RelayError, TypeError, ValueError, AttributeError,
                OverflowError) as exc:
            # One bad item must not stop the writer (and come back at every start).
            why = f"cannot archive {getattr(item, 'requested_url', '?')}: {exc}"
            relay.quarantine(raw, why)
            refused(why)
            continue
        relay.done(raw, item.url_id)


class Writer:
    """A long-running writer (``sourcekeeper ingest``): records items under the run the
    coordinator set, and finishes each run once all its URLs are archived."""

    def __init__(self, archive: Archive, relay: Relay, schedule: Schedule):
        self.archive = archive
        self.relay = relay
        self.schedule = schedule
        self.counts = RunCounts()

    def record(self, item: Item) -> CheckResult:
        result = record(self.archive, item, self.relay.current_run(), self.schedule)
        self.counts = counted(self.counts, item, result)
        return result

    def refused(self, why: str) -> None:
        try:
            self.archive.write(self.archive.runs.refuse, why, utcnow())
        except ArchiveError as exc:
            logger.warning("could not count a refused item: %s", exc)

    def run_done(self, run_id: int) -> None:
        self.archive.write(self.archive.runs.finish, run_id, RunStatus.FINISHED, self.counts,
                           utcnow())
        self.counts = RunCounts()
