"""What runs in other processes stays light (extraction workers load the domain only), and
the extraction pool answers every page: a worker's error, death or Ctrl-C included."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import types
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import pytest

from crawler.fetch import extract_pool
from crawler.fetch.extract_pool import extract_and_pack, start_pool
from crawler.fetch.extract_worker import alive
from tests.helpers import FIXTURES, wait_for

HEAVY = ("sqlite_utils", "sqlite3", "click", "scrapy", "twisted", "redis", "tenacity",
         "crawler.storage", "crawler.jobs", "crawler.cli", "crawler.api")


def heavy(modules: list[str]) -> list[str]:
    return sorted(name for name in modules
                  if any(name == top or name.startswith(top + ".") for top in HEAVY))


def on_a_loop(coroutine):
    """Run ``coroutine`` on an event loop of its own (this process's test reactor runs one
    already, which asyncio.run would refuse)."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, asyncio.wait_for(coroutine, 60)).result()


def run(pool, function, *args):
    """``function(*args)`` in one of the pool's workers, awaited as the crawl awaits it."""
    return on_a_loop(pool.run(function, *args))


def loaded_in_a_worker() -> list[str]:
    pool = start_pool(1)
    try:
        body = (FIXTURES / "pages" / "putin-offers.html").read_bytes()
        extraction, blob = run(pool, extract_and_pack, body, "utf-8",
                               "https://www.themoscowtimes.com/x", None)
        assert extraction.title.startswith("Putin Offers") and blob.size == len(body)
        return run(pool, eval, "sorted(__import__('sys').modules)")
    finally:
        pool.shutdown()


def test_extraction_workers_import_neither_storage_nor_cli():
    modules = loaded_in_a_worker()
    assert "crawler.core.extraction" in modules and "trafilatura" in modules
    assert heavy(modules) == []


def test_nor_when_started_by_the_console_script(tmp_path, monkeypatch):
    """Under the ``sourcekeeper`` script, workers would import the script (the whole CLI)."""
    script = tmp_path / "sourcekeeper"
    script.write_text("import click\nfrom crawler.cli import main\n")
    console = types.ModuleType("__main__")
    console.__file__ = str(script)
    console.__spec__ = None
    monkeypatch.setitem(sys.modules, "__main__", console)
    assert heavy(loaded_in_a_worker()) == []


