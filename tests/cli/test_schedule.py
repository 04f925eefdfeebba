"""``schedule --print-cron`` says when cron cannot keep the interval; ``--print-systemd``
prints a timer that can."""

from __future__ import annotations


def test_print_cron_says_what_differs(invoke, tmp_path):
    result = invoke("schedule", str(tmp_path), "--db", str(tmp_path / "a.db"), "--every",
                    "90m", "--print-cron")
    assert result.exit_code == 0, result.stderr
    note, line = result.stdout.strip().splitlines()
    assert note == ("# cron cannot run every 90m evenly; this line runs every 1h "
                    "(--print-systemd prints a timer that keeps the interval exactly)")
    assert line.startswith("0 * * * * ") and line.endswith(f"--timestamps >> {tmp_path}/a.db.log"
                                                          " 2>&1")


def test_print_systemd_keeps_any_interval(invoke, tmp_path):
    result = invoke("schedule", str(tmp_path), "--db", str(tmp_path / "a.db"), "--every",
                    "90m", "--print-systemd")
    assert result.exit_code == 0, result.stderr
    units = result.stdout
    assert "[Service]\nType=oneshot\nExecStart=" in units and " -m crawler crawl " in units
    assert "OnUnitInactiveSec=5400s" in units and "[Install]\nWantedBy=timers.target" in units
