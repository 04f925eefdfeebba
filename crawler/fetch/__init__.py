"""Scrapy building blocks: how a URL becomes a request and a response (or a failure) an item.

Downloader middlewares (``guard``: no private addresses; ``robots``: robots.txt for every
request; ``retry``: backoff and Retry-After; ``capture``: the exchange as it went over the
wire), the progress extension, the items the spiders yield and the pipelines pass on, and the
extraction worker's entry point. Each component is built by Scrapy from its settings
(``from_crawler``) and switches itself off with ``NotConfigured`` when not wanted.

Nothing here opens the archive: what an item means for the archive is decided in
crawler.jobs, and the spiders and pipelines that connect the two are thin adapters.
"""
