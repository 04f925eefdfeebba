"""Evidence a fact-checker can trust, crawled from a local server that edits its pages between
fetches: a reversed headline and a changed number are material changes, a ticking time stamp
is churn (no new text snapshot, no shorter interval), and a correction note outside the
article container is kept and searchable (``html-changed``)."""

from __future__ import annotations

import pytest_twisted

from crawler import api
from crawler.core.models import Outcome
from tests.helpers import crawl_here
from tests.server import Reply

PARAGRAPHS = [
    "A federal appeals court ruled on Tuesday that the online retailer must answer for "
    "defective goods sold on its marketplace by other companies.",
    "The company said it had shipped nearly 63 million devices in the quarter, a record "
    "driven by demand in Asia and Europe.",
    "\"We disagree with the decision and are considering our options,\" a spokeswoman for the "
    "company said in a statement on Wednesday.",
    "Consumer groups welcomed the ruling, which they said closed a loophole that had let "
    "sellers avoid responsibility for dangerous products.",
    "The case began when a customer was injured by a replacement battery bought through the "
    "site from a seller that could no longer be found.",
    "Lawyers for the retailer argued that it merely provided a platform and never held title "
    "to the goods, an argument the three judges rejected.",
]
HEADLINE = "Amazon Liable for Defective Third-Party Products"


def article(headline: str = HEADLINE, paragraphs: list[str] = PARAGRAPHS, stamp: str = "",
            after: str = "", title: str | None = None) -> Reply:
    """A news page: navigation, a time stamp, the article, and whatever follows it."""
    body = "".join(f"<p>{text}</p>" for text in paragraphs)
    html = f"""<!doctype html><html lang="en"><head><title>{title or headline}</title>
<meta property="og:title" content="{headline}"></head><body>
<nav><a href="/">Home</a> <a href="/news">News</a></nav>
<div class="updated">{stamp}</div>
<article><h1>{headline}</h1><p class="byline">By Jane Doe</p>{body}</article>
{after}<footer>Copyright The Daily Example</footer></body></html>"""
    return Reply(200, html.encode(), {"Content-Type": "text/html; charset=utf-8"})


async def fetch(db, server, path: str):
    return (await crawl_here(db, url=server.url(path))).last


@pytest_twisted.ensureDeferred
async def test_a_reversed_headline_is_a_material_change(server, tmp_path):
    db = tmp_path / "archive.db"
    server.route("/story", article(), article("Court Clears Amazon of Liability"))
    assert (await fetch(db, server, "/story")).outcome is Outcome.NEW
    changed = await fetch(db, server, "/story")
    assert changed.outcome is Outcome.CHANGED
    assert changed.change.startswith(
        "material: headline changed ('Amazon Liable for Defective Third-Party Products' → "
        "'Court Clears Amazon of Liability')")
    [listed] = api.changes(db=str(db))
    assert listed.url == server.url("/story") and listed.material


@pytest_twisted.ensureDeferred
async def test_a_changed_number_and_a_deleted_clause_are_material(server, tmp_path):
    db = tmp_path / "archive.db"
    edited = [PARAGRAPHS[0], "The company said it had shipped 62 million devices in the "
              "quarter.", *PARAGRAPHS[2:]]
    server.route("/story", article(), article(paragraphs=edited))
    await fetch(db, server, "/story")
    changed = await fetch(db, server, "/story")
    assert changed.outcome is Outcome.CHANGED
    assert "a number changed (63 million → 62 million)" in changed.change
    assert "words removed ('a record driven by demand in Asia and Europe.')" in changed.change
    history = api.history(server.url("/story"), db=str(db))
    assert history[-1].change == changed.change


