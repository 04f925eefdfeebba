"""``diff`` and ``changes``: how a source's text changed, and which sources changed."""

from __future__ import annotations

from tests.helpers import PUTIN, RELATED


def test_diff_and_changes_commands(invoke, seed_twice, server):
    result = invoke("diff", server.url(RELATED), "--db", str(seed_twice))
    assert result.exit_code == 0, result.stderr
    head, *body = result.stdout.splitlines()
    assert " -> " in head and ": material: headline changed ('Russia to Withdraw Troops" in head
    assert head.endswith("(12 of 12 sentences changed)")
    assert any(line.startswith("-") and "Shoigu on Thursday ordered" in line for line in body)
    assert any(line.startswith("+") and "welcome in Moscow" in line for line in body)

    listed = invoke("changes", "--db", str(seed_twice))
    first, second = listed.stdout.splitlines()
    assert first.endswith(f"2 snapshots  {server.url(RELATED)}")
    assert second.startswith("    changed: material: headline changed")

    only_one = invoke("diff", server.url(PUTIN), "--db", str(seed_twice))
    assert only_one.exit_code == 0 and "fewer than two snapshots" in only_one.stderr
    missing = invoke("diff", server.url("/nope"), "--db", str(seed_twice))
    assert missing.exit_code == 1 and "not in the archive" in missing.stderr


def test_changes_as_an_atom_feed(invoke, seed_twice, server, documents, tmp_path):
    import feedparser

    from tests.helpers import RELATED

    out = tmp_path / "changes.xml"
    result = invoke("changes", "--format", "atom", "-o", str(out), "--db", str(seed_twice))
    assert result.exit_code == 0, result.stderr
    assert result.stderr == f"1 changes written to {out}\n"
    feed = feedparser.parse(out.read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    for required in ("id", "title", "updated"):
        assert feed.feed.get(required), required
    [entry] = feed.entries
    assert entry.title == f"changed: {server.url(RELATED)}"
    assert entry.link == server.url(RELATED)
    assert entry.id.startswith("urn:sourcekeeper:") and entry.updated.endswith("Z")
    assert "headline changed" in entry.summary and "moscow-times.txt" in entry.summary
    only = invoke("changes", "--format", "atom", "--document",
                  str(documents / "moscow-times.txt"), "--db", str(seed_twice))
    assert len(feedparser.parse(only.stdout).entries) == 1
    assert "Changes in the sources of" in only.stdout
    empty = invoke("changes", "--format", "atom", "--document", "no-such.txt", "--db",
                   str(seed_twice))
    assert empty.exit_code == 1 and "no such document" in empty.stderr
