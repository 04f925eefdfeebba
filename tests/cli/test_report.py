"""The provenance report over three crawls of a site whose pages change, die and move."""

from __future__ import annotations

import csv
import io
import json

import pytest
import pytest_twisted

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
    assert partly["unsourced_quotes"] == ["We will not accept this budget under any circumstances"]

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
    order = [entry["path"].rsplit("/", 1)[-1] for entry in entries]
    assert order == ["b-partly.txt", "c-none.txt", "a-match.txt"], "broken originals first"
    assert [e["attention"] for e in entries] == [True, True, True]
    edited = next(s for e in entries for s in e["sources"] if s["url"].endswith("/edited"))
    assert edited["coverage"] < 0.6 and edited["first_archived"] < edited["last_archived"]

    text = report(invoke, db)
    assert text.startswith(f"!! {site / 'b-partly.txt'}")
    assert "not in source: The mayor resigned in protest" in text

    rows = list(csv.DictReader(io.StringIO(report(invoke, db, "--format", "csv"))))
    assert len(rows) == 8 and {row["state"] for row in rows} >= {"gone", "changed", "moved"}

    out = tmp_path / "report.html"
    report(invoke, db, "--format", "html", "-o", str(out))
    html = out.read_text()
    assert "<script" not in html and "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "&lt;script&gt;alert(&#x27;quoted&#x27;)&lt;/script&gt;" in html
    assert "The mayor resigned in protest" in html and "gone" in html
    assert "http://" not in html.split("<body>")[0], "no external assets in the head"
    assert "default-src 'none'" in html

    only = report(invoke, db, "--document", str(site / "a-match.txt"))
    assert only.count("\n\n") == 1 and "a-match.txt" in only
