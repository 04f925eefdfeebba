"""What runs in other processes stays light: extraction workers load the domain only."""

from __future__ import annotations

from crawler.fetch.extract_worker import extract_and_pack
from pipelines.extract import _pool
from tests.helpers import FIXTURES

HEAVY = ("sqlite_utils", "sqlite3", "click", "scrapy", "twisted", "redis", "tenacity",
         "crawler.storage", "crawler.jobs", "crawler.cli", "crawler.api")


def loaded(modules: list[str], heavy: tuple[str, ...] = HEAVY) -> list[str]:
    return sorted(name for name in modules
                  if any(name == top or name.startswith(top + ".") for top in heavy))


def test_extraction_workers_import_neither_storage_nor_cli():
    pool = _pool(1)
    try:
        body = (FIXTURES / "pages" / "putin-offers.html").read_bytes()
        extraction, blob = pool.submit(extract_and_pack, body, "utf-8",
                                       "https://www.themoscowtimes.com/x", None).result(60)
        modules = pool.submit(eval, "sorted(__import__('sys').modules)").result(60)
    finally:
        pool.shutdown()
    assert extraction.title.startswith("Putin Offers") and blob.size == len(body)
    assert "crawler.core.extraction" in modules and "trafilatura" in modules
    assert loaded(modules) == []
