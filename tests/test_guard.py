"""The SSRF guard: private, loopback and link-local addresses are never fetched."""

from __future__ import annotations

import pytest

from crawler.fetch.guard import is_public
from tests.conftest import rows
from tests.server import FixtureServer, Reply, redirect

QUICK = ["-s", "AUTOTHROTTLE_START_DELAY=0", "-s", "RETRY_TIMES=0", "-s", "DOWNLOAD_TIMEOUT=5"]


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0",
    "100.64.0.1", "224.0.0.1", "255.255.255.255", "::1", "fe80::1", "fc00::1", "::",
    "::ffff:127.0.0.1", "ff02::1", "not an address",
])
def test_not_public(address):
    assert not is_public(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public(address):
    assert is_public(address)


def reasons(db) -> dict[str, str]:
    return {row["url"]: row["reason"] for row in rows(
        db, "SELECT urls.url, reason FROM checks JOIN urls ON urls.id = url_id"
            " WHERE outcome = 'failed'")}


def test_private_addresses_are_refused_by_default(sourcekeeper, server, tmp_path):
    port = server.httpd.server_address[1]
    urls = [f"http://127.0.0.1:{port}/climate", f"http://localhost:{port}/climate",
            f"http://[::1]:{port}/climate", "http://169.254.169.254/latest/meta-data/",
            "http://10.0.0.1/admin"]
    doc = tmp_path / "doc.txt"
    doc.write_text("\n".join(f"See {url} now." for url in urls) + "\n")
    db = tmp_path / "a.db"
    result = sourcekeeper("crawl", str(doc), "--db", str(db), *QUICK)
    assert result.returncode == 0, result.stderr
    found = reasons(db)
    assert found[f"http://127.0.0.1:{port}/climate"] == "blocked: private address 127.0.0.1"
    assert found[f"http://localhost:{port}/climate"].startswith("blocked: private address ")
    assert found[f"http://[::1]:{port}/climate"] == "blocked: private address ::1"
    assert found["http://169.254.169.254/latest/meta-data/"] == (
        "blocked: private address 169.254.169.254")
    assert found["http://10.0.0.1/admin"] == "blocked: private address 10.0.0.1"
    assert server.requests == [], "not even robots.txt was asked"
    assert "5 failed" in result.stdout


def test_each_redirect_hop_is_checked(sourcekeeper, server, tmp_path):
    with FixtureServer() as inside:
        inside.route("/secret", Reply(200, b"<p>internal</p>", {"Content-Type": "text/html"}))
        server.route("/hop", redirect(inside.url("/secret"), 302))
        doc = tmp_path / "doc.txt"
        doc.write_text(f"See {server.url('/hop')}\n")
        db = tmp_path / "a.db"
        allowed = server.base.removeprefix("http://")
        result = sourcekeeper("crawl", str(doc), "--db", str(db), *QUICK,
                              "-s", f"FETCH_ALLOWED_HOSTS={allowed}")
        assert result.returncode == 0, result.stderr
        assert reasons(db) == {server.url("/hop"): "blocked: private address 127.0.0.1"}
        assert server.hits("/hop") == 1 and inside.requests == []


def test_redirect_to_another_scheme_is_not_followed(sourcekeeper, server, tmp_path):
    server.route("/to-file", redirect("file:///etc/passwd", 302))
    doc = tmp_path / "doc.txt"
    doc.write_text(f"See {server.url('/to-file')}\n")
    db = tmp_path / "a.db"
    assert sourcekeeper("crawl", str(doc), "--db", str(db), "--allow-private",
                        *QUICK).returncode == 0
    assert reasons(db) == {server.url("/to-file"): "HTTP 302 Found"}
    assert rows(db, "SELECT count(*) AS n FROM snapshots") == [{"n": 0}]
