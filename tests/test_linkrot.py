"""States of a cited URL from its checks and snapshots."""

from __future__ import annotations

import pytest

from crawler.linkrot import classify

URL = "https://news.example.org/2021/04/story"
ARTICLE = " ".join(f"Paragraph {n} of the story tells what happened on day {n}." for n in range(60))


def ok(at="2026-01-01"):
    return {"outcome": "unchanged", "status": 200, "reason": None, "checked_at": at}


def failed(status=None, reason="HTTP 404 Not Found", at="2026-01-02"):
    return {"outcome": "failed", "status": status, "reason": reason, "checked_at": at}


def snap(id=1, text=ARTICLE, final=URL, title="Story"):
    return {"id": id, "text": text, "final_url": final, "title": title, "fetched_at": "2026"}


@pytest.mark.parametrize("checks, latest, state", [
    ([], None, "unchecked"),
    ([ok()], snap(), "ok"),
    ([failed(404)], snap(), "failing"),
    ([failed(404, at="2"), failed(410, "HTTP 410 Gone", at="1"), ok()], snap(), "gone"),
    ([failed(reason="DNS lookup failed")], None, "failing"),
    ([failed(reason="timeout"), failed(reason="timeout")], snap(), "unreachable"),
    ([failed(reason="timeout"), failed(404)], snap(), "failing"),
    ([failed(403, "HTTP 403 Forbidden")], snap(), "blocked"),
    ([failed(reason="blocked: robots.txt")], None, "blocked"),
    ([failed(503, "HTTP 503 Service Unavailable")] * 3, snap(), "failing"),
    ([ok()], snap(final="https://news.example.org/"), "soft-404"),
    ([ok()], snap(text="Sorry, this page could not be found.", title="Not Found"), "soft-404"),
    ([ok()], snap(final="https://www.news.example.org/2021/04/story/"), "ok"),
    ([ok()], snap(final="https://news.example.org/archive/2021/story"), "moved"),
])
def test_states(checks, latest, state):
    assert classify(URL, checks, latest, latest).state == state


def test_changed_only_when_material():
    first = snap(1)
    churn = snap(2, text="Updated 11:00. " + ARTICLE)
    assert classify(URL, [ok()], first, churn).state == "ok"
    edit = snap(2, text=ARTICLE[: len(ARTICLE) // 3] + " The rest was withdrawn.")
    result = classify(URL, [ok()], first, edit)
    assert result.state == "changed" and "similar to the first snapshot" in result.detail