def test_the_crawling_process_does_not_import_trafilatura():
    """Workers extract; the crawl sends them the work by name and never loads trafilatura."""
    code = ("import sys, pipelines.extract, pipelines.archive, pipelines.dedupe,"
            " crawler.jobs.local, crawler.spiders.sources;"
            " print(sorted(m for m in sys.modules if m.split('.')[0] in"
            " ('trafilatura', 'htmldate', 'justext', 'dateparser')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"


def test_a_pool_started_early_is_taken_once_and_works():
    extract_pool.start_early(1)
    early = extract_pool.take(1)
    assert early is not None and extract_pool.take(1) is None
    pool = early.result(60)
    try:
        body = (FIXTURES / "pages" / "putin-offers.html").read_bytes()
        extraction, _ = run(pool, extract_and_pack, body, "utf-8",
                            "https://www.themoscowtimes.com/x", None)
        assert extraction.title.startswith("Putin Offers")
    finally:
        pool.shutdown()


@pytest.fixture
def pool():
    """A pool of one extraction process."""
    started = start_pool(1)
    yield started
    started.shutdown()


def test_a_worker_that_dies_fails_its_page_and_is_replaced(pool):
    first = run(pool, os.getpid)
    with pytest.raises(BrokenProcessPool, match="an extraction process died"):
        run(pool, os.kill, first, signal.SIGKILL)
    assert run(pool, os.getpid) != first
    assert run(pool, sum, [1, 2, 3]) == 6


def test_an_exception_in_a_worker_is_raised_where_the_page_is_awaited(pool):
    with pytest.raises(ValueError, match="not a number"):
        run(pool, int, "not a number")
    assert run(pool, int, "7") == 7


def test_a_ctrl_c_does_not_stop_a_worker(pool):
    worker = run(pool, os.getpid)
    os.kill(worker, signal.SIGINT)  # the crawl decides what stops, and tells its workers
    assert run(pool, os.getpid) == worker


def test_many_pages_at_once_each_get_their_answer():
    pool = start_pool(2)

    async def many():
        return await asyncio.gather(*(pool.run(len, b"x" * size)
                                      for size in range(0, 3_000_000, 100_000)))

    try:
        assert on_a_loop(many()) == list(range(0, 3_000_000, 100_000))
    finally:
        pool.shutdown()


def test_a_pool_started_early_of_another_size_is_stopped_not_taken():
    extract_pool.start_early(1)
    assert extract_pool.take(2) is None
    extract_pool.start_early(1)
    extract_pool.discard()
    assert extract_pool.take(1) is None


def test_a_body_the_archive_holds_is_extracted_but_not_compressed_again():
    body = (FIXTURES / "pages" / "putin-offers.html").read_bytes()
    extraction, blob = extract_and_pack(body, "utf-8", "https://www.themoscowtimes.com/x",
                                        None, False)
    assert extraction.title.startswith("Putin Offers") and blob is None
    _, packed = extract_and_pack(body, "utf-8", "https://www.themoscowtimes.com/x", None)
    assert packed is not None and packed.size == len(body)


def test_a_crawl_with_nothing_due_never_imports_scrapy(tmp_path):
    """A cron run between due times reads the documents and ends: Scrapy (0.1 s to import,
    a quarter of its start-up budget) is not loaded, and the documents' warnings are still
    logged, in the format asked for."""
    db = tmp_path / "a.db"
    (tmp_path / "empty.txt").write_text("no links here\n")
    (tmp_path / "huge.txt").write_text("x" * 2000)
    code = ("import sys; from crawler import api;"
            f" r = api.crawl([{str(tmp_path)!r}], db={str(db)!r},"
            " settings={'DOCUMENT_MAX_BYTES': 1000, 'LOG_LEVEL': 'WARNING',"
            " 'LOG_FORMAT': 'logged: %(message)s', 'MEMENTO_FALLBACK': False});"
            " print(r.status, r.counts.documents_read, r.counts.urls_due);"
            " print(sorted({m.split('.')[0] for m in sys.modules} & {'scrapy', 'twisted'}))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.splitlines() == ["finished 1 0", "[]"]
    assert "logged: " in done.stderr and "huge.txt" in done.stderr


def test_the_collector_is_tuned_while_a_crawl_runs_and_given_back():
    import gc

    from crawler.jobs.process_setup import collected_rarely

    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    with collected_rarely():
        assert gc.get_threshold()[0] > before[0] and gc.get_freeze_count() > frozen
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == frozen or frozen > 0  # a program's own freeze stays


def test_a_worker_that_dies_between_two_pages_is_replaced(pool):
    first = run(pool, os.getpid)
    os.kill(first, signal.SIGKILL)
    wait_for(lambda: not alive(first), what="the worker to die")
    try:
        # Sent to its successor; or, when the forkserver that forked the worker has not
        # yet closed its copy of the worker's pipe, to the dead worker, and failed.
        assert run(pool, sum, [1, 2]) == 3
    except BrokenProcessPool:
        pass
    assert run(pool, os.getpid) != first
    assert run(pool, sum, [1, 2]) == 3


def test_an_answer_that_cannot_be_sent_back_is_told_in_words(pool):
    # A lock cannot be pickled: the worker says so instead of dying.
    with pytest.raises(RuntimeError, match="an answer that cannot be sent back"):
        run(pool, threading.Lock)
    assert run(pool, sum, [2, 2]) == 4


def test_a_task_the_worker_cannot_read_is_told_in_words(pool, monkeypatch):
    # A function of a module that exists only in this process: the worker cannot import it.
    module = types.ModuleType("sourcekeeper_nowhere")
    exec("def nothing():\n    return None\n", module.__dict__)
    monkeypatch.setitem(sys.modules, "sourcekeeper_nowhere", module)
    with pytest.raises(RuntimeError, match="a task that cannot be read here: No module named"):
        run(pool, module.nothing)
    assert run(pool, sum, [2, 3]) == 5
