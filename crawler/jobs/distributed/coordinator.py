"""The coordinator of a distributed crawl: documents in, due URLs out to Redis, items back.

It plans the run exactly as a local crawl does (the same session: lock, documents, counts),
queues the run's due URLs for the workers and, unless a separate ``ingest`` does it, writes
what comes back until every URL of the run is archived.

Settings: ``RELAY_REQUEUE_AFTER`` (seconds): once the queue has run dry, a URL of the run
that no worker has claimed for this long is queued again (a worker that died before its
heartbeat was seen).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from crawler import config
from crawler.core.models import CrawlJob, CrawlResult, RunStatus
from crawler.jobs.distributed.ingest import ingest
from crawler.jobs.distributed.relay import Relay
from crawler.jobs.session import ArchiveSession


def coordinate(job: CrawlJob, settings: Any, relay: Relay, *, write: bool,
               stopping: Callable[[], bool], signal: Callable[[], int | None]) -> CrawlResult:
    """Run one distributed crawl; its status is ``finished``, ``interrupted``, or ``queued``
    when another process writes the items (the run then stays ``running`` until it does)."""
    session = ArchiveSession.open(dataclasses.replace(job, relay_prefix=relay.prefix), settings)
    try:
        relay.set_run(session.run_id)
        queued = relay.enqueue(session.run_id, session.plan.targets(session.archive))
        session.counts = dataclasses.replace(session.counts, urls_due=queued)
        if not write:
            session.hand_over()
            return session.result()
        ingest(relay, session.record_now, until_done=True, stopping=stopping,
               grace=config.get(settings, "RELAY_REQUEUE_AFTER"), refused=session.refuse_now)
        session.finish_now(RunStatus.INTERRUPTED if stopping() else RunStatus.FINISHED)
        relay.set_run(None)
        return session.result(signal())
    finally:
        session.close()
