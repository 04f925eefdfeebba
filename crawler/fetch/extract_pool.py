"""The crawl's pool of extraction processes, started as soon as a crawl knows it will fetch.

Workers take a second or more to start: the forkserver imports trafilatura and its
dependencies before it forks them. Started when the first page arrives (as it was), that
second was spent with every downloaded page waiting; started by crawler.jobs.local right after
the run is planned (:func:`start_early`), it overlaps Scrapy's own start-up, on the other core.

The crawling process never imports trafilatura: the functions the pool runs are sent by name
from this module, which imports the worker's module only inside the worker process.

Why not ``concurrent.futures.ProcessPoolExecutor`` (used until 2026-11-26): each page was
handed over five times between three threads of the crawling process (the event loop, the
executor's manager thread, the queue's feeder thread, the manager again for the result, then
the event loop), 0.3 ms of the crawling process's CPU a page spent waking threads and
handing the GIL around, CPU taken from extraction on a busy machine (bench/README.md). Here each worker has a pipe for its tasks
and one for its results, and is given one page at a time: the event loop writes the page into
the pipe of an idle worker (a pipe of 1 MB: for all but the largest pages, this never waits)
and is woken by the worker's result pipe like by any socket. No thread of ours is involved.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import pickle
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from importlib.util import find_spec
from multiprocessing.connection import Connection
from typing import Any

try:
    import fcntl
except ImportError:  # not a Unix: no pipe sizes to set
    fcntl = None  # type: ignore[assignment]

_WORKER_MODULE = "crawler.fetch.extract_worker"
_WORKER_MAIN = "crawler.fetch.worker_main"  # what a worker runs as its main module
_early: tuple[int, Future[ExtractionPool]] | None = None  # workers, the pool starting
# A task pipe this large takes a whole page at once (most are under 1 MB): writing it to an
# idle worker never blocks the event loop. Linux only; elsewhere, or for a larger page, the
# write waits for the worker to read. (Answer pipes keep the default 64 KB: a worker may wait
# for the loop to read a large answer, and a user's pipe buffers are counted by the kernel.)
_PIPE_SIZE = 1 << 20
_F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)  # Linux's number, where Python lacks it
_STOP_WAIT = 5.0  # seconds a worker is given to exit once its task pipe is closed


def extract_and_pack(*args: Any) -> Any:
    """crawler.fetch.extract_worker.extract_and_pack, run in a worker."""
    from crawler.fetch.extract_worker import extract_and_pack as run

    return run(*args)


def _serve(tasks: Connection, results: Connection, crawl_pid: int) -> None:
    """A worker's life: run each task it is sent and send back ``(True, result)`` or
    ``(False, exception)``, until its task pipe is closed."""
    from crawler.fetch.extract_worker import watch_crawl

    # A Ctrl-C reaches every process of the terminal's group: the crawl decides what stops
    # (the pages in flight are still extracted), and closes this worker's pipe at the end.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watch_crawl(crawl_pid)
    while True:
        try:
            task = tasks.recv_bytes()
        except (EOFError, OSError):
            return
        answer: tuple[bool, Any]
        try:
            function, args = pickle.loads(task)
        except Exception as exc:  # a function this process cannot import
            answer = (False, RuntimeError(f"a task that cannot be read here: {exc}"))
        else:
            try:
                answer = (True, function(*args))
            except Exception as exc:
                answer = (False, exc)
        try:
            data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # what does not pickle is sent as words
            said = (f"{type(answer[1]).__name__}: {answer[1]}" if not answer[0]
                    else f"an answer that cannot be sent back ({exc})")
            data = pickle.dumps((False, RuntimeError(said)))
        try:
            results.send_bytes(data)
        except OSError:  # the crawl is gone, or gave up on this task
            return


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


class _Worker:
    def __init__(self, process: Any, tasks: Connection, results: Connection):
        self.process = process
        self.tasks = tasks
        self.results = results
        self.future: asyncio.Future[Any] | None = None  # the task it is running
        self.loop: asyncio.AbstractEventLoop | None = None  # that watches its answer

    def watched(self, loop: asyncio.AbstractEventLoop,
                answered: Callable[[_Worker, asyncio.AbstractEventLoop], None]) -> None:
        """Its answers read on ``loop`` (watched once: not per task, two system calls saved)."""
        if self.loop is not loop:
            self.unwatched()
            loop.add_reader(self.results.fileno(), answered, self, loop)
            self.loop = loop

    def unwatched(self) -> None:
        """No longer watched by its loop."""
        if self.loop is not None and not self.loop.is_closed():
            self.loop.remove_reader(self.results.fileno())
        self.loop = None

    def task_done(self) -> asyncio.Future[Any] | None:
        """The task it was running, if any, forgotten."""
        future, self.future = self.future, None
        return future


class ExtractionPool:
    """Worker processes (forkserver: forking under a running reactor is unsafe) importing
    only crawler.fetch.extract_worker, each running one task at a time. :meth:`run` is
    awaited on an asyncio event loop (the crawl's); a worker that dies fails its task with
    ``BrokenProcessPool`` and is replaced."""

    def __init__(self, workers: int):
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload([_WORKER_MODULE])
        self._lock = threading.Lock()  # the pool may be started in a thread (start_early)
        self._workers: list[_Worker] = []
        self._idle: deque[_Worker] = deque()
        self._waiting: deque[tuple[Callable[..., Any], tuple[Any, ...],
                                   asyncio.Future[Any]]] = deque()
        self._closed = False
        try:
            for _ in range(workers):
                self._idle.append(self._start_worker())
        except BaseException:
            self.shutdown()
            raise

    def _start_worker(self) -> _Worker:
        tasks_out, tasks_in = self._context.Pipe(duplex=False)
        results_out, results_in = self._context.Pipe(duplex=False)
        process = self._context.Process(target=_serve, args=(tasks_out, results_in, os.getpid()),
                                        name="sourcekeeper-extract", daemon=True)
        try:
            with _light_main():
                process.start()
        except BaseException:
            for end in (tasks_out, tasks_in, results_out, results_in):
                end.close()
            raise
        tasks_out.close()
        results_in.close()
        try:
            if fcntl is not None:
                fcntl.fcntl(tasks_in.fileno(), _F_SETPIPE_SZ, _PIPE_SIZE)
        except OSError:
            pass  # not Linux, or above the system's limit: writes may wait a little
        worker = _Worker(process, tasks_in, results_out)
        with self._lock:
            self._workers.append(worker)
        return worker

    async def run(self, function: Callable[..., Any], *args: Any) -> Any:
        """``function(*args)`` in a worker, as soon as one is free (``function`` is sent by
        name: a module-level function)."""
        if self._closed:
            raise RuntimeError("the extraction pool is shut down")
        if not self._workers:  # each died, and none could be started in its place then
            try:
                self._idle.append(self._start_worker())
            except Exception as exc:
                raise _none_started(exc) from None
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._waiting.append((function, args, future))
        self._dispatch(loop)
        return await future

    def _dispatch(self, loop: asyncio.AbstractEventLoop) -> None:
        while self._idle and self._waiting:
            function, args, future = self._waiting.popleft()
            if future.cancelled():
                continue
            worker = self._idle.popleft()
            try:
                data = pickle.dumps((function, args), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as exc:
                self._idle.appendleft(worker)
                future.set_exception(exc)
                continue
            worker.future = future
            worker.watched(loop, self._answered)
            try:
                worker.tasks.send_bytes(data)
            except OSError:  # it died since its last page: this one goes to its successor
                worker.task_done()
                self._waiting.appendleft((function, args, future))
                self._lost(worker, loop)
                return

    def _answered(self, worker: _Worker, loop: asyncio.AbstractEventLoop) -> None:
        try:
            ok, value = pickle.loads(worker.results.recv_bytes())
        except (EOFError, OSError):
            self._lost(worker, loop)
            return
        except Exception as exc:  # a result that does not unpickle
            ok, value = False, exc
        future = worker.task_done()
        if future is not None and not future.done():
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)
        if not self._closed:
            self._idle.append(worker)
            self._dispatch(loop)

    def _lost(self, worker: _Worker, loop: asyncio.AbstractEventLoop) -> None:
        """A worker died (killed, out of memory, a crash in lxml): its task fails, and a new
        worker takes its place (the forkserver forks it at once)."""
        worker.unwatched()
        future = worker.task_done()
        self._stop(worker, wait=0.0)
        with self._lock:
            if worker in self._workers:
                self._workers.remove(worker)
        if worker in self._idle:  # it died between two pages
            self._idle.remove(worker)
        if future is not None and not future.done():
            code = worker.process.exitcode
            future.set_exception(BrokenProcessPool(
                f"an extraction process died (exit code {code})"))
        if not self._closed:
            try:
                self._idle.append(self._start_worker())
            except Exception as exc:
                for _, _, waiting in self._waiting:
                    if not waiting.done():
                        waiting.set_exception(_none_started(exc))
                self._waiting.clear()
                return
        self._dispatch(loop)

    def _stop(self, worker: _Worker, wait: float) -> None:
        for connection in (worker.tasks, worker.results):
            connection.close()
        worker.process.join(wait)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join(1.0)

    def shutdown(self) -> None:
        """Stop the workers (each finishes the task it runs, if any) and fail the tasks
        still waiting. A pool started in a thread may be shut down from another."""
        self._closed = True
        for _, _, future in self._waiting:
            future.cancel()
        self._waiting.clear()
        with self._lock:
            workers, self._workers = self._workers, []
        self._idle.clear()
        for worker in workers:
            worker.unwatched()
            if (future := worker.task_done()) is not None:
                future.cancel()
            worker.tasks.close()  # the worker's end of file: it exits once its task is done
            worker.results.close()  # and sends its answer to nobody, without waiting
        for worker in workers:
            worker.process.join(_STOP_WAIT)
            self._stop(worker, wait=0.0)


def _none_started(error: Exception) -> BrokenProcessPool:
    return BrokenProcessPool(f"no extraction process could start: {error}")


def pool_size(setting: int | None) -> int:
    """The number of extraction processes ``EXTRACT_WORKERS`` asks for: unset, one per CPU."""
    return (os.cpu_count() or 1) if setting is None else setting


def start_pool(workers: int) -> ExtractionPool:
    """A pool of ``workers`` extraction processes, started."""
    return ExtractionPool(workers)


def start_early(workers: int) -> None:
    """Start the pool in a thread now; :func:`take` hands it to the extraction pipeline."""
    global _early
    if _early is not None or workers < 1:
        return
    future: Future[ExtractionPool] = Future()

    def start() -> None:
        try:
            future.set_result(start_pool(workers))
        except BaseException as exc:  # the pipeline starts its own, and says why if it fails
            future.set_exception(exc)

    threading.Thread(target=start, name="extract-pool", daemon=True).start()
    _early = (workers, future)


def take(workers: int) -> Future[ExtractionPool] | None:
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


def _shutdown(future: Future[ExtractionPool]) -> None:
    try:
        future.result().shutdown()
    except Exception:
        pass
