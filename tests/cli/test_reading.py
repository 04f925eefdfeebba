"""status, history and search: what a person reads back from the archive."""

from __future__ import annotations

import json

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
    result = invoke("history", server.url(RELATED) + "?utm_source=x", "--db", str(crawled),
                    "--utc")
    assert result.exit_code == 0, result.stderr
    first, second = result.stdout.splitlines()
    assert first.split()[2:5] == ["UTC", "200", "new"] and "Russia to Withdraw" in first
    assert second.split()[3:5] == ["200", "changed"] and "Putin Offers" in second
    gone = invoke("history", server.url("/gone"), "--db", str(crawled), "--utc")
    assert gone.stdout.split()[3:] == ["404", "failed", "HTTP", "404", "Not", "Found"]
    moved = invoke("history", server.url("/old/maudlin"), "--db", str(crawled))
    check, hops = moved.stdout.splitlines()
    assert check.split()[3:5] == ["200", "new"]
    lines = invoke("history", server.url(RELATED), "--db", str(crawled), "--json").stdout
    checks = [json.loads(line) for line in lines.splitlines()]
    assert [check["outcome"] for check in checks] == ["new", "changed"]
    assert checks[0]["checked_at"].endswith("Z"), "machine output keeps ISO UTC"
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
    assert odd.exit_code == 2
    assert odd.stderr.strip() == ("sourcekeeper: 'AND OR \"unbalanced': a query cannot start "
                                  "with AND")
    nothing = invoke("search", "zanzibar", "--db", str(crawled))
    assert (nothing.exit_code, nothing.stdout, nothing.stderr.strip()) == (1, "", "no matches")
    excluded = invoke("search", "Shoigu", "-Lukashenko", "--db", str(crawled), "--json")
    hits = [json.loads(line) for line in excluded.stdout.splitlines()]
    assert hits and server.url(PUTIN) not in {hit["where"] for hit in hits}
    either = invoke("search", "Lukashenko OR Shoigu", "--db", str(crawled), "--json")
    assert len(either.stdout.splitlines()) > len(hits)


def test_search_lists_a_page_once_unless_asked_for_every_version(invoke, crawled, server):
    once = invoke("search", "Ukraine", "--db", str(crawled), "--json")
    hits = [json.loads(line) for line in once.stdout.splitlines()]
    related = [hit for hit in hits if hit["where"] == server.url(RELATED)]
    assert [hit["versions"] for hit in related] == [2]
    every = invoke("search", "Ukraine", "--all-versions", "--db", str(crawled), "--json")
    assert len([line for line in every.stdout.splitlines()
                if json.loads(line)["where"] == server.url(RELATED)]) == 2
