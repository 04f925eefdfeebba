"""Redirects kept as data: each hop's status and target in the check and the snapshot, shown by
``history`` and exports; the old URL's validators never sent to the new target."""

from __future__ import annotations

import json

import pytest_twisted

from crawler import api
from tests.helpers import cite, crawl_here
from tests.server import Reply, page, redirect


@pytest_twisted.ensureDeferred
async def test_every_hop_is_kept(server, tmp_path):
    server.route("/plain/moving", redirect("/plain/step", 302))
    server.route("/plain/step", redirect("/plain/harbour", 301))
    server.route("/plain/harbour", page("putin-offers.html", ETag='"h1"'))
    db = tmp_path / "archive.db"
    doc = cite(tmp_path / "notes.txt", [server.url("/plain/moving")])
    assert (await crawl_here(db, [doc])).finished
    [snapshot] = api.snapshots(db=str(db))
    assert snapshot.final_url == server.url("/plain/harbour")
    assert [(hop.url, hop.status, hop.location) for hop in snapshot.redirects] == [
        (server.url("/plain/moving"), 302, server.url("/plain/step")),
        (server.url("/plain/step"), 301, server.url("/plain/harbour"))]
    first = snapshot.redirects[0]
    assert ("Location", "/plain/step") in first.headers and first.fetched_at
    [check] = api.history(server.url("/plain/moving"), db=str(db))
    assert [hop.status for hop in check.redirects] == [302, 301]

    out = tmp_path / "out.jsonl"
    api.export(str(out), format="jsonl", db=str(db))
    [exported] = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(hop["status"], hop["location"]) for hop in exported["redirects"]] == [
        (302, server.url("/plain/step")), (301, server.url("/plain/harbour"))]


@pytest_twisted.ensureDeferred
async def test_validators_do_not_follow_a_redirect(server, tmp_path):
    server.route("/plain/moving", page("putin-offers.html", ETag='"moving-1"'),
                 redirect("/plain/harbour"))
    server.route("/plain/harbour", page("putin-offers.html", ETag='"moving-1"'))
    db = tmp_path / "archive.db"
    doc = cite(tmp_path / "notes.txt", [server.url("/plain/moving")])
    assert (await crawl_here(db, [doc])).finished
    assert (await crawl_here(db, [doc], everything=True)).finished
    sent = [headers for path, headers in server.requests if path == "/plain/moving"]
    assert sent[-1].get("If-None-Match") == '"moving-1"', "the URL's own validator is sent"
    [to_target] = [headers for path, headers in server.requests if path == "/plain/harbour"]
    assert "If-None-Match" not in to_target and "If-Modified-Since" not in to_target
    checks = api.history(server.url("/plain/moving"), db=str(db))
    assert checks[-1].status == 200, "a full answer from the new target, not a 304"
    assert [hop.location for hop in checks[-1].redirects] == [server.url("/plain/harbour")]


@pytest_twisted.ensureDeferred
async def test_a_targets_validators_are_not_sent_to_the_url_that_redirected(server, tmp_path):
    """The validators a redirect's target answered with are the target's: sent to the URL
    that redirected (a consent or maintenance page today, its own article at the next
    check), a 304 would confirm a page never archived, at every check from then on."""
    stamp = "Wed, 25 Nov 2026 08:00:00 GMT"
    server.route("/plain/moving", redirect("/plain/consent", 302),
                 page("putin-offers.html", **{"Last-Modified": stamp}))
    server.route("/plain/consent", page("russia-withdraw.html", **{"Last-Modified": stamp}))
    db = tmp_path / "archive.db"
    doc = cite(tmp_path / "notes.txt", [server.url("/plain/moving")])
    assert (await crawl_here(db, [doc])).finished
    assert (await crawl_here(db, [doc], everything=True)).finished
    sent = [headers for path, headers in server.requests if path == "/plain/moving"][-1]
    assert "If-Modified-Since" not in sent and "If-None-Match" not in sent
    checks = api.history(server.url("/plain/moving"), db=str(db))
    assert [check.status for check in checks] == [200, 200], "no 304 for a page never seen"
    latest = list(api.snapshots(db=str(db)))[-1]
    assert latest.final_url == server.url("/plain/moving") and latest.redirects == ()
    assert b"Putin" in api.body(latest.body_sha256, db=str(db))


@pytest_twisted.ensureDeferred
async def test_a_meta_refresh_is_followed_however_it_is_written(server, tmp_path):
    """The crawling process scans bytes for a refresh before decoding a page: a refresh in
    capitals, after 3 KB of head, or in UTF-16 (where a byte scan proves nothing) is still
    followed; a page without one is archived as it is."""
    def refreshing(target: str, encoding: str = "utf-8", padding: int = 0) -> Reply:
        html = (f"<html><head><style>{'x' * padding}</style><META HTTP-EQUIV=\"REFRESH\" "
                f"CONTENT=\"0; URL={target}\"></head><body>Moved.</body></html>")
        return Reply(200, html.encode(encoding),
                     {"Content-Type": f"text/html; charset={encoding}"})

    server.route("/caps", refreshing("/plain/harbour", padding=3000))
    server.route("/wide", refreshing("/plain/harbour", "utf-16"))
    server.route("/plain/harbour", page("putin-offers.html"))
    server.route("/plain/stays", page("putin-offers.html"))
    db = tmp_path / "archive.db"
    urls = [server.url(path) for path in ("/caps", "/wide", "/plain/stays")]
    doc = cite(tmp_path / "notes.txt", urls)
    assert (await crawl_here(db, [doc])).finished
    finals = {snapshot.url: snapshot.final_url for snapshot in api.snapshots(db=str(db))}
    assert finals == {urls[0]: server.url("/plain/harbour"),
                      urls[1]: server.url("/plain/harbour"), urls[2]: urls[2]}
