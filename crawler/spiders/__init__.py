"""Scrapy's spiders: ``sources`` (crawls and re-fetches) and ``worker`` (distributed
crawls, only with the ``redis`` extra). Thin adapters: what to fetch and what an item means
for the archive are decided in crawler.jobs."""
