"""What the test tiers share: settings that make local crawls quick, fixture documents, an
in-process crawl (components, CLI), the CLI as a subprocess (e2e), and readings through the
public API. One module, so that test modules never import each other.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import venv
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from crawler import api, config
from crawler.core.models import CrawlResult, Outcome
from crawler.storage import Archive
from tests.server import FIXTURES, FixtureServer, Reply, gzipped, page, redirect

ROOT = Path(__file__).resolve().parents[1]
PLACEHOLDER = b"http://sourcekeeper.test"
PUTIN = "/2021/04/22/putin-offers-to-meet-ukraine-president-in-moscow-any-time-a73711"
RELATED = "/2025/07/01/russia-to-withdraw-troops-from-ukraine-border-crimea"

# Settings that make a crawl of 127.0.0.1 quick without changing what it does.
# Tests never ask the public web archives (tests/e2e/test_recovery.py asks a local one).
QUICK = {"FETCH_ALLOW_PRIVATE": True, "AUTOTHROTTLE_START_DELAY": 0, "DOWNLOAD_DELAY": 0,
         "RETRY_BACKOFF_BASE": 0.05, "MEMENTO_FALLBACK": False}
# The same for a subprocess (extraction in one worker process, as a user's crawl would).
FAST = ["--allow-private", "-s", "AUTOTHROTTLE_START_DELAY=0", "-s", "DOWNLOAD_DELAY=0",
        "-s", "RETRY_BACKOFF_BASE=0.05", "-s", "EXTRACT_WORKERS=1", "-s", "MEMENTO_FALLBACK=False"]
# In process: extraction inline (no process pool per crawl), quiet logs, no progress ticker.
IN_PROCESS = {**QUICK, "EXTRACT_WORKERS": 0, "LOG_LEVEL": "WARNING", "PROGRESS_INTERVAL": 0}


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


def render(source: Path, target: Path, base: str) -> Path:
    """Copy fixture documents, pointing their URLs at the local server."""
    for path in source.rglob("*"):
        if path.is_file():
            destination = target / path.relative_to(source)
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(path.read_bytes().replace(PLACEHOLDER, base.encode()))
    return target


def copy_seed(target: Path) -> Path:
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(FIXTURES / "seed.txt", target / "seed.txt")
    return target / "seed.txt"


def cite(path: Path, urls: list[str]) -> Path:
    """A document citing ``urls``, one paragraph each."""
    path.write_text("\n\n".join(f"See {url} for details." for url in urls) + "\n")
    return path


def tool(name: str, requirement: str, command: str) -> Path:
    """A command-line tool that must not share our environment (pywb pins an old redis):
    installed once into its own venv under ``.tools/`` (ignored by git), then reused."""
    folder = ROOT / ".tools" / name
    executable = folder / "bin" / command
    if not executable.exists():
        venv.create(folder, with_pip=True, clear=True)
        pip = subprocess.run([folder / "bin" / "pip", "install", "-q", requirement],
                             capture_output=True, text=True, timeout=900)
        assert pip.returncode == 0, f"could not install {requirement}: {pip.stderr[-2000:]}"
    return executable


def system_tool(command: str, package: str) -> str:
    """A program from the system's packages (Debian's ``package``): .ci/run installs it; a
    developer without it skips the tests that need it, CI (``SOURCEKEEPER_CI``) never."""
    import pytest

    found = shutil.which(command)
    if found is None:
        if os.environ.get("SOURCEKEEPER_CI"):
            pytest.fail(f"{command} is missing: apt install {package}")
        pytest.skip(f"{command} is not installed (apt install {package})")
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# In process: the job, session, spider and pipelines of a real crawl, under the test
# session's reactor (pytest-twisted) instead of a process of their own.

async def crawl_here(db: Path, paths: list[Path] | tuple[Path, ...] = (), *,
                     url: str | None = None, everything: bool = False,
                     limit: int | None = None, **settings: Any) -> CrawlResult:
    from scrapy.utils.defer import deferred_from_coro
    from scrapy.utils.test import get_crawler

    from crawler.core.models import CrawlJob
    from crawler.jobs.session import ArchiveSession
    from crawler.spiders.sources import SourcesSpider

    project = config.project_settings({**IN_PROCESS, **settings, "ARCHIVE_DB": str(db)})
    job = CrawlJob(tuple(str(path) for path in paths), everything, limit,
                   (url,) if url else ())
    session = ArchiveSession.open(job, project)
    chosen = {name: project[name] for name in project if project.getpriority(name) > 0}
    crawler = get_crawler(SourcesSpider, chosen)
    try:
        await deferred_from_coro(crawler.crawl_async(session=session))
    finally:
        session.close()
    return session.result()


# As a user runs it: the command in a subprocess.

def run_cli(*args: str, cwd: Path, env: dict[str, str] | None = None,
            timeout: float = 180) -> subprocess.CompletedProcess:
    """Run ``python -m crawler`` the way a user runs ``sourcekeeper``."""
    inherited = {key: value for key, value in os.environ.items() if key != "SOURCEKEEPER_DB"}
    return subprocess.run([sys.executable, "-m", "crawler", *args], cwd=cwd,
                          env={**inherited, **(env or {})}, capture_output=True, text=True,
                          timeout=timeout)


def start_cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "crawler", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def wait_for(condition: Callable[[], Any], timeout: float = 60, what: str = "condition") -> Any:
    """Poll ``condition`` until it is true (for events in another process)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := condition():
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


# Reading back, through the public API.

def snapshots_by_path(db: Path, base: str) -> dict[str, Any]:
    """The latest snapshot of each URL, keyed by the URL's path on the test server."""
    return {record.url.removeprefix(base): record
            for record in api.snapshots(db=str(db), latest=True)}


def failure_reasons(db: Path) -> dict[str, str | None]:
    """The reason of the last check of every URL whose last check failed."""
    found = {}
    for info in api.list_urls(db=str(db)):
        checks = api.history(info.url, db=str(db))
        if checks and checks[-1].outcome is Outcome.FAILED:
            found[info.url] = checks[-1].reason
    return found


def make_due(db: Path, url: str, when: str = "2000-01-01T00:00:00.000Z") -> None:
    with Archive(db) as archive:
        archive.write(archive.urls.set_next_check, archive.urls.find(url).id, when)


def run_statuses(db: Path) -> list[str]:
    """Statuses of the archive's runs, oldest first."""
    return [run.status for run in reversed(api.status(db=str(db)).runs)]


def assert_archive_intact(db: Path) -> None:
    with Archive(db) as archive:
        assert archive.reads.integrity() == []


def help_examples(name: str) -> list[str]:
    """The command lines under the ``Example:``/``Examples:`` that ends the help of
    ``sourcekeeper name``."""
    import re

    from crawler.cli import cli

    block = re.search(r"\n\s*Examples?:\n((?:\s+sourcekeeper .+\n?)+)\s*$",
                      cli.commands[name].help or "")
    return [line.strip() for line in block[1].splitlines()] if block else []
