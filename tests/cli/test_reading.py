"""status, history and search: what a person reads back from the archive."""

from __future__ import annotations

from tests.helpers import PUTIN, RELATED


def test_status(invoke, crawled):
    result = invoke("status", "--db", str(crawled))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == f"archive: {crawled}"
    assert lines[1:4] == ["documents: 4", "URLs: 8 (0 due now, 1 failing, 1 never archived)",
                          lines[3]]
    assert lines[3].startswith("snapshots: 8 (")
    assert lines[5].startswith("  #2 refetch ") and lines[5].endswith(
        "finished: 0 new, 1 changed, 0 unchanged, 0 failed")
    assert lines[6].startswith("  #1 crawl ") and lines[6].endswith(
        "finished: 7 new, 0 changed, 0 unchanged, 1 failed")


def test_history(invoke, crawled, server):
    result = invoke("history", server.url(RELATED) + "?utm_source=x", "--db", str(crawled))
    assert result.exit_code == 0, result.stderr
    first, second = result.stdout.splitlines()
    assert first.split()[1:3] == ["200", "new"] and "Russia to Withdraw" in first
    assert second.split()[1:3] == ["200", "changed"] and "Putin Offers" in second
    gone = invoke("history", server.url("/gone"), "--db", str(crawled))
    assert gone.stdout.split()[1:] == ["404", "failed", "HTTP", "404", "Not", "Found"]
    moved = invoke("history", server.url("/old/maudlin"), "--db", str(crawled))
    check, hops = moved.stdout.splitlines()
    assert check.split()[1:3] == ["200", "new"]
    assert hops.split() == ["redirected:", server.url("/old/maudlin"), "-301->",
                            server.url("/words/maudlin.html")]
    missing = invoke("history", "https://nowhere.example/", "--db", str(crawled))
    assert missing.exit_code == 1
    assert missing.stderr.strip() == "sourcekeeper: https://nowhere.example/: not in the archive"


def test_search(invoke, crawled, server):
    result = invoke("search", '"permanent bases" Shoigu', "--db", str(crawled))
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    heads = [line for line in lines if not line.startswith("    ")]
    assert any(line.startswith(f"snapshot  {server.url(PUTIN)}  Putin Offers") for line in heads)
    assert any(line.startswith("document  ") and "moscow-times.txt" in line for line in heads)
    assert all("[" in line for line in lines if line.startswith("    "))
    stemmed = invoke("search", "withdrawing", "--db", str(crawled))
    assert server.url("/flaky") in stemmed.stdout
    odd = invoke("search", 'AND OR "unbalanced', "--db", str(crawled))
    assert odd.exit_code == 0 and odd.stderr.strip() == "no matches"
