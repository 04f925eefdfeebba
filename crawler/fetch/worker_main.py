"""The main module of an extraction worker process: nothing.

A worker started by the forkserver first imports its parent's main module. Under the
``sourcekeeper`` console script that would be the whole command line, so while workers start
the parent names this module instead (crawler.fetch.extract_pool). It must be a module the
forkserver has not imported already: naming crawler.fetch.extract_worker itself, which the
forkserver preloads, made every crawl print Python's warning that the module was "found in
sys.modules ... prior to execution".
"""
