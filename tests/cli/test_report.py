"""The provenance report over three crawls of a site whose pages change, die and move."""

from __future__ import annotations

import csv
import io
import json

import pytest
import pytest_twisted

from crawler import api
from crawler.core.clock import shown_time
from tests.helpers import crawl_here
from tests.server import Reply, redirect

STORY = [
    "The city council met on Monday evening to debate the draft budget for next year.",
    "Councillors argued for three hours about the cost of repairing the old river bridge.",
    "The treasurer warned that reserves would run out by the autumn without new taxes.",
    "Opposition members proposed selling the disused tram depot to a housing cooperative.",
    "Residents filled the public gallery, many holding signs about the closed library.",
    "A vote on the library's future was postponed until the finance committee reports.",
    "The mayor said the bridge repairs could not wait another winter of heavy traffic.",
    "Engineers estimate the work will take eighteen months and close two lanes at a time.",
    "Local businesses near the bridge asked for compensation during the roadworks.",
    "The council agreed to publish a full breakdown of spending on its website.",
    "Several members criticised the late delivery of the documents before the meeting.",
    "The next session is scheduled for the first Thursday of the coming month.",
]


def article(paragraphs, title="Council story", stamp=""):
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return Reply(200, (f"<html><head><title>{title}</title></head><body><article><h1>{title}"
                       f"</h1><p>{stamp}</p>{body}</article></body></html>").encode(),
                 {"Content-Type": "text/html; charset=utf-8"})


NOT_FOUND = Reply(200, b"<html><head><title>Page not found</title></head><body><article>"
                       b"<h1>Page not found</h1><p>Sorry, this page could not be found.</p>"
                       b"</article></body></html>", {"Content-Type": "text/html"})


@pytest.fixture
def site(server, tmp_path):
    server.route("/", article(["Welcome to the home page of the city news site."] * 3, "Home"))
    server.route("/edited", article(STORY))
    server.route("/stamped", article(STORY, stamp="Updated 10:00"))
    server.route("/removed", article(STORY))
    server.route("/home", article(STORY))
    server.route("/soft", NOT_FOUND)
    server.route("/moved", redirect("/archive/2021/moved"))
    server.route("/archive/2021/moved", article(STORY))
    server.route("/forbidden", Reply(403, b"no"))
    server.route("/evil", article(["<script>alert(1)</script> is what the page says about "
                                   "item 1 of the budget today."], "<script>x</script>"))
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a-match.txt").write_text(" ".join(STORY) + f"\n\nOriginal url: {server.url('/edited')}"
                                      f"\nSee also {server.url('/stamped')}\n")
    (docs / "b-partly.txt").write_text(
        " ".join(STORY[:6]) + " The mayor resigned in protest after a heated exchange with "
        "the treasurer. \"We will not accept this budget under any circumstances,\" she said."
        f"\n\nSource: {server.url('/removed')}\n")
    (docs / "c-none.txt").write_text(
        "A recipe for bread <img src=x onerror=alert(1)> needs flour, water, salt and a lot of "
        "patience. \"<script>alert('quoted')</script> is what we quote here\". "
        f"\n\nOriginal url: {server.url('/home')}\nAlso {server.url('/soft')} and "
        f"{server.url('/moved')} and {server.url('/forbidden')} and {server.url('/evil')}\n")
    return docs


async def crawl(docs, db):
    result = await crawl_here(db, [docs], everything=True, RETRY_TIMES=0)
    assert result.finished


