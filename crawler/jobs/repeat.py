"""Runs repeated on a timer, in the foreground: ``sourcekeeper schedule --every 6h``.

Each run is a fresh process (Scrapy's reactor cannot restart, and a run that leaks memory or
crashes takes nothing with it); a run still going when the next is due delays it. For
containers and systemd, which supervise one long-lived foreground process.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from crawler.core.clock import iso
from crawler.core.timers import cron_timing, duration_text


def crawl_command(paths: list[str], db: str, *, allow_private: bool = False,
                  settings: list[str] | None = None, verbose: int = 0) -> list[str]:
    """The command line of one scheduled crawl, with absolute paths (cron and systemd start
    elsewhere)."""
    command = [sys.executable, "-m", "crawler", "crawl",
               *[os.path.abspath(path) for path in paths], "--db", os.path.abspath(db)]
    command += ["--allow-private"] if allow_private else []
    command += [arg for pair in settings or [] for arg in ("-s", pair)] + ["-v"] * verbose
    return command + ["--timestamps"]


def cron_line(every: float, command: str, log: str | None = None) -> str:
    """A crontab line running the shell ``command`` every ``every`` seconds, preceded by a
    comment line when cron cannot keep that interval exactly (crawler.core.timers)."""
    timing = cron_timing(every)
    line = f"{timing.fields} {command}"
    if log:
        line += f" >> {shlex.quote(log)} 2>&1"
    return line if timing.exact else f"# {timing.note}\n{line}"


def crontab_line(command: list[str], every: float, db: str) -> str:
    """The crontab line running ``command`` every ``every`` seconds, logging beside the
    archive."""
    return cron_line(every, shlex.join(command), os.path.abspath(db) + ".log")


def systemd_units(command: list[str], every: float, name: str = "sourcekeeper") -> str:
    """A systemd service and timer running ``command`` every ``every`` seconds exactly
    (from the end of one run to the start of the next; missed runs are caught up)."""
    return (f"# /etc/systemd/system/{name}.service\n[Unit]\nDescription=sourcekeeper crawl\n"
            f"\n[Service]\nType=oneshot\nExecStart={shlex.join(command)}\n\n"
            f"# /etc/systemd/system/{name}.timer (then: systemctl enable --now {name}.timer)\n"
            f"[Unit]\nDescription=sourcekeeper crawl every {duration_text(every)}\n\n"
            f"[Timer]\nOnBootSec=5min\nOnUnitInactiveSec={every:g}s\nPersistent=true\n\n"
            "[Install]\nWantedBy=timers.target\n")


def repeat(command: list[str], every: float, *, max_runs: int | None = None,
           on_run: Callable[[int, int, str], None] = lambda run, code, next_at: None) -> int:
    """Run ``command`` every ``every`` seconds until stopped (or ``max_runs``); ``on_run`` is
    told each run's number, exit code and when the next one starts. Returns the runs made."""
    runs = 0
    while max_runs is None or runs < max_runs:
        started = time.monotonic()
        code = subprocess.call(command)
        runs += 1
        wait = max(0.0, every - (time.monotonic() - started))
        on_run(runs, code, iso(datetime.now(UTC) + timedelta(seconds=wait)))
        if max_runs is None or runs < max_runs:
            time.sleep(wait)
    return runs
