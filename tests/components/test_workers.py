"""What runs in other processes stays light: extraction workers load the domain only."""

from __future__ import annotations

import sys
import types

from crawler.fetch.extract_worker import extract_and_pack
from pipelines.extract import start_pool
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
