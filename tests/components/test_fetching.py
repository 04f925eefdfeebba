"""The fetching middlewares in a real crawl in this process: precise failure reasons, retries
with backoff and Retry-After, robots.txt, politeness, the SSRF guard, hostile servers."""

from __future__ import annotations

import gzip

import pytest_twisted

from crawler import api
from tests.helpers import cite, crawl_here, failure_reasons, free_port, snapshots_by_path
from tests.server import FixtureServer, Reply, redirect


async def crawl_urls(tmp_path, urls, **settings):
    db = tmp_path / "archive.db"
    result = await crawl_here(db, [cite(tmp_path / "doc.txt", urls)], **settings)
    assert result.finished, result
    return result, failure_reasons(db)


@pytest_twisted.ensureDeferred
async def test_failure_reasons(server, tmp_path):
    server.route("/down", Reply(503, b"down", {"Content-Type": "text/plain"}))
    server.route("/later", Reply(429, b"slow down", {"Retry-After": "86400"}))
    server.route("/huge", Reply(200, b"x" * 5000, {"Content-Type": "text/plain"}))
    refused = f"http://127.0.0.1:{free_port()}/nothing-here"
    urls = [server.url("/down"), server.url("/later"), server.url("/private/page"),
            server.url("/huge"), server.url("/gone"), refused]
    # Requests queued while robots.txt is fetched are checked too (Scrapy 2.19 lets them by).
    blocked = [server.url(f"/private/{n}") for n in range(3)]
    result, reasons = await crawl_urls(tmp_path, urls + blocked, DOWNLOAD_MAXSIZE=1000)
    assert reasons == {
        server.url("/down"): "HTTP 503 Service Unavailable",
        server.url("/later"): "HTTP 429 Too Many Requests (Retry-After: 86400)",
        server.url("/private/page"): "blocked: robots.txt",
        server.url("/huge"): "too large: 5000 bytes (limit 1000)",
        server.url("/gone"): "HTTP 404 Not Found",
        refused: "connection refused",
        **{url: "blocked: robots.txt" for url in blocked},
    }
    assert server.hits("/down") == 4, "first try and RETRY_TIMES=3 retries"
    assert server.hits("/later") == 1, "a Retry-After beyond RETRY_AFTER_MAX is not waited for"
    assert not [path for path, _ in server.requests if path.startswith("/private/")]
    assert result.summary.endswith("0 archived (0 new, 0 changed), 0 unchanged, 9 failed")


@pytest_twisted.ensureDeferred
async def test_retry_after_is_honoured(server, tmp_path):
    server.route("/busy", Reply(503, b"", {"Retry-After": "1"}),
                 Reply(200, b"<html><body><p>Back again.</p></body></html>",
                       {"Content-Type": "text/html"}))
    _, reasons = await crawl_urls(tmp_path, [server.url("/busy")])
    assert reasons == {}
    first, second = server.times["/busy"]
    assert second - first >= 0.95, "the retry waited for the server's Retry-After"


@pytest_twisted.ensureDeferred
async def test_polite_request_headers(server, tmp_path):
    await crawl_urls(tmp_path, [server.url("/climate")])
    paths = [path for path, _ in server.requests]
    assert paths.index("/robots.txt") < paths.index("/climate")
    headers = dict(server.requests[paths.index("/climate")][1])
    assert headers["User-Agent"].startswith("sourcekeeper/")
    assert "Cookie" not in headers


