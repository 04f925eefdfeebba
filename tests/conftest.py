"""Fixtures shared by every tier: a local fixture site, rendered documents, the CLI.

Tiers (folders): ``unit`` (crawler.core, pure), ``storage`` (real SQLite files),
``components`` (Scrapy components and whole crawls in this process, against a real local
HTTP server), ``cli`` (the commands through click's CliRunner), ``e2e`` (the ``sourcekeeper``
command in subprocesses: signals, crashes, locks, Redis). ``pytest -m "not e2e"`` runs the
fast tiers.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import FIXTURES, fixture_site, render, run_cli
from tests.server import FixtureServer


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "e2e" in Path(str(item.fspath)).parts:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def server():
    with FixtureServer() as running:
        fixture_site(running)
        yield running


@pytest.fixture
def documents(tmp_path, server) -> Path:
    return render(FIXTURES / "docs", tmp_path / "docs", server.base)


@pytest.fixture
def sourcekeeper(tmp_path):
    def run(*args: str, **kwargs):
        kwargs.setdefault("cwd", tmp_path)
        return run_cli(*args, **kwargs)

    return run
