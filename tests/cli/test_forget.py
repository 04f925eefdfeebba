"""``forget``: one plain sentence saying what is no longer checked and what is kept or
deleted; a target the archive does not hold is a one-line error."""

from __future__ import annotations

from tests.helpers import RELATED


def test_forget_says_what_it_keeps_and_deletes(invoke, seed_twice, server, documents):
    db = str(seed_twice)
    kept = invoke("forget", server.url(RELATED), "--db", db)
    assert kept.exit_code == 0, kept.stderr
    assert kept.stdout.strip() == (f"forgot {server.url(RELATED)}: no longer checked; "
                                   "2 snapshots kept (--purge deletes them)")
    purged = invoke("forget", str(documents / "moscow-times.txt"), "--purge", "--db", db)
    assert purged.exit_code == 0, purged.stderr
    assert purged.stdout.strip() == (
        "forgot docs/moscow-times.txt: 2 URLs no longer checked; deleted 1 document version, "
        "3 snapshots and 2 stored bodies nothing else used")
    missing = invoke("forget", "notes/nothing.md", "--db", db)
    assert missing.exit_code == 1
    assert missing.stderr.strip() == "sourcekeeper: notes/nothing.md: no such document in the archive"
    assert invoke("history", server.url(RELATED), "--db", db).exit_code == 1, "purged"
