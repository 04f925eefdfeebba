"""``-o`` files: replaced only when complete, with the mode a plain file would have (the
umask for a new one, the old one's when replaced), never a private 0600."""

from __future__ import annotations

import os
import stat

import pytest


@pytest.fixture
def umask():
    previous = os.umask(0o022)
    yield lambda mask: os.umask(mask)
    os.umask(previous)


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_file_follows_the_umask_and_a_replaced_one_keeps_its_mode(
        invoke, seed_twice, tmp_path, umask):
    report = tmp_path / "report.html"
    assert invoke("report", "--db", str(seed_twice), "--format", "html", "-o",
                  str(report)).exit_code == 0
    assert mode(report) == 0o644
    report.chmod(0o640)
    assert invoke("report", "--db", str(seed_twice), "--format", "html", "-o",
                  str(report)).exit_code == 0
    assert mode(report) == 0o640, "a replaced file keeps its mode"
    umask(0o077)
    private = tmp_path / "private.jsonl"
    assert invoke("export", "--db", str(seed_twice), "-o", str(private)).exit_code == 0
    assert mode(private) == 0o600
    assert not [name for name in os.listdir(tmp_path) if name.endswith(".part")]
