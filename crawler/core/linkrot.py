"""What state a cited URL is in now, from its checks and snapshots.

States: ``ok``; ``changed`` (the text differs materially from the first snapshot); ``moved``
(it redirects to a different page); ``soft-404`` (a 200 that is a not-found page, or a
redirect to the site's home page); ``gone`` (404/410 on ``CONFIRM`` checks in a row);
``unreachable`` (DNS, refused, timeout, cut connection on ``CONFIRM`` checks in a row);
``blocked`` (401/403/451, robots.txt or our own address guard); ``failing`` (a failure not
yet confirmed, or a server error); ``unchecked``. One failed night is not link rot: states
built on failures need them confirmed. Details name days (UTC), not instants: they are read
by people, in lists and reports.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from crawler.core.edits import Version, compare
from crawler.core.models import Outcome, UrlState
from crawler.core.views import Assessment, CheckInfo, SnapshotInfo
from crawler.core.tokens import words

CONFIRM = 2
_NOT_FOUND = re.compile(
    r"\b(?:404|not found|page not found|no longer available|does not exist|"
    r"(?:cannot|can't|could not) be found|nicht gefunden|introuvable|no encontrada)\b",
    re.IGNORECASE)
_UNREACHABLE = ("DNS lookup failed", "connection refused", "timeout", "connection lost")


def _failure_kind(check: CheckInfo) -> UrlState:
    status, reason = check.status, check.reason or ""
    if status in (401, 403, 451) or reason.startswith("blocked"):
        return UrlState.BLOCKED
    if status in (404, 410):
        return UrlState.GONE
    if reason.startswith(_UNREACHABLE):
        return UrlState.UNREACHABLE
    return UrlState.FAILING


def _page(url: str) -> tuple[str, str]:
    """Host without ``www.`` and path without trailing slash: what a move must change."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    return host, parts.path.rstrip("/") + (f"?{parts.query}" if parts.query else "")


def _soft_404(requested: str, snapshot: SnapshotInfo) -> str | None:
    final = snapshot.final_url or requested
    if _page(requested)[1] and not _page(final)[1] and final != requested:
        return f"redirects to the home page {final}"
    text = snapshot.text or ""
    head = f"{snapshot.title or ''} {text[:300]}"
    if _NOT_FOUND.search(head) and len(words(text)) < 200:
        return f"a not-found page: {(snapshot.title or text[:60]).strip()}"
    return None


def classify(url: str, checks: Sequence[CheckInfo], first: SnapshotInfo | None,
             latest: SnapshotInfo | None) -> Assessment:
    """A URL's state from its ``checks`` (newest first) and its ``first`` and ``latest``
    snapshots."""
    if not checks:
        return Assessment(UrlState.UNCHECKED)
    head = checks[0]
    if head.outcome == Outcome.FAILED:
        kind = _failure_kind(head)
        run = 0
        for check in checks:
            if check.outcome != Outcome.FAILED or _failure_kind(check) != kind:
                break
            run += 1
        if kind is UrlState.BLOCKED:
            return Assessment(UrlState.BLOCKED, head.reason or "")
        if kind in (UrlState.GONE, UrlState.UNREACHABLE) and run >= CONFIRM:
            return Assessment(kind, f"{head.reason} on {run} checks since "
                                    f"{checks[run - 1].checked_at[:10]}")
        return Assessment(UrlState.FAILING, f"{head.reason} ({run} check{'s' * (run > 1)})")
    if latest is None:  # fetched, but nothing to read in it (an image, an empty page)
        return Assessment(UrlState.OK, "archived; no text in it to compare")
    if soft := _soft_404(url, latest):
        return Assessment(UrlState.SOFT_404, soft)
    final = latest.final_url or url
    if _page(final) != _page(url):
        return Assessment(UrlState.MOVED, f"now at {final}")
    if first is not None and first.id != latest.id:
        edit = compare(Version(first.title, first.text, first.author, first.date),
                       Version(latest.title, latest.text, latest.author, latest.date))
        if edit.material:
            return Assessment(UrlState.CHANGED, f"since the first snapshot of "
                                                f"{first.fetched_at[:10]}: "
                                                f"{'; '.join(edit.reasons)}")
    return Assessment(UrlState.OK)


def worth_recovering(url: str, checks: Sequence[CheckInfo],
                     latest: SnapshotInfo | None) -> UrlState | None:
    """The state that makes a source worth looking up in the web's archives, or None. Unlike
    :func:`classify`, one failed check is enough: a look-up costs nothing to the source and
    its copy is evidence whatever the next night brings. Whether the page changed since its
    first snapshot does not matter here: that text comparison is not made."""
    state = classify(url, checks, None, latest).state
    if state in (UrlState.GONE, UrlState.UNREACHABLE, UrlState.SOFT_404, UrlState.BLOCKED,
                 UrlState.MOVED):
        return state
    if state is UrlState.FAILING and (kind := _failure_kind(checks[0])) is not UrlState.FAILING:
        return kind
    return None
