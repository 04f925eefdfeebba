"""A WARC export replays in pywb, as a user who opens it in a replay tool meets it: each
archived URL serves the exact body received at that time, a redirecting URL replays its
redirect, and an older capture replays at its own timestamp. (``warcio check`` passed on
WARCs that did not replay: only a replay tool tells.)"""

from __future__ import annotations

import time

from crawler import api
from tests.helpers import FAST, cite, get, pywb, run_cli, timestamp, wait_for
from tests.server import Reply, redirect


def article(title: str, sentence: str) -> Reply:
    body = (f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            + "".join(f"<p>{sentence} This is paragraph {n} of a report on the harbour, with "
                      f"enough words to be an article.</p>" for n in range(6))
            + "</article></body></html>")
    return Reply(200, body.encode(), {"Content-Type": "text/html; charset=utf-8"})


def next_second() -> None:
    """Wait until the wall clock enters a new second: replay tools address captures by
    14-digit timestamps, so two crawls within one second would be one capture time."""
    start = int(time.time())
    wait_for(lambda: int(time.time()) > start, timeout=5, what="the next second")


def test_an_export_replays_in_pywb(pywb_bin, server, tmp_path):
    server.route("/plain/moving", redirect("/plain/harbour"))
    server.route("/plain/harbour", article("Harbour Reopens", "The harbour reopened on Monday."),
                 article("Harbour Stays Closed", "The harbour stayed closed on Monday."))
    server.route("/story", article("Storm Warning", "A storm is expected on Friday."))
    doc = cite(tmp_path / "notes.txt", [server.url("/plain/moving"), server.url("/story")])
    db = str(tmp_path / "archive.db")
    first = run_cli("crawl", str(doc), "--db", db, *FAST, cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    next_second()
    second = run_cli("crawl", str(doc), "--db", db, "--all", *FAST, cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    snapshots = list(api.snapshots(db=db))
    harbour = [record for record in snapshots if record.url == server.url("/plain/moving")]
    assert [record.final_url for record in harbour] == [server.url("/plain/harbour")] * 2
    assert [(hop.status, hop.location) for hop in harbour[0].redirects] == [
        (301, server.url("/plain/harbour"))]
    [story] = [record for record in snapshots if record.url == server.url("/story")]

    warc = tmp_path / "export.warc.gz"
    exported = run_cli("export", "--db", db, "--format", "warc", "-o", str(warc), cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    with pywb(pywb_bin, warc, tmp_path) as base:
        for record in (*harbour, story):
            status, headers, body = get(
                f"{base}/{timestamp(record.fetched_at)}id_/{record.final_url}")
            assert status == 200, (record.final_url, status)
            assert body == api.body(record.body_sha256, db=db), "the exact body received"
            assert "json" not in headers.get("Content-Type", "")
        old, new = harbour
        assert b"Harbour Reopens" in get(
            f"{base}/{timestamp(old.fetched_at)}id_/{old.final_url}")[2]
        assert b"Harbour Stays Closed" in get(
            f"{base}/{timestamp(new.fetched_at)}id_/{new.final_url}")[2]

        # The redirecting URL replays as the redirect it was (its Location as sent), and in
        # a browser's (rewriting) mode leads on to the page archived at that time.
        status, headers, body = get(f"{base}/{timestamp(old.fetched_at)}id_/"
                                    f"{server.url('/plain/moving')}", follow=False)
        assert (status, headers["Location"], body) == (301, "/plain/harbour", b"")
        status, _, body = get(f"{base}/{timestamp(old.fetched_at)}mp_/"
                              f"{server.url('/plain/moving')}")
        assert status == 200 and b"Harbour Reopens" in body


def test_a_wacz_export_replays_in_pywb(pywb_bin, server, tmp_path):
    """The WACZ as pywb takes it (``wb-manager add --unpack-wacz``): each page served from
    it is the exact body archived."""
    server.route("/story", article("Storm Warning", "A storm is expected on Friday."))
    server.route("/other", article("Harbour Reopens", "The harbour reopened on Monday."))
    doc = cite(tmp_path / "notes.txt", [server.url("/story"), server.url("/other")])
    db = str(tmp_path / "archive.db")
    assert run_cli("crawl", str(doc), "--db", db, *FAST, cwd=tmp_path).returncode == 0
    wacz = tmp_path / "sources.wacz"
    exported = run_cli("export", "--db", db, "--format", "wacz", "-o", str(wacz), cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    with pywb(pywb_bin, wacz, tmp_path, "--unpack-wacz") as base:
        records = list(api.snapshots(db=db))
        assert len(records) == 2
        for record in records:
            status, _, body = get(f"{base}/{timestamp(record.fetched_at)}id_/{record.final_url}")
            assert status == 200, (record.final_url, status)
            assert body == api.body(record.body_sha256, db=db), "the exact body archived"
