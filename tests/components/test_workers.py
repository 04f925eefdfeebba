"""What runs in other processes stays light: extraction workers load the domain only."""

from __future__ import annotations

import subprocess
import sys
import types

from crawler.fetch import extract_pool
from crawler.fetch.extract_pool import extract_and_pack, start_pool
from tests.helpers import FIXTURES

HEAVY = ("sqlite_utils", "sqlite3", "click", "scrapy", "twisted", "redis", "tenacity",
         "crawler.storage", "crawler.jobs", "crawler.cli", "crawler.api")


def heavy(modules: list[str]) -> list[str]:
    return sorted(name for name in modules
                  if any(name == top or name.startswith(top + ".") for top in HEAVY))


def loaded_in_a_worker() -> list[str]:
    pool = start_pool(1)
    try:
        body = (FIXTURES / "pages" / "putin-offers.html").read_bytes()
        extraction, blob = pool.submit(extract_and_pack, body, "utf-8",
                                       "https://www.themoscowtimes.com/x", None).result(60)
        assert extraction.title.startswith("Putin Offers") and blob.size == len(body)
        return pool.submit(eval, "sorted(__import__('sys').modules)").result(60)
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
        extraction, _ = pool.submit(extract_and_pack, body, "utf-8",
                                    "https://www.themoscowtimes.com/x", None).result(60)
        assert extraction.title.startswith("Putin Offers")
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

    before = gc.get_threshold()
    with collected_rarely():
        assert gc.get_threshold()[0] > before[0] and gc.get_freeze_count() > 0
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