def report(invoke, db, *args):
    result = invoke("report", "--db", str(db), *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest_twisted.ensureDeferred
async def test_states_scores_and_report(invoke, server, site, tmp_path):
    db = tmp_path / "a.db"
    await crawl(site, db)
    first = json.loads(report(invoke, db, "--format", "json"))["documents"]
    by_path = {entry["path"].rsplit("/", 1)[-1]: entry for entry in first}
    match = {s["url"]: s for s in by_path["a-match.txt"]["sources"]}
    assert match[server.url("/edited")]["coverage"] == 1.0
    partly = by_path["b-partly.txt"]
    assert 0.4 < partly["sources"][0]["coverage"] < 0.8
    assert partly["sources"][0]["missing"] == [
        "The mayor resigned in protest after a heated exchange with the treasurer.",
        '"We will not accept this budget under any circumstances," she said.']
    assert [(q["quote"], q["status"]) for q in partly["quotes"]] == [
        ("We will not accept this budget under any circumstances", "never found")]
    none = by_path["c-none.txt"]
    original = none["sources"][0]
    assert original["role"] == "original" and original["coverage"] is None, \
        "a note that is no copy of its original gets no coverage"
    assert original["missing"] == []

    # Between crawls: a real edit, a date stamp, a removal, a redirect to the home page.
    server.route("/edited", article(STORY[:4] + ["The council postponed every decision "
                                                 "until further notice, officials said."]))
    server.route("/stamped", article(STORY, stamp="Updated 11:00"))
    server.route("/removed", Reply(404, b"gone"))
    server.route("/home", redirect("/", 302))
    await crawl(site, db)
    await crawl(site, db)

    entries = json.loads(report(invoke, db, "--format", "json"))["documents"]
    states = {s["url"].removeprefix(server.base): s["state"]
              for entry in entries for s in entry["sources"]}
    assert states == {"/edited": "changed", "/stamped": "ok", "/removed": "gone",
                      "/home": "soft-404", "/soft": "soft-404", "/moved": "moved",
                      "/forbidden": "blocked", "/evil": "ok"}
    order = [entry["path"] for entry in entries]
    assert order == ["docs/b-partly.txt", "docs/c-none.txt", "docs/a-match.txt"], \
        "broken sources first"
    assert [e["attention"] for e in entries] == [True, True, True]
    assert entries[0]["reasons"] == [f"original source gone: {server.url('/removed')}"]
    assert sorted(entries[1]["reasons"]) == [
        f"cited source blocked: {server.url('/forbidden')}",
        f"cited source moved: {server.url('/moved')}",
        f"cited source soft-404: {server.url('/soft')}",
        f"original source soft-404: {server.url('/home')}"]
    assert entries[2]["reasons"][0].startswith(
        "the original no longer carries the document (coverage 100% on ")
    edited = next(s for e in entries for s in e["sources"] if s["url"].endswith("/edited"))
    assert edited["coverage"] < 0.6 and edited["first_archived"] < edited["last_archived"]

    text = report(invoke, db)
    assert text.startswith("!! docs/b-partly.txt")
    assert f"   needs attention: original source gone: {server.url('/removed')}" in text
    assert "\nLegend:\n  !!         the document needs attention" in text
    assert "not in source: The mayor resigned in protest" in text

    rows = list(csv.DictReader(io.StringIO(report(invoke, db, "--format", "csv"))))
    assert len(rows) == 8 and {row["state"] for row in rows} >= {"gone", "changed", "moved"}

    out = tmp_path / "report.html"
    report(invoke, db, "--format", "html", "-o", str(out))
    html = out.read_text()
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(&#x27;quoted&#x27;)&lt;/script&gt;" in html
    assert "The mayor resigned in protest" in html and "gone" in html
    assert "http://" not in html.split("<body>")[0], "no external assets in the head"
    assert "default-src 'none'" in html

    only = report(invoke, db, "--document", str(site / "a-match.txt"))
    assert only.count("\n\n") == 1 and "a-match.txt" in only


@pytest_twisted.ensureDeferred
async def test_attention_means_something(invoke, server, tmp_path):
    quote = "We will not accept this budget under any circumstances"
    server.route("/dead", Reply(404, b"gone"))
    server.route("/soft", NOT_FOUND)
    server.route("/source", article(STORY))
    server.route("/quoted", article(STORY[:5] + [f"\u201c{quote},\u201d the mayor said."]),
                 article(STORY[:5] + ["The mayor declined to comment."]))
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "links.md").write_text(f"Two leads: {server.url('/dead')} and {server.url('/soft')}\n")
    (docs / "note.md").write_text(
        "My own summary of the council meeting, in my words, for the weekly newsletter.\n\n"
        f"Source: {server.url('/source')}\n")
    (docs / "quote.md").write_text(f"The mayor was firm: \"{quote}.\"\n\nSee "
                                   f"{server.url('/quoted')}\n")
    db = tmp_path / "a.db"
    for _ in range(2):
        await crawl(docs, db)
    entries = {entry["path"]: entry
               for entry in json.loads(report(invoke, db, "--format", "json"))["documents"]}
    links = entries["docs/links.md"]
    assert links["attention"] and sorted(links["reasons"]) == [
        f"cited source gone: {server.url('/dead')}",
        f"cited source soft-404: {server.url('/soft')}"], "any broken source counts"
    note = entries["docs/note.md"]
    assert not note["attention"] and note["reasons"] == []
    assert note["sources"][0]["coverage"] is None and note["sources"][0]["missing"] == []
    quoted = entries["docs/quote.md"]
    [status] = quoted["quotes"]
    history = api.history(server.url("/quoted"), db=str(db))
    assert (status["status"], status["url"], status["since"]) == (
        "removed", server.url("/quoted"), history[-1].checked_at)
    assert quoted["attention"] and quoted["reasons"][0].startswith(
        f"a quote was removed from {server.url('/quoted')} on ")
    text = report(invoke, db)
    assert "coverage   0%" not in text and "      not in source:" not in text
    assert (f"  quote removed since {shown_time(status['since'])} (snapshot "
            f"{status['snapshot_id']}) from {server.url('/quoted')}: \u201c{quote}\u201d") in text
    assert f"removed since {shown_time(status['since'], utc=True)} " in report(
        invoke, db, "--utc"), "UTC when asked; JSON keeps ISO"
    assert not text.startswith("!! docs/note.md")


@pytest_twisted.ensureDeferred
async def test_an_html_document_is_compared_as_its_reader_sees_it(invoke, server, tmp_path):
    """A saved web page is compared with its source as the text a reader sees: its markup
    is never a passage "not in source", nor an attribute's value a quote."""
    server.route("/saved", article(STORY), article(STORY[:6]))
    docs = tmp_path / "docs"
    docs.mkdir()
    body = "".join(f"<p>{p}</p>" for p in STORY)
    (docs / "saved.html").write_text(
        f'<!doctype html><html><head><title>Council story</title><link rel="canonical" '
        f'href="{server.url("/saved")}"></head><body><article><h1>Council story</h1>{body}'
        f'</article></body></html>')
    db = tmp_path / "a.db"
    for _ in range(2):
        await crawl(docs, db)
    [entry] = json.loads(report(invoke, db, "--format", "json"))["documents"]
    assert entry["quotes"] == []
    [source] = entry["sources"]
    assert source["url"] == server.url("/saved") and source["missing"]
    assert all("<" not in passage and "href" not in passage for passage in source["missing"])
    assert any(STORY[8] in passage for passage in source["missing"])
    assert "<!doctype" not in report(invoke, db)