@pytest_twisted.ensureDeferred
async def test_a_ticking_time_stamp_is_churn(server, tmp_path):
    db = tmp_path / "archive.db"
    short = ["The service is running normally.", "No incidents were reported today."]
    server.route("/status", *(article("Service status", short, f"Updated at 12:0{n}:44")
                              for n in range(4)))
    assert (await fetch(db, server, "/status")).outcome is Outcome.NEW
    first_interval = api.list_urls(db=str(db))[0].interval
    outcomes = [(await fetch(db, server, "/status")).outcome for _ in range(3)]
    assert outcomes == [Outcome.CHURN] * 3
    assert api.list_urls(db=str(db))[0].interval > first_interval, "churn does not shorten"
    snapshots = list(api.snapshots(db=str(db)))
    assert [record.change for record in snapshots] == ["new", "churn", "churn", "churn"]
    assert [record.text is not None for record in snapshots] == [True, False, False, False]
    assert len({record.body_sha256 for record in snapshots}) == 4, "every body is kept"
    assert api.changes(db=str(db)) == []
    [churn] = api.changes(db=str(db), everything=True)
    assert churn.summary.startswith("churn: a time stamp changed")


@pytest_twisted.ensureDeferred
async def test_a_correction_outside_the_article_is_kept_and_searchable(server, tmp_path):
    db = tmp_path / "archive.db"
    note = ("<div class='correction'><p>Correction: An earlier version of this article "
            "misstated the court that issued the ruling.</p></div>")
    server.route("/story", article(), article(after=note))
    await fetch(db, server, "/story")
    result = await fetch(db, server, "/story")
    assert result.outcome is Outcome.HTML_CHANGED
    assert result.change.startswith("material: outside the article: 1 sentence added")
    latest = list(api.snapshots(db=str(db)))[-1]
    assert latest.change == "html-changed" and "misstated the court" in latest.page_text
    assert b"misstated the court" in api.body(latest.body_sha256, db=str(db))
    [hit] = api.search("misstated court", db=str(db))
    assert hit.where == server.url("/story")
    assert [change.outcome for change in api.changes(db=str(db))] == [Outcome.HTML_CHANGED]


@pytest_twisted.ensureDeferred
async def test_markup_only_changes_keep_the_body_as_churn(server, tmp_path):
    """Nothing received is discarded: a new nonce is a body of its own, kept (churn: no
    text snapshot, no shorter interval); the same body again adds a check only."""
    db = tmp_path / "archive.db"
    nonce = article(after="<script>var nonce = 'a81f';</script>")
    server.route("/story", article(), nonce, nonce)
    await fetch(db, server, "/story")
    markup = await fetch(db, server, "/story")
    assert markup.outcome is Outcome.CHURN and markup.change == "churn: only the markup changed"
    assert (await fetch(db, server, "/story")).outcome is Outcome.UNCHANGED
    snapshots = list(api.snapshots(db=str(db)))
    assert [record.change for record in snapshots] == ["new", "churn"]
    assert b"a81f" in api.body(snapshots[-1].body_sha256, db=str(db))
    # The newest version of the page is still the article of the first snapshot.
    assert api.show(server.url("/story"), db=str(db)).text == snapshots[0].text
    at_churn = api.show(server.url("/story"), db=str(db), at=snapshots[1].fetched_at)
    assert at_churn.id == snapshots[0].id
    assert [record.id for record in api.snapshots(db=str(db), latest=True)] == [
        snapshots[0].id]


@pytest_twisted.ensureDeferred
async def test_a_title_only_edit_is_kept_as_html_changed(server, tmp_path):
    """The <title> (a browser tab, a search result) edited while the <h1> stays: trafilatura's
    headline is the <h1>, so only the page's title tells."""
    db = tmp_path / "archive.db"
    server.route("/story", article(), article(title="Amazon cleared by court | Example"))
    await fetch(db, server, "/story")
    edited = await fetch(db, server, "/story")
    assert edited.outcome is Outcome.HTML_CHANGED
    assert edited.change.startswith(
        "material: outside the article: page title changed ('Amazon Liable for Defective "
        "Third-Party Products' → 'Amazon cleared by court | Example')")
    latest = list(api.snapshots(db=str(db)))[-1]
    assert latest.metadata["page_title"] == "Amazon cleared by court | Example"
    assert b"Amazon cleared by court" in api.body(latest.body_sha256, db=str(db))
