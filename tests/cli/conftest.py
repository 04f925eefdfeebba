"""The commands through click's CliRunner, against archives built by real crawls in this
process."""

from __future__ import annotations

import pytest
import pytest_twisted
from click.testing import CliRunner

from crawler.cli import cli
from tests.helpers import RELATED, crawl_here
from tests.server import page


@pytest.fixture
def invoke():
    """Run a ``sourcekeeper`` command line in this process; stdout and stderr kept apart."""

    def run(*args: str):
        return CliRunner().invoke(cli, list(args), prog_name="sourcekeeper",
                                  catch_exceptions=False)

    return run


@pytest_twisted.async_fixture
async def crawled(documents, server, tmp_path):
    """The fixture documents crawled; then the related page changed and re-fetched."""
    db = tmp_path / "archive.db"
    assert (await crawl_here(db, [documents])).finished
    server.route(RELATED, page("putin-offers.html"))
    assert (await crawl_here(db, url=server.url(RELATED))).finished
    return db


@pytest_twisted.async_fixture
async def seed_twice(documents, server, tmp_path):
    """Two crawls of the seed document; the related page changed in between."""
    db = tmp_path / "archive.db"
    doc = documents / "moscow-times.txt"
    assert (await crawl_here(db, [doc])).finished
    server.route(RELATED, page("putin-offers.html"))
    assert (await crawl_here(db, [doc], everything=True)).finished
    return db
