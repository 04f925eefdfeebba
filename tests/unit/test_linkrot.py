"""States of a cited URL from its checks and snapshots."""

from __future__ import annotations

import pytest

from crawler.core.linkrot import classify
from crawler.core.models import Outcome, UrlState
from crawler.core.views import CheckInfo, SnapshotInfo

URL = "https://news.example.org/2021/04/story"
ARTICLE = " ".join(f"Paragraph {n} of the story tells what happened on day {n}." for n in range(60))


def ok(at="2026-01-01"):
    return CheckInfo(outcome=Outcome.UNCHANGED, status=200, reason=None, checked_at=at)


def failed(status=None, reason="HTTP 404 Not Found", at="2026-01-02"):
    return CheckInfo(outcome=Outcome.FAILED, status=status, reason=reason, checked_at=at)


def snap(id=1, text=ARTICLE, final=URL, title="Story"):
    return SnapshotInfo(id=id, text=text, final_url=final, title=title, fetched_at="2026")


@pytest.mark.parametrize("checks, latest, state", [
    ([], None, UrlState.UNCHECKED),
    ([ok()], snap(), UrlState.OK),
    ([ok()], None, UrlState.OK),  # archived, but no text in it (an image, a PDF of scans)
    ([failed(404)], snap(), UrlState.FAILING),
    ([failed(404, at="2"), failed(410, "HTTP 410 Gone", at="1"), ok()], snap(), UrlState.GONE),
    ([failed(reason="DNS lookup failed")], None, UrlState.FAILING),
    ([failed(reason="timeout"), failed(reason="timeout")], snap(), UrlState.UNREACHABLE),
    ([failed(reason="timeout"), failed(404)], snap(), UrlState.FAILING),
    ([failed(403, "HTTP 403 Forbidden")], snap(), UrlState.BLOCKED),
    ([failed(reason="blocked: robots.txt")], None, UrlState.BLOCKED),
    ([failed(503, "HTTP 503 Service Unavailable")] * 3, snap(), UrlState.FAILING),
    ([ok()], snap(final="https://news.example.org/"), UrlState.SOFT_404),
    ([ok()], snap(text="Sorry, this page could not be found.", title="Not Found"),
     UrlState.SOFT_404),
    ([ok()], snap(final="https://www.news.example.org/2021/04/story/"), UrlState.OK),
    ([ok()], snap(final="https://news.example.org/archive/2021/story"), UrlState.MOVED),
])
def test_states(checks, latest, state):
    assert classify(URL, checks, latest, latest).state is state


def test_changed_only_when_material():
    first = snap(1)
    churn = snap(2, text="Updated 11:00. " + ARTICLE)
    assert classify(URL, [ok()], first, churn).state is UrlState.OK
    edit = snap(2, text=ARTICLE[: len(ARTICLE) // 3] + " The rest was withdrawn.")
    result = classify(URL, [ok()], first, edit)
    assert result.state is UrlState.CHANGED and "since the first snapshot" in result.detail
