"""The coordinator of a distributed crawl: documents in, due URLs out to Redis, items back.

It owns the archive: it reads the documents, queues the run's due URLs for the workers and,
unless a separate ingest process does it, writes what comes back until every URL of the run
is archived.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from crawler.archive import Archive, utcnow
from crawler.ingest import Tally, ingest, run_counts
from crawler.intake import intake
from crawler.relay import Relay
from crawler.url import canonical


def coordinate(paths: list[str], archive: Archive, relay: Relay, *, max_bytes: int,
               everything: bool, limit: int | None, write: bool,
               stopping: Callable[[], bool], grace: float) -> tuple[Tally, str]:
    """Run one distributed crawl; return its counts and how it ended (``finished``,
    ``interrupted``, or ``queued`` when another process writes the items)."""
    tally = Tally()
    ids = list(intake(archive, paths, max_bytes, tally)) if paths else None
    now = utcnow()
    tally["urls/cited"] = archive.count_due(now=now, everything=True, document_ids=ids)
    run_id = archive.start_run("crawl", {"documents": paths, "all": everything, "limit": limit,
                                         "redis": relay.prefix}, os.getpid())
    relay.set_run(run_id)
    targets = archive.due_urls(now=now, everything=everything, limit=limit, document_ids=ids)
    tally["urls/due"] = relay.enqueue(run_id, targets, canonical)
    if not write:
        return tally, "queued"
    ingest(relay, archive, tally, until_done=True, stopping=stopping, grace=grace)
    status = "interrupted" if stopping() else "finished"
    archive.finish_run(run_id, status, run_counts(tally))
    relay.set_run(None)
    return tally, status
