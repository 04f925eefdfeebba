"""The domain, pure: what a document cites, how a page's text is read and compared, when a URL
is due, what state a source is in, how much of a document it still carries.

Nothing here does I/O, opens SQLite, imports Scrapy or click, or reads a setting: every value
comes in as an argument and every answer goes out as a return value, so each rule is tested
in microseconds and runs the same in a crawl, an extraction worker, a Redis worker or a
benchmark. Modules here import only each other, the standard library, parsing libraries
(lxml, trafilatura, w3lib) and :mod:`crawler.errors`.
"""
