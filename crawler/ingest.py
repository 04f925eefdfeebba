"""The single writer of a distributed crawl: items from Redis into the SQLite archive.

An item leaves Redis only after its snapshot is committed (crawler.relay), so a writer that
dies loses nothing. While it waits, it puts back on the queue the URLs of workers that died.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable

from crawler.archive import Archive, ArchiveError, ArchiveWriteError
from crawler.record import count, record
from crawler.relay import Relay, RelayError

logger = logging.getLogger(__name__)


class Tally(Counter):
    """Counts with the ``inc_value`` of Scrapy's stats, for crawler.record.count."""

    def inc_value(self, key: str, count: int = 1) -> None:
        self[key] += count


def ingest(relay: Relay, archive: Archive, tally: Tally, *, until_done: bool,
           stopping: Callable[[], bool], grace: float = 60.0) -> None:
    """Write items until the run has none outstanding (``until_done``) or ``stopping()``."""
    relay.recover()
    last_sweep = 0.0
    while not stopping():
        if time.monotonic() - last_sweep > 5:
            relay.requeue_lost(grace)
            last_sweep = time.monotonic()
        taken = relay.take(timeout=1)
        if taken is None:
            run_id = relay.current_run()
            if relay.outstanding() == 0 and run_id is not None and not until_done:
                archive.finish_run(run_id, "finished", run_counts(tally))
                relay.set_run(None)
            if until_done and relay.outstanding() == 0:
                return
            continue
        raw, item = taken
        try:
            outcome = record(archive, item, relay.current_run())
        except ArchiveWriteError:
            raise  # the item stays in Redis for the next writer
        except (ArchiveError, RelayError) as exc:
            logger.error("cannot archive %s: %s", getattr(item, "requested_url", "?"), exc)
            relay.discard(raw)
            continue
        count(tally, item, outcome)
        relay.done(raw, item.url_id)


def run_counts(tally: Counter) -> dict[str, int]:
    return {"documents": tally["documents/read"], "urls": tally["urls/due"],
            "new": tally["archive/snapshots/new"], "changed": tally["archive/snapshots/changed"],
            "unchanged": tally["archive/snapshots/unchanged"],
            "failed": tally["archive/failures"]}
