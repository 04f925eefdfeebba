"""Fixtures shared by every tier: a local fixture site, rendered documents, the CLI.

Tiers (folders): ``unit`` (crawler.core, pure), ``storage`` (real SQLite files),
``components`` (Scrapy components and whole crawls in this process, against a real local
HTTP server), ``cli`` (the commands through click's CliRunner), ``e2e`` (the ``sourcekeeper``
command in subprocesses: signals, crashes, locks, Redis). ``pytest -m "not e2e"`` runs the
fast tiers.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from tests.helpers import (
    FIXTURES, PYWB, fixture_site, free_port, render, run_cli, start_redis, tool,
)
from tests.server import FixtureServer


def _our_commands() -> list[int]:
    """This test process's children that run ``sourcekeeper`` (``python -m crawler``), and
    every process under them (a ``schedule``'s crawl, a crawl's extraction workers)."""
    parents: dict[int, int] = {}
    commands: dict[int, list[bytes]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                parents[int(entry)] = int(stat.read().rsplit(b")", 1)[1].split()[1])
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                commands[int(entry)] = cmdline.read().split(b"\0")
        except (OSError, ValueError, IndexError):
            continue
    found = [pid for pid, parent in parents.items() if parent == os.getpid()
             and b"-m" in commands.get(pid, []) and b"crawler" in commands.get(pid, [])]
    for pid in found:  # grows while it is read: descendants are appended after parents
        found.extend(child for child, parent in parents.items()
                     if parent == pid and child not in found)
    return found[::-1]  # the youngest first


@pytest.fixture(autouse=True)
def no_command_outlives_its_test(request):
    """A test that fails half-way must not leave its crawl running (one did, fetching for
    twenty minutes): whatever ``sourcekeeper`` process an end-to-end test started and left
    is killed when it ends."""
    yield
    if "e2e" not in Path(str(request.node.fspath)).parts or not os.path.isdir("/proc"):
        return
    for pid in _our_commands():
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            continue
        try:
            os.waitpid(pid, 0)
        except ChildProcessError:
            pass  # not our own child: its parent (killed too) or init reaps it


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


@pytest.fixture
def redis_port(tmp_path):
    """A redis-server of this test's own on a free port: the port, and the servers started
    on it (a test that stops Redis starts a new one and appends it)."""
    port = free_port()
    servers = [start_redis(port, tmp_path)]
    yield port, servers
    for server in servers:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def redis_url(redis_port):
    return f"redis://127.0.0.1:{redis_port[0]}/0"


@pytest.fixture(scope="module")
def pywb_bin():
    """The folder of pywb's commands (installed once into a venv of its own)."""
    return tool("pywb", PYWB, "wayback").parent
