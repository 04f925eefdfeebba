"""The crawl's pool of extraction processes, started as soon as a crawl knows it will fetch.

Workers take a second or more to start: the forkserver imports trafilatura and its
dependencies before it forks them. Started when the first page arrives (as it was), that
second was spent with every downloaded page waiting; started by crawler.jobs.local right after
the run is planned (:func:`start_early`), it overlaps Scrapy's own start-up, on the other core.

The crawling process never imports trafilatura: the functions the pool runs are sent by name
from this module, which imports the worker's module only inside the worker process.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from importlib.util import find_spec
from typing import Any

_WORKER_MODULE = "crawler.fetch.extract_worker"
_WORKER_MAIN = "crawler.fetch.worker_main"  # what a worker runs as its main module
_early: tuple[int, Future[ProcessPoolExecutor]] | None = None  # workers, the pool starting


def extract_and_pack(*args: Any) -> Any:
    """crawler.fetch.extract_worker.extract_and_pack, run in a worker."""
    from crawler.fetch.extract_worker import extract_and_pack as run

    return run(*args)


def _watch_crawl(crawl_pid: int) -> None:
    from crawler.fetch.extract_worker import watch_crawl

    watch_crawl(crawl_pid)


@contextmanager
def _light_main() -> Iterator[None]:
    """A worker process prepares itself by importing its parent's main module. Under the
    ``sourcekeeper`` console script that is a script importing the whole command line, which
    a worker never runs; while workers start, the main module names the worker's own module
    instead (crawler.fetch.worker_main; ``python -m crawler`` needs nothing: a package's
    ``__main__`` is skipped)."""
    main = sys.modules["__main__"]
    if getattr(main, "__spec__", None) is not None:
        yield
        return
    main.__spec__ = find_spec(_WORKER_MAIN)
    try:
        yield
    finally:
        main.__spec__ = None


def pool_size(setting: int | None) -> int:
    """The number of extraction processes ``EXTRACT_WORKERS`` asks for: unset, one per CPU."""
    return (os.cpu_count() or 1) if setting is None else setting


def start_pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` extraction processes, started (forkserver: forking under a
    running reactor is unsafe), importing only crawler.fetch.extract_worker."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([_WORKER_MODULE])
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context,
                               initializer=_watch_crawl, initargs=(os.getpid(),))
    with _light_main():
        pool.submit(int).result()  # the processes start with the first task
    return pool


def start_early(workers: int) -> None:
    """Start the pool in a thread now; :func:`take` hands it to the extraction pipeline."""
    global _early
    if _early is not None or workers < 1:
        return
    future: Future[ProcessPoolExecutor] = Future()

    def start() -> None:
        try:
            future.set_result(start_pool(workers))
        except BaseException as exc:  # the pipeline starts its own, and says why if it fails
            future.set_exception(exc)

    threading.Thread(target=start, name="extract-pool", daemon=True).start()
    _early = (workers, future)


def take(workers: int) -> Future[ProcessPoolExecutor] | None:
    """The pool :func:`start_early` is starting, if it has that many workers (once)."""
    global _early
    early, _early = _early, None
    if early is None:
        return None
    if early[0] != workers:
        _shutdown(early[1])
        return None
    return early[1]


def discard() -> None:
    """Stop an early pool nobody took (a run whose pages all needed no extraction)."""
    global _early
    early, _early = _early, None
    if early is not None:
        _shutdown(early[1])


def _shutdown(future: Future[ProcessPoolExecutor]) -> None:
    try:
        future.result().shutdown(wait=True, cancel_futures=True)
    except Exception:
        pass
