"""What the test tiers share: settings that make local crawls quick, fixture documents, an
in-process crawl (components, CLI), the CLI as a subprocess (e2e), local services (Redis,
pywb), items written straight to an archive (storage) and readings through the public API.
One module (its fixtures in tests/conftest.py), so that test modules never import each other.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import venv
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from crawler import api, config
from crawler.core.hashing import text_sha256
from crawler.core.mementos import Memento
from crawler.core.models import CrawlResult, Extraction, Outcome
from crawler.fetch.items import PageItem
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
    found = shutil.which(command)
    if found is None:
        if os.environ.get("SOURCEKEEPER_CI"):
            pytest.fail(f"{command} is missing: apt install {package}")
        pytest.skip(f"{command} is not installed (apt install {package})")
    return found


# Local services the e2e tier (and the relay's components) run for real.

REDIS_SERVER = shutil.which("redis-server") or (
    "/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None)


needs_redis = pytest.mark.skipif(REDIS_SERVER is None,
                                 reason="redis-server is not installed (apt install redis-server)")


def start_redis(port: int, folder: Path) -> subprocess.Popen:
    import redis

    server = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = redis.Redis(port=port)

    def answers() -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False

    wait_for(answers, timeout=10, what="redis-server to answer")
    return server


PYWB = "pywb>=2.8,<3"


@contextlib.contextmanager
def pywb(pywb_bin: Path, archive_file: Path, tmp_path: Path, *add: str) -> Iterator[str]:
    """pywb serving ``archive_file`` (``add``: options of ``wb-manager add``, such as
    ``--unpack-wacz``) on a free port: the collection's base URL."""
    collections = tmp_path / "pywb"
    collections.mkdir()
    for args in (["init", "sources"], ["add", *add, "sources", str(archive_file)]):
        done = subprocess.run([pywb_bin / "wb-manager", *args], cwd=collections,
                              capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    port = free_port()
    wayback = subprocess.Popen([pywb_bin / "wayback", "-p", str(port), "-b", "127.0.0.1"],
                               cwd=collections, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    try:
        def up() -> bool:
            try:
                return get(f"http://127.0.0.1:{port}/")[0] == 200
            except OSError:
                return False

        wait_for(up, timeout=60, what="pywb to start")
        yield f"http://127.0.0.1:{port}/sources"
    finally:
        wayback.terminate()
        wayback.wait(timeout=30)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def get(url: str, follow: bool = True) -> tuple[int, dict[str, str], bytes]:
    """An HTTP GET as a browser's first request makes it: status, headers, body."""
    opener = urllib.request.build_opener(*(() if follow else (_NoRedirects,)))
    try:
        with opener.open(url, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def timestamp(iso: str) -> str:
    """A capture time as replay tools address it (14 digits)."""
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).strftime("%Y%m%d%H%M%S")


def in_a_thread(function: Callable[[], Any]) -> Any:
    """Playwright's sync API refuses a thread with an event loop (pytest-twisted's reactor
    runs one in the main thread)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(function).result()


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


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, as a service manager stops a command; SIGKILL if it will not go."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


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


# Writing straight to an archive (storage tier), the way crawls do: through
# crawler.jobs.record, the one write path.

NOW = "2026-01-01T00:00:00.000Z"


def at(second: int) -> str:
    return f"2026-01-01T00:00:{second:02d}.000Z"


def page_item(url_id: int, url: str, body: bytes, text: str | None, fetched_at: str = NOW,
              **extra: Any) -> PageItem:
    """A fetched page as the pipelines hand it over (extracted when it has text)."""
    extraction = Extraction(text, text_sha256(text)) if text else None
    content_type = "text/html" if text else "application/pdf"
    return PageItem(url_id=url_id, requested_url=url, final_url=url, fetched_at=fetched_at,
                    status=200, headers=[["Content-Type", content_type]],
                    content_type=content_type, kind="html" if text else "binary", body=body,
                    extraction=extraction, **extra)


def outcome(archive: Archive, item: Any) -> Outcome:
    from crawler.jobs.record import record

    return record(archive, item, None, config.schedule({})).outcome


# A web archive's copy of a news page that quotes the mayor (storage and CLI tiers).
URL = "https://example.com/news/bridge"
QUOTE = "we will rebuild the bridge before the winter comes"
SAID = f'The mayor said "{QUOTE}" at the meeting on Tuesday evening in the town hall.'
COPY = Memento("web.archive.org", f"https://web.archive.org/web/20250620101010/{URL}",
               "2025-06-20T10:10:10.000Z", URL)


def store_copy(archive: Archive, url_id: int, text: str, memento: Memento = COPY) -> int:
    """The copy stored the way crawler.jobs.recovery stores one."""
    from crawler.core.change import Judgement
    from crawler.jobs.record import memento_capture

    item = page_item(url_id, memento.uri, text.encode(), text, fetched_at=at(30),
                     memento=memento)
    item.extraction = Extraction(text, text_sha256(text), title="Bridge")

    def store() -> int:
        capture, blobs, page_sha256 = memento_capture(archive, item, None)
        archive.snapshots.add_bodies(blobs)
        return archive.snapshots.add(capture, Judgement(Outcome.NEW), page_sha256,
                                     memento=item.memento)
    return archive.write(store)
