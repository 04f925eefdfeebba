"""``sourcekeeper serve``'s pages through Starlette's test client: every page type, as HTML
and JSON, the archived page under its CSP, bad ids and parameters, the token. (The same
pages in a real browser: tests/e2e/test_web_ui.py.)"""

from __future__ import annotations

import pytest

from crawler import api
from tests.helpers import PUTIN, RELATED

starlette_testclient = pytest.importorskip("starlette.testclient")


@pytest.fixture
def web(crawled):
    from crawler.web.app import create_app

    return starlette_testclient.TestClient(create_app(str(crawled)), base_url="http://127.0.0.1",
                                           raise_server_exceptions=False)


def test_documents_first_those_that_need_attention(web, crawled):
    page = web.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert "<script" not in page.text
    listed = web.get("/index.json").json()
    assert listed == [r for r in web.get("/", headers={"Accept": "application/json"}).json()]
    assert [d["attention"] for d in listed] == sorted((d["attention"] for d in listed),
                                                      reverse=True)
    filtered = web.get("/", params={"q": "moscow"})
    assert "moscow-times.txt" in filtered.text and "reading-list" not in filtered.text


def test_a_document_marks_its_citations_and_lists_its_sources(web, server):
    [moscow] = [d for d in web.get("/index.json").json() if d["path"].endswith("moscow-times.txt")]
    page = web.get(f"/documents/{moscow['id']}")
    assert page.status_code == 200
    assert '<mark id="cite-' in page.text and server.url(RELATED) in page.text
    assert "/source?url=" in page.text
    data = web.get(f"/documents/{moscow['id']}.json").json()
    assert {s["url"] for s in data["sources"]} == {server.url(PUTIN), server.url(RELATED)}
    assert web.get("/documents/ffffffffffff").status_code == 404
    assert web.get("/documents/..%2F..%2Fetc").status_code == 404


def test_source_snapshot_and_diff(web, crawled, server):
    source = web.get("/source.json", params={"url": server.url(RELATED)}).json()
    assert [c["outcome"] for c in source["checks"]] == ["new", "changed"]
    first, second = (s["id"] for s in source["snapshots"])
    assert "Snapshots" in web.get("/source", params={"url": server.url(RELATED)}).text
    snapshot = web.get(f"/snapshots/{first}")
    assert '<iframe class="archived" sandbox src="/snapshots/' in snapshot.text
    archived = web.get(f"/snapshots/{first}/page")
    assert archived.headers["content-security-policy"].startswith("default-src 'none'")
    assert "sandbox" in archived.headers["content-security-policy"]
    assert archived.headers["x-content-type-options"] == "nosniff"
    assert archived.content == api.body(api.snapshot(first, db=str(crawled)).body_sha256,
                                        db=str(crawled))
    assert web.get(f"/snapshots/{first}/warc").content[:2] == b"\x1f\x8b"
    assert web.get(f"/snapshots/{first}/text").text == api.snapshot(first, db=str(crawled)).text
    diff = web.get("/diff.json", params={"url": server.url(RELATED), "from": first,
                                         "to": second}).json()
    assert diff["material"] and "headline changed" in diff["summary"]
    assert "Removed" in web.get("/diff", params={"url": server.url(RELATED)}).text


def test_changes_search_and_feed(web, server):
    changes = web.get("/changes.json").json()
    assert [c["url"] for c in changes] == [server.url(RELATED)]
    assert web.get("/changes.atom").text.startswith('<?xml version="1.0"')
    hits = web.get("/search.json", params={"q": "Shoigu"}).json()
    assert hits and all("Shoigu" in h["snippet"] for h in hits)
    assert web.get("/search", params={"q": "OR troops"}).status_code == 400


@pytest.mark.parametrize("path, status", [
    ("/snapshots/0", 404), ("/snapshots/abc", 404), ("/snapshots/99999", 404),
    ("/snapshots/%C2%B2", 404), ("/snapshots/99999999999999999999", 404),
    ("/snapshots/1/nothing", 404), ("/source", 400), ("/source?url=javascript:alert(1)", 400),
    ("/source?url=https://nowhere.example/", 404), ("/diff?url=https://a.example/&from=x", 400),
    ("/no/such/page", 404)])
def test_bad_requests_are_answered_not_crashed(web, path, status):
    page = web.get(path)
    assert page.status_code == status, page.text[:300]
    assert "Traceback" not in page.text


def test_a_token_is_asked_once_then_kept_in_a_cookie(crawled):
    from crawler.web.app import create_app

    client = starlette_testclient.TestClient(create_app(str(crawled), token="s3cret"),
                                             base_url="http://127.0.0.1")
    assert client.get("/").status_code == 401
    assert client.get("/", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    first = client.get("/?token=s3cret", follow_redirects=False)
    assert first.status_code == 303 and "token" not in first.headers["location"]
    assert client.get("/").status_code == 200, "the cookie carries it"
    stranger = starlette_testclient.TestClient(create_app(str(crawled), token="s3cret"),
                                               base_url="http://127.0.0.1")
    assert stranger.get("/?token=%C3%A9").status_code == 401, "compared, not a crash"


def test_a_page_that_rebinds_its_name_to_this_machine_reads_nothing(web):
    """DNS rebinding: evil.example now resolves to 127.0.0.1, but the Host header says
    evil.example."""
    assert web.get("/index.json", headers={"Host": "evil.example:8080"}).status_code == 400
    assert web.get("/index.json", headers={"Host": "localhost:8080"}).status_code == 200


def test_serve_refuses_other_addresses_without_a_token(invoke, crawled):
    result = invoke("serve", "--db", str(crawled), "--host", "0.0.0.0")
    assert result.exit_code == 2
    assert "--host 0.0.0.0 lets other machines read the archive" in result.stderr
    missing = invoke("serve", "--db", str(crawled.parent / "nothing.db"), "--port", "0")
    assert missing.exit_code == 1 and "no such archive" in missing.stderr


def test_a_recovered_copy_is_shown_as_the_archive_s_not_ours(tmp_path):
    from crawler.storage import Archive
    from crawler.web.app import create_app
    from tests.helpers import COPY, QUOTE, SAID, URL, store_copy

    db = tmp_path / "a.db"
    with Archive(db) as archive:
        from crawler.core.models import Document, Mention, Role

        document = Document("e" * 64, "note.txt", "text", "utf-8", 100, f"{SAID}\n{URL}\n")
        archive.write(archive.documents.add, document, [Mention(URL, URL, URL, Role.ORIGINAL)],
                      "2026-01-01T00:00:00.000Z")
        archive.write(archive.files.put, "note.txt", "note.txt", document.id,
                      "2026-01-01T00:00:00.000Z")
        snapshot = store_copy(archive, archive.urls.find(URL).id, SAID)
    web = starlette_testclient.TestClient(create_app(str(db)), base_url="http://127.0.0.1")
    page = web.get(f"/documents/{'e' * 12}", params={"utc": "1"})
    assert page.status_code == 200
    assert "archived copy from web.archive.org, taken 2025-06-20" in page.text
    assert f'href="{COPY.uri}"' in page.text
    assert "found only in an archived copy of" in page.text and QUOTE in page.text
    source = web.get("/source", params={"url": URL}).text
    assert "copy from web.archive.org, taken 2025-06-20" in source
    shown = web.get(f"/snapshots/{snapshot}").text
    assert "a copy from the web archive web.archive.org, not our own fetch" in shown
    assert web.get(f"/snapshots/{snapshot}.json").json()["memento"]["uri"] == COPY.uri