@pytest_twisted.ensureDeferred
async def test_hostile_servers(server, tmp_path):
    article = (b"<html><body><article><p>" + "Zürich und Genève: ".encode() * 30
               + b"</p></article></body></html>")
    server.route("/drip", Reply(200, b"x" * 200, {"Content-Type": "text/html"}, drip=0.05))
    server.route("/bomb", Reply(200, gzip.compress(b"\0" * (30 * 1024 * 1024)),
                                {"Content-Type": "text/html", "Content-Encoding": "gzip"}))
    server.route("/loop", redirect("/loop", 302))
    for n in range(15):
        server.route(f"/chain/{n}", redirect(f"/chain/{n + 1}", 302))
    server.route("/reset", Reply(200, b"<html>" + b"a" * 5000, {"Content-Type": "text/html"},
                                 cut=100))
    server.route("/garbage", Reply(200, bytes(range(256)) * 20 + b"<<<>>></p><div",
                                   {"Content-Type": "text/html"}))
    server.route("/no-charset", Reply(200, article, {"Content-Type": "text/html"}))
    server.route("/wrong-charset", Reply(200, article.decode().encode("cp1252"),
                                         {"Content-Type": "text/html; charset=utf-8"}))
    # Nothing declared, legacy bytes: the extraction worker detects the charset (the
    # crawling process reads only what a response declares: crawler.fetch.requests).
    server.route("/undeclared-cp1252", Reply(200, article.decode().encode("cp1252"),
                                             {"Content-Type": "text/html"}))
    server.route("/undeclared-text", Reply(200, "Zürich und Genève, à l'été.\n".encode("cp1252")
                                           * 20, {"Content-Type": "text/plain"}))
    server.route("/empty", Reply(200, b"", {"Content-Type": "text/html"}))
    server.route("/never", Reply(502, b"bad gateway"))
    paths = ["/drip", "/bomb", "/loop", "/chain/0", "/reset", "/garbage", "/no-charset",
             "/wrong-charset", "/undeclared-cp1252", "/undeclared-text", "/empty", "/never",
             "/climate"]
    _, reasons = await crawl_urls(tmp_path, [server.url(p) for p in paths],
                                  DOWNLOAD_TIMEOUT=1.5)
    assert reasons == {
        server.url("/drip"): "timeout",
        server.url("/bomb"): "too large: over 20971520 bytes once decompressed",
        server.url("/loop"): "too many redirects",
        server.url("/chain/0"): "too many redirects",
        server.url("/reset"): reasons[server.url("/reset")],
        server.url("/never"): "HTTP 502 Bad Gateway",
    }
    assert reasons[server.url("/reset")].startswith("connection lost")
    snapshots = snapshots_by_path(tmp_path / "archive.db", server.base)
    assert "Zürich und Genève" in snapshots["/no-charset"].text
    assert "Zürich und Genève" in snapshots["/wrong-charset"].text
    assert "Zürich und Genève" in snapshots["/undeclared-cp1252"].text
    assert "Zürich und Genève, à l'été." in snapshots["/undeclared-text"].text
    assert snapshots["/empty"].body_size == 0
    assert snapshots["/garbage"].status == 200
    assert "redress the climate crisis" in snapshots["/climate"].text
    assert server.hits("/never") == 4 and server.hits("/chain/11") == 0


@pytest_twisted.ensureDeferred
async def test_private_addresses_are_refused_by_default(server, tmp_path):
    port = server.httpd.server_address[1]
    urls = [f"http://127.0.0.1:{port}/climate", f"http://localhost:{port}/climate",
            f"http://[::1]:{port}/climate", "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.1/admin"]
    result, found = await crawl_urls(tmp_path, urls, FETCH_ALLOW_PRIVATE=False,
                                     RETRY_TIMES=0, DOWNLOAD_TIMEOUT=5)
    assert found[f"http://127.0.0.1:{port}/climate"] == "blocked: private address 127.0.0.1"
    assert found[f"http://localhost:{port}/climate"].startswith("blocked: private address ")
    assert found[f"http://[::1]:{port}/climate"] == "blocked: private address ::1"
    assert found["http://169.254.169.254/latest/meta-data/"] == (
        "blocked: private address 169.254.169.254")
    assert found["http://10.0.0.1/admin"] == "blocked: private address 10.0.0.1"
    assert server.requests == [], "not even robots.txt was asked"
    assert "5 failed" in result.summary


@pytest_twisted.ensureDeferred
async def test_each_redirect_hop_is_checked(server, tmp_path):
    with FixtureServer() as inside:
        inside.route("/secret", Reply(200, b"<p>internal</p>", {"Content-Type": "text/html"}))
        server.route("/hop", redirect(inside.url("/secret"), 302))
        allowed = server.base.removeprefix("http://")
        _, found = await crawl_urls(tmp_path, [server.url("/hop")], FETCH_ALLOW_PRIVATE=False,
                                    FETCH_ALLOWED_HOSTS=allowed, RETRY_TIMES=0)
        assert found == {server.url("/hop"): "blocked: private address 127.0.0.1"}
        assert server.hits("/hop") == 1 and inside.requests == []


@pytest_twisted.ensureDeferred
async def test_redirect_to_another_scheme_is_not_followed(server, tmp_path):
    server.route("/to-file", redirect("file:///etc/passwd", 302))
    _, found = await crawl_urls(tmp_path, [server.url("/to-file")], RETRY_TIMES=0)
    assert found == {server.url("/to-file"): "HTTP 302 Found"}
    assert list(api.snapshots(db=str(tmp_path / "archive.db"))) == []


@pytest_twisted.ensureDeferred
async def test_a_url_too_long_to_fetch_is_recorded_as_failed(server, tmp_path):
    long = server.url("/story?" + "q=" + "x" * 2100)
    server.route("/hop-long", redirect(long, 302))
    _, found = await crawl_urls(tmp_path, [long, server.url("/hop-long")])
    assert found == {long: f"URL too long: {len(long)} characters (limit 2083)",
                     server.url("/hop-long"): f"URL too long: {len(long)} characters "
                                              "(limit 2083)"}
    assert not [path for path, _ in server.requests if path.startswith("/story")]
