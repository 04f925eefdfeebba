"""Shared fixtures: a local fixture site, rendered documents, and the CLI as a subprocess."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.server import FIXTURES, FixtureServer, Reply, gzipped, page, redirect

PLACEHOLDER = b"http://sourcekeeper.test"
PUTIN = "/2021/04/22/putin-offers-to-meet-ukraine-president-in-moscow-any-time-a73711"
RELATED = "/2025/07/01/russia-to-withdraw-troops-from-ukraine-border-crimea"
# Settings that make a crawl of 127.0.0.1 quick without changing what it does.
FAST = ["--allow-private", "-s", "AUTOTHROTTLE_START_DELAY=0", "-s", "DOWNLOAD_DELAY=0",
        "-s", "RETRY_BACKOFF_BASE=0.05", "-s", "EXTRACT_WORKERS=1"]


def fixture_site(server: FixtureServer) -> None:
    """The pages the fixture documents cite, with the usual troubles of the web."""
    server.route("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /private/\n",
                                      {"Content-Type": "text/plain"}))
    server.route(PUTIN, page("putin-offers.html"))
    server.route(RELATED, page("russia-withdraw.html"))
    server.route("/climate", page("diem25.org.climate.html.gz"))
    server.route("/old/maudlin", redirect("/words/maudlin.html"))
    server.route("/words/maudlin.html", page("wordsmith.org.maudlin.html.gz"))
    server.route("/files/report.pdf", page("report.pdf", "application/pdf"))
    server.route("/flaky", Reply(503, b"busy", {"Content-Type": "text/plain"}),
                 page("russia-withdraw.html"))
    server.route("/loneliest", gzipped(page("thenervousbreakdown.com.loneliest.html.gz")))


@pytest.fixture
def server():
    with FixtureServer() as running:
        fixture_site(running)
        yield running


def render(source: Path, target: Path, base: str) -> Path:
    """Copy fixture documents, pointing their URLs at the local server."""
    for path in source.rglob("*"):
        if path.is_file():
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(path.read_bytes().replace(PLACEHOLDER, base.encode()))
    return target


@pytest.fixture
def documents(tmp_path, server) -> Path:
    return render(FIXTURES / "docs", tmp_path / "docs", server.base)


def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None,
            timeout: float = 180) -> subprocess.CompletedProcess:
    """Run ``python -m crawler`` the way a user runs ``sourcekeeper``."""
    inherited = {key: value for key, value in os.environ.items() if key != "SOURCEKEEPER_DB"}
    environment = {**inherited, **(env or {})}
    return subprocess.run([sys.executable, "-m", "crawler", *args], cwd=cwd,
                          env=environment, capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def sourcekeeper(tmp_path):
    def run(*args: str, **kwargs) -> subprocess.CompletedProcess:
        kwargs.setdefault("cwd", tmp_path)
        return run_cli(*args, **kwargs)

    return run


def rows(db: Path, sql: str, *params) -> list[dict]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute(sql, params)]


def copy_seed(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / "seed.txt", target / "seed.txt")
    return target / "seed.txt"
