"""Item pipelines: thin Scrapy adapters over crawler.jobs.

``dedupe`` (skip extraction of a body we already hold), ``extract`` (text and metadata in
worker processes), ``archive`` (record each item through the run's archive session) and
``relay`` (a distributed worker's items back to the writer through Redis). The archive
pipelines use the session of the spider being crawled (crawler.spiders.sources).
"""
