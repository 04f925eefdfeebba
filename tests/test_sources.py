"""The ``sources`` spider against a local server: failures get precise reasons, and it runs
the Scrapy way (``scrapy crawl sources``) from the project root too."""

from __future__ import annotations

import gzip
import shutil
import socket
import subprocess
import sys
from pathlib import Path

from tests.conftest import FAST, rows
from tests.server import Reply, redirect

ROOT = Path(__file__).resolve().parents[1]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def crawl_urls(sourcekeeper, tmp_path, urls, *settings):
    doc = tmp_path / "doc.txt"
    doc.write_text("\n\n".join(f"See {url} for details." for url in urls) + "\n")
    db = tmp_path / "archive.db"
    result = sourcekeeper("crawl", str(doc), "--db", str(db), *FAST, *settings)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    reasons = {row["url"]: row["reason"] for row in rows(
        db, "SELECT urls.url, reason FROM checks JOIN urls ON urls.id = url_id"
            " WHERE outcome = 'failed'")}
    return result, reasons


def test_failure_reasons(sourcekeeper, server, tmp_path):
    server.route("/down", Reply(503, b"down", {"Content-Type": "text/plain"}))
    server.route("/later", Reply(429, b"slow down", {"Retry-After": "86400"}))
    server.route("/huge", Reply(200, b"x" * 5000, {"Content-Type": "text/plain"}))
    refused = f"http://127.0.0.1:{closed_port()}/nothing-here"
    urls = [server.url("/down"), server.url("/later"), server.url("/private/page"),
            server.url("/huge"), server.url("/gone"), refused]
    # Requests queued while robots.txt is fetched are checked too (Scrapy 2.19 lets them by).
    blocked = [server.url(f"/private/{n}") for n in range(3)]
    urls += blocked
    result, reasons = crawl_urls(sourcekeeper, tmp_path, urls, "-s", "DOWNLOAD_MAXSIZE=1000")
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
    assert result.stdout.strip().endswith("0 archived (0 new, 0 changed), 0 unchanged, 9 failed")


def test_retry_after_is_honoured(sourcekeeper, server, tmp_path):
    server.route("/busy", Reply(503, b"", {"Retry-After": "1"}),
                 Reply(200, b"<html><body><p>Back again.</p></body></html>",
                       {"Content-Type": "text/html"}))
    _, reasons = crawl_urls(sourcekeeper, tmp_path, [server.url("/busy")])
    assert reasons == {}
    first, second = server.times["/busy"]
    assert second - first >= 0.95, "the retry waited for the server's Retry-After"


def test_polite_request_headers(sourcekeeper, server, tmp_path):
    crawl_urls(sourcekeeper, tmp_path, [server.url("/climate")])
    paths = [path for path, _ in server.requests]
    assert paths.index("/robots.txt") < paths.index("/climate")
    headers = dict(server.requests[paths.index("/climate")][1])
    assert headers["User-Agent"].startswith("sourcekeeper/")
    assert "Cookie" not in headers


def test_scrapy_crawl_from_the_project_root(server, documents, tmp_path):
    db = tmp_path / "scrapy-way.db"
    scrapy = shutil.which("scrapy", path=str(Path(sys.executable).parent))
    result = subprocess.run(
        [scrapy, "crawl", "sources", "-a", f"documents={documents / 'moscow-times.txt'}",
         "-s", f"ARCHIVE_DB={db}", "-s", "FETCH_ALLOW_PRIVATE=1",
         "-s", "AUTOTHROTTLE_START_DELAY=0", "-s", "EXTRACT_WORKERS=0"],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "'archive/snapshots/new': 2" in result.stderr
    assert {row["role"] for row in rows(db, "SELECT role FROM mentions")} == {
        "original", "related"}


def test_hostile_servers(sourcekeeper, server, tmp_path):
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
    server.route("/empty", Reply(200, b"", {"Content-Type": "text/html"}))
    server.route("/never", Reply(502, b"bad gateway"))
    paths = ["/drip", "/bomb", "/loop", "/chain/0", "/reset", "/garbage", "/no-charset",
             "/wrong-charset", "/empty", "/never", "/climate"]
    result, reasons = crawl_urls(sourcekeeper, tmp_path, [server.url(p) for p in paths],
                                 "-s", "DOWNLOAD_TIMEOUT=3")
    assert reasons == {
        server.url("/drip"): "timeout",
        server.url("/bomb"): "too large: over 20971520 bytes once decompressed",
        server.url("/loop"): "too many redirects",
        server.url("/chain/0"): "too many redirects",
        server.url("/reset"): reasons[server.url("/reset")],
        server.url("/never"): "HTTP 502 Bad Gateway",
    }
    assert reasons[server.url("/reset")].startswith("connection lost")
    texts = {row["url"]: row for row in rows(
        tmp_path / "archive.db", "SELECT urls.url, text, body_size, status FROM snapshots"
                                 " JOIN urls ON urls.id = url_id")}
    assert "Zürich und Genève" in texts[server.url("/no-charset")]["text"]
    assert "Zürich und Genève" in texts[server.url("/wrong-charset")]["text"]
    assert texts[server.url("/empty")]["body_size"] == 0
    assert texts[server.url("/garbage")]["status"] == 200
    assert "redress the climate crisis" in texts[server.url("/climate")]["text"]
    assert server.hits("/never") == 4 and server.hits("/chain/11") == 0
