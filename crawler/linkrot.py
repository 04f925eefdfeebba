"""What state a cited URL is in now, from its checks and snapshots.

States: ``ok``; ``changed`` (the text differs materially from the first snapshot); ``moved``
(it redirects to a different page); ``soft-404`` (a 200 that is a not-found page, or a
redirect to the site's home page); ``gone`` (404/410 on ``CONFIRM`` checks in a row);
``unreachable`` (DNS, refused, timeout, cut connection on ``CONFIRM`` checks in a row);
``blocked`` (401/403/451, robots.txt or our own address guard); ``failing`` (a failure not
yet confirmed, or a server error); ``unchecked``. One failed night is not link rot: states
built on failures need them confirmed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from crawler.change import MATERIAL_BELOW, similarity, words

CONFIRM = 2
STATES = ("gone", "unreachable", "soft-404", "blocked", "moved", "changed", "failing",
          "unchecked", "ok")
BROKEN = {"gone", "unreachable", "soft-404", "blocked"}
_NOT_FOUND = re.compile(
    r"\b(?:404|not found|page not found|no longer available|does not exist|"
    r"(?:cannot|can't|could not) be found|nicht gefunden|introuvable|no encontrada)\b",
    re.IGNORECASE)
_UNREACHABLE = ("DNS lookup failed", "connection refused", "timeout", "connection lost")


@dataclass
class UrlState:
    state: str
    detail: str = ""


def _failure_kind(check: dict[str, Any]) -> str:
    status, reason = check.get("status"), check.get("reason") or ""
    if status in (401, 403, 451) or reason.startswith("blocked"):
        return "blocked"
    if status in (404, 410):
        return "gone"
    if reason.startswith(_UNREACHABLE):
        return "unreachable"
    return "failing"


def _page(url: str) -> tuple[str, str]:
    """Host without ``www.`` and path without trailing slash: what a move must change."""
    parts = urlsplit(url)
    host = (parts.hostname or "").removeprefix("www.")
    return host, parts.path.rstrip("/") + (f"?{parts.query}" if parts.query else "")


def _soft_404(requested: str, snapshot: dict[str, Any]) -> str | None:
    final = snapshot.get("final_url") or requested
    if _page(requested)[1] and not _page(final)[1] and final != requested:
        return f"redirects to the home page {final}"
    text = snapshot.get("text") or ""
    head = f"{snapshot.get('title') or ''} {text[:300]}"
    if _NOT_FOUND.search(head) and len(words(text)) < 200:
        return f"a not-found page: {(snapshot.get('title') or text[:60]).strip()}"
    return None


def classify(url: str, checks: list[dict[str, Any]], first: dict[str, Any] | None,
             latest: dict[str, Any] | None) -> UrlState:
    """``checks`` newest first (``outcome``, ``status``, ``reason``, ``checked_at``);
    ``first`` and ``latest`` snapshots (``text``, ``title``, ``final_url``, ``fetched_at``)."""
    if not checks:
        return UrlState("unchecked")
    head = checks[0]
    if head["outcome"] == "failed":
        kind = _failure_kind(head)
        run = 0
        for check in checks:
            if check["outcome"] != "failed" or _failure_kind(check) != kind:
                break
            run += 1
        if kind == "blocked":
            return UrlState("blocked", head["reason"])
        if kind in ("gone", "unreachable") and run >= CONFIRM:
            return UrlState(kind, f"{head['reason']} on {run} checks since "
                                  f"{checks[run - 1]['checked_at']}")
        return UrlState("failing", f"{head['reason']} ({run} check{'s' * (run > 1)})")
    if latest is None:
        return UrlState("unchecked")
    if soft := _soft_404(url, latest):
        return UrlState("soft-404", soft)
    final = latest.get("final_url") or url
    if _page(final) != _page(url):
        return UrlState("moved", f"now at {final}")
    if first is not None and first.get("id") != latest.get("id"):
        score = similarity(first.get("text"), latest.get("text"))
        if score < MATERIAL_BELOW:
            return UrlState("changed", f"{score:.0%} similar to the first snapshot of "
                                       f"{first['fetched_at']}")
    return UrlState("ok")
