"""One crawl at a time per archive: the run lock beside the archive file."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

from crawler.errors import ArchiveError, LockHeld
from crawler.storage.lock import RunLock


def test_lock_is_exclusive_and_released(tmp_path):
    db = tmp_path / "a.db"
    with RunLock(db):
        with pytest.raises(LockHeld, match=rf"^{re.escape(str(db))}: another crawl is running "
                                           rf"on this archive \(pid {os.getpid()}, since "):
            RunLock(db).acquire()
    with RunLock(db):
        pass


def test_stale_lock_file_from_a_killed_run_is_taken_over(tmp_path):
    db = tmp_path / "a.db"
    # The holder takes the lock, says so, and keeps it until it is killed.
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys; from crawler.storage.lock import RunLock;"
        f"lock = RunLock({str(db)!r}).acquire(); print('held', flush=True); sys.stdin.read()")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(LockHeld, match=rf"\(pid {holder.pid}, since "):
            RunLock(db).acquire()
    finally:
        holder.kill()
        holder.wait()
    assert f'"pid": {holder.pid}' in (tmp_path / "a.db.lock").read_text(), (
        "left behind by the killed run")
    with RunLock(db):
        assert f'"pid": {os.getpid()}' in (tmp_path / "a.db.lock").read_text()


@pytest.mark.parametrize("link", [os.symlink, os.link])
def test_a_link_in_place_of_the_lock_file_is_refused_untouched(tmp_path, link):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    db = tmp_path / "a.db"
    link(victim, tmp_path / "a.db.lock")
    with pytest.raises(ArchiveError, match=r"cannot take the run lock .*a\.db\.lock: "):
        RunLock(db).acquire()
    assert victim.read_text() == "precious\n"
