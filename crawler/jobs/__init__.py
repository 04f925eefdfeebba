"""Orchestration: what a crawl, a re-fetch, an export or a distributed run does, in order.

A run is *planned* (crawler.jobs.plan: the documents read into the archive, the run recorded,
the due URLs counted), its items are *recorded* through one write path shared by every way a
page can be fetched (crawler.jobs.record), and its archive is held by one
:class:`~crawler.jobs.session.ArchiveSession` (one connection, one writer thread, the run
lock). crawler.jobs.local runs Scrapy in this process; crawler.jobs.distributed hands the
fetching to workers through Redis. Nothing here parses a command line or prints: results are
returned as typed records for crawler.api and the CLI to present.
"""
