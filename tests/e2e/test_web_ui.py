"""``sourcekeeper serve`` in a real headless Chromium (Debian's ``chromium``, driven by
Playwright with the system browser): a person clicks from the documents to the one that
needs attention, to a source, to a snapshot, to a diff, and sees what the archive holds; an
archived page's scripts neither run nor call out. Screenshots of each page type are saved
under tests/artifacts/ (not committed) for people to look at."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from tests.helpers import FAST, RELATED, ROOT, in_a_thread, system_tool
from tests.server import Reply, page

playwright = pytest.importorskip("playwright.sync_api", reason="needs playwright (test extra)")

ARTIFACTS = ROOT / "tests" / "artifacts"
TRAP = (b"<html><head><title>Council budget approved</title>"
        b"<script>document.title='pwned'; fetch('/beacon-fetch');"
        b"document.body && document.body.insertAdjacentHTML('beforeend','<p id=pwned>x</p>')"
        b"</script></head><body><article><h1>Council budget approved</h1><p>"
        + b"The council approved the budget after a long debate about the line items. " * 12
        + b"</p><img src='/beacon-img'><iframe src='/beacon-frame'></iframe>"
        b"<script src='/beacon-script.js'></script></article></body></html>")


@pytest.fixture
def served(sourcekeeper, documents, server, tmp_path):
    """An archive built by real crawls (one source changed, one gone twice), served by
    ``sourcekeeper serve`` on a free port."""
    server.route("/trap", Reply(200, TRAP, {"Content-Type": "text/html; charset=utf-8"}))
    (documents / "budget.md").write_text(f"# Budget\n\nSource: {server.url('/trap')}\n")
    db = str(tmp_path / "a.db")
    assert sourcekeeper("crawl", str(documents), "--db", db, *FAST).returncode == 0
    server.route(RELATED, page("putin-offers.html"))
    assert sourcekeeper("crawl", str(documents), "--all", "--db", db, *FAST).returncode == 0
    process = subprocess.Popen([sys.executable, "-m", "crawler", "serve", "--db", db, "--port",
                                "0"], stderr=subprocess.PIPE, text=True, cwd=tmp_path)
    line = process.stderr.readline()
    match = re.search(r"at (http://\S+) ", line)
    assert match, line
    yield match[1], server
    process.terminate()
    process.wait(timeout=30)


def test_a_person_finds_what_needs_attention_and_what_a_source_said(served):
    in_a_thread(lambda: _click_through(*served))


def _click_through(base, server):
    chromium = system_tool("chromium", "chromium")
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        tab = browser.new_page(viewport={"width": 1280, "height": 900})
        tab.goto(base)
        rows = tab.locator("tbody tr")
        assert "needs attention" in rows.first.inner_text(), "attention first, in one look"
        tab.screenshot(path=str(ARTIFACTS / "documents.png"), full_page=True)

        tab.get_by_role("link", name=re.compile("moscow-times.txt")).click()
        assert tab.locator("mark").count() >= 2, "each citation marked in the text"
        assert "changed" in tab.locator("table").inner_text()
        tab.screenshot(path=str(ARTIFACTS / "document.png"), full_page=True)

        tab.get_by_role("link", name=server.url(RELATED)).click()
        assert tab.locator("h1").inner_text() == server.url(RELATED)
        tab.screenshot(path=str(ARTIFACTS / "source.png"), full_page=True)
        tab.get_by_role("link", name="diff").first.click()
        assert "headline changed" in tab.locator("main").inner_text()
        assert tab.locator(".removed-text").count() and tab.locator(".added-text").count()
        tab.screenshot(path=str(ARTIFACTS / "diff.png"), full_page=True)

        tab.get_by_role("link", name=re.compile(r"snapshot \d+")).first.click()
        assert "Russia to Withdraw Troops" in tab.locator("main").inner_text(), \
            "what the source said when it was first archived"
        tab.screenshot(path=str(ARTIFACTS / "snapshot.png"), full_page=True)

        tab.goto(base + "changes")
        assert server.url(RELATED) in tab.locator("main").inner_text()
        tab.goto(base + "search?q=Shoigu")
        assert tab.locator("main p").count() >= 1
        browser.close()


def test_an_archived_page_never_runs_its_scripts_nor_calls_out(served):
    base, server = served
    in_a_thread(lambda: _archived_page(base, server))
    beacons = [path for path, _ in server.requests if path.startswith("/beacon")]
    assert beacons == [], "the archived page called out"


def _archived_page(base, server):
    chromium = system_tool("chromium", "chromium")
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        tab = browser.new_page()
        tab.goto(base)
        tab.get_by_role("link", name=re.compile("budget.md")).click()
        tab.get_by_role("link", name=server.url("/trap")).click()
        tab.locator("a[href^='/snapshots/']").first.click()
        frame_element = tab.locator("iframe.archived")
        assert frame_element.get_attribute("sandbox") == ""
        frame = frame_element.content_frame
        frame.locator("h1").wait_for()
        assert frame.locator("h1").inner_text() == "Council budget approved", "it is shown"
        assert frame.locator("#pwned").count() == 0, "its script did not run"
        assert tab.title() != "pwned"
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / "archived-page.png"), full_page=True)
        # The page opened on its own, outside the frame: the CSP sandbox still holds.
        direct = browser.new_page()
        direct.goto(frame_element.get_attribute("src").join([base.rstrip("/"), ""]))
        assert direct.title() == "Council budget approved"
        assert direct.locator("#pwned").count() == 0
        browser.close()
