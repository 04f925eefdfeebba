"""``diff`` and ``changes``: how a source's text changed, and which sources changed."""

from __future__ import annotations

from tests.helpers import PUTIN, RELATED


def test_diff_and_changes_commands(invoke, seed_twice, server):
    result = invoke("diff", server.url(RELATED), "--db", str(seed_twice))
    assert result.exit_code == 0, result.stderr
    head, *body = result.stdout.splitlines()
    assert head.endswith("% similar; material change") and " -> " in head
    assert any(line.startswith("-") and "Shoigu on Thursday ordered" in line for line in body)
    assert any(line.startswith("+") and "welcome in Moscow" in line for line in body)

    listed = invoke("changes", "--db", str(seed_twice))
    assert listed.stdout.strip().endswith(f"material  {server.url(RELATED)}")
    assert "2 snapshots" in listed.stdout

    only_one = invoke("diff", server.url(PUTIN), "--db", str(seed_twice))
    assert only_one.exit_code == 0 and "fewer than two snapshots" in only_one.stderr
    missing = invoke("diff", server.url("/nope"), "--db", str(seed_twice))
    assert missing.exit_code == 1 and "not in the archive" in missing.stderr
