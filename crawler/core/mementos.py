"""Captures of a page in the web's archives (Mementos, RFC 7089), and which one to keep.

A cited page that is gone, or that we first archived long after the document citing it was
written, may survive in a public web archive. Archives answer in three shapes, all read
here: the Wayback Machine's CDX API (JSON rows), its availability API (one closest capture),
and a Memento TimeMap (``application/link-format``), which aggregators such as Time Travel and
any Memento-compliant archive (archive.today, national archives, a self-hosted pywb) serve.

Choosing among captures is the part no archive does for us. The copy worth keeping is the one
that supports the document: taken *before* the document was written (what the author saw),
carrying the document's quotes and passages (crawler.core.provenance). The nearest capture
may already be the edited page, so support decides first and nearness only breaks ties.

Pure: parsing, URL shapes and the choice. Fetching is crawler.fetch.mementos; the run that
looks captures up and records the chosen one is crawler.jobs.recovery.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from enum import StrEnum
from urllib.parse import quote, urlsplit

from crawler.core.clock import iso, parse_iso
from crawler.core.models import Mention
from crawler.core.url import canonical_of_fetchable, fetchable
from crawler.errors import InvalidURL

__all__ = ["Citing", "Endpoint", "Lookup", "Memento", "Origin", "Reason", "Recover", "Scored",
           "archive_name", "choose", "cited_copies",
           "from_timestamp", "http_date", "parse_availability", "parse_cdx", "parse_endpoints",
           "parse_timemap", "raw_uri", "relative", "shortlist", "to_timestamp", "unwrap"]


class Origin(StrEnum):
    """Where a snapshot came from: our own fetch of the page, or a web archive's copy."""

    LIVE = "live"
    MEMENTO = "memento"


class Reason(StrEnum):
    """Why captures of a URL were looked up."""

    BROKEN = "broken"  # gone, soft-404, unreachable, blocked, moved to an unrelated page
    LAG = "capture lag"  # first archived after the citing document was written
    CITED = "cited"  # a document cites an archived copy itself
    ASKED = "asked"  # sourcekeeper recover


@dataclass(frozen=True)
class Endpoint:
    """A web archive to ask: ``kind`` is ``wayback`` (CDX and availability APIs under
    ``url``) or ``timemap`` (``url`` + the page's URL gives its TimeMap)."""

    kind: str
    url: str

    @property
    def name(self) -> str:
        return archive_name(self.url)


@dataclass(frozen=True)
class Memento:
    """One capture of ``original`` in an archive: its URI there, when it was taken (archive
    time text), and what the archive says of it (status, payload digest, media type)."""

    archive: str
    uri: str
    datetime: str
    original: str
    digest: str | None = None
    status: int | None = None
    mimetype: str | None = None

    def as_dict(self) -> dict[str, object]:
        return {"archive": self.archive, "uri": self.uri, "datetime": self.datetime,
                "original": self.original, "digest": self.digest, "status": self.status,
                "mimetype": self.mimetype}


@dataclass(frozen=True)
class Scored:
    """A fetched capture and how well it supports the citing documents: the share of their
    passages it carries (0-1) and which of their quotes it has."""

    memento: Memento
    coverage: float
    quotes: tuple[str, ...] = ()
    quotes_total: int = 0

    @property
    def support(self) -> tuple[int, float]:
        return len(self.quotes), self.coverage

    def as_dict(self) -> dict[str, object]:
        return {**self.memento.as_dict(), "coverage": self.coverage,
                "quotes": list(self.quotes), "quotes_total": self.quotes_total}


@dataclass(frozen=True)
class Citing:
    """A document citing a URL, as a look-up needs it: its text and when it was written
    (archive time text) and how we know (crawler.core.document_dates)."""

    document_id: str
    path: str
    text: str
    written: str
    written_from: str


@dataclass(frozen=True)
class Lookup:
    """One URL's look-up in the web's archives: why, against which date, the captures found,
    how each fetched one scored, the one kept (its snapshot) and what went wrong."""

    url_id: int
    reason: Reason
    looked_up_at: str
    written: str | None
    captures: tuple[Memento, ...] = ()
    scores: tuple[Scored, ...] = ()
    chosen: str | None = None
    snapshot_id: int | None = None
    errors: tuple[str, ...] = ()
    url: str = ""

    @property
    def chosen_score(self) -> Scored | None:
        return next((score for score in self.scores if score.memento.uri == self.chosen), None)


@dataclass(frozen=True)
class Recover:
    """What ``sourcekeeper recover`` looks up: these URLs, the URLs these documents cite,
    every broken source with ``broken``; ``refresh`` ignores earlier look-ups."""

    urls: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()
    broken: bool = False
    refresh: bool = False


_TIMESTAMP = re.compile(r"^\d{4,14}$")
# An archived copy's URI: .../<14-digit timestamp><optional mode>/<original URL>.
_WAYBACK_STYLE = re.compile(r"^(?P<prefix>https?://[^?#]+?/)(?P<ts>\d{8,14})(?P<mode>[a-z]{2}_)?"
                            r"/(?P<original>(?:https?:/?/?|www\.).+)$", re.IGNORECASE)
# archive.today's long form: https://archive.ph/2024.01.01-000000/https://example.com/a
_ARCHIVE_TODAY = re.compile(r"^https?://archive\.(?:today|ph|is|li|vn|fo|md)/"
                            r"(?P<date>\d{4}\.\d\d\.\d\d-\d{6})/(?P<original>https?://.+)$",
                            re.IGNORECASE)
_LINK = re.compile(r'<(?P<uri>[^>]*)>(?P<params>(?:\s*;\s*[\w*-]+\s*=\s*(?:"[^"]*"|[^;,<]*))*)')
_PARAM = re.compile(r'([\w*-]+)\s*=\s*(?:"([^"]*)"|([^;,<]*))')


def archive_name(url: str) -> str:
    """An archive's name: its host (``web.archive.org``), with its port when not standard."""
    parts = urlsplit(url)
    return (parts.netloc or url).lower().removeprefix("www.")


def from_timestamp(stamp: str) -> str:
    """A 14-digit archive timestamp (``20240101123000``, shorter ones padded) as archive time
    text."""
    digits = (stamp + "00000101000000"[len(stamp):])[:14]
    moment = datetime.strptime(digits, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    return iso(moment)


def to_timestamp(moment: str) -> str:
    """Archive time text as a 14-digit archive timestamp."""
    return parse_iso(moment).astimezone(UTC).strftime("%Y%m%d%H%M%S")


def http_date(moment: str) -> str:
    """Archive time text as an HTTP date (``Memento-Datetime``, ``Accept-Datetime``)."""
    return format_datetime(parse_iso(moment).astimezone(UTC), usegmt=True)


def _from_http_date(text: str) -> str | None:
    try:
        return iso(parsedate_to_datetime(text.strip()))
    except (TypeError, ValueError, IndexError):
        return None


def parse_endpoints(value: str | Iterable[str]) -> list[Endpoint]:
    """``MEMENTO_ENDPOINTS``: ``kind=url`` entries (``wayback=https://web.archive.org``,
    ``timemap=https://timetravel.mementoweb.org/timemap/link/``), comma-separated. Raises
    ValueError naming a bad entry."""
    entries = value.split(",") if isinstance(value, str) else list(value)
    endpoints = []
    for entry in (text.strip() for text in entries):
        if not entry:
            continue
        kind, _, url = entry.partition("=")
        kind, url = kind.strip().lower(), url.strip()
        if kind not in ("wayback", "timemap") or not url.startswith(("http://", "https://")):
            raise ValueError(f"{entry!r}: expected wayback=URL or timemap=URL")
        endpoints.append(Endpoint(kind, url))
    return endpoints


def parse_cdx(text: str, endpoint: str, original: str) -> list[Memento]:
    """The Wayback CDX API's JSON answer (``output=json``: a header row, then one row per
    capture) as mementos; rows without a timestamp are skipped. Raises ValueError when it is
    not such JSON."""
    rows = json.loads(text or "[]")
    if not isinstance(rows, list) or any(not isinstance(row, list) for row in rows):
        raise ValueError("not a CDX JSON answer (a list of rows)")
    if not rows:
        return []
    header, found = [str(name) for name in rows[0]], []
    for row in rows[1:]:
        fields = dict(zip(header, (str(value) for value in row), strict=False))
        stamp, url = fields.get("timestamp", ""), fields.get("original") or original
        if not _TIMESTAMP.match(stamp):
            continue
        status = fields.get("statuscode", "")
        found.append(Memento(
            archive_name(endpoint), f"{endpoint.rstrip('/')}/web/{stamp}/{url}",
            from_timestamp(stamp), url, fields.get("digest") or None,
            int(status) if status.isdigit() else None, fields.get("mimetype") or None))
    return found


def parse_availability(text: str, endpoint: str, original: str) -> list[Memento]:
    """The Wayback availability API's answer (its closest capture, if any)."""
    answer = json.loads(text or "{}")
    closest = ((answer or {}).get("archived_snapshots") or {}).get("closest") or {}
    stamp, uri = str(closest.get("timestamp", "")), closest.get("url")
    if not closest.get("available") or not uri or not _TIMESTAMP.match(stamp):
        return []
    status = str(closest.get("status", ""))
    return [Memento(archive_name(endpoint), str(uri), from_timestamp(stamp), original,
                    status=int(status) if status.isdigit() else None)]


def parse_timemap(text: str, original: str) -> list[Memento]:
    """A Memento TimeMap in link format: every link whose ``rel`` has ``memento``, with its
    ``datetime``; the archive is the memento's host (an aggregator lists several)."""
    found = []
    for link in _LINK.finditer(text):
        params = {match[1].lower(): match[2] if match[2] is not None else match[3].strip()
                  for match in _PARAM.finditer(link["params"])}
        if "memento" not in (params.get("rel") or "").split():
            continue
        moment = _from_http_date(params.get("datetime") or "")
        uri = link["uri"].strip()
        if moment is None or not uri.startswith(("http://", "https://")):
            continue
        found.append(Memento(archive_name(uri), uri, moment, original))
    return found


def raw_uri(memento: Memento) -> str:
    """Where an archive serves a capture's original bytes: the ``id_`` mode of Wayback-style
    archives (the Internet Archive, pywb, national archives); other archives' URI as is."""
    match = _WAYBACK_STYLE.match(memento.uri)
    if match is None:
        return memento.uri
    return f"{match['prefix']}{match['ts']}id_/{match['original']}"


def unwrap(url: str) -> tuple[str, Memento] | None:
    """For a URL that is itself an archived copy (``https://web.archive.org/web/2024.../
    https://example.com/a``, archive.today's dated form), the original URL and that memento;
    None for any other URL. Short archive.today and Perma.cc links name no original: they
    stay a plain cited URL."""
    if (match := _ARCHIVE_TODAY.match(url)) is not None:
        moment = datetime.strptime(match["date"], "%Y.%m.%d-%H%M%S").replace(tzinfo=UTC)
        original = match["original"]
        return original, Memento(archive_name(url), url, iso(moment), original)
    match = _WAYBACK_STYLE.match(url)
    if match is None or len(match["ts"]) < 8:
        return None
    original = match["original"]
    if original.lower().startswith("www."):
        original = f"http://{original}"
    # A path keeps "//" in the original's scheme only sometimes ("https:/example.com").
    original = re.sub(r"^(https?):/+", r"\1://", original, flags=re.IGNORECASE)
    try:
        moment = from_timestamp(match["ts"])
    except ValueError:
        return None
    return original, Memento(archive_name(url), f"{match['prefix']}{match['ts']}/{original}",
                             moment, original)


def cited_copies(mentions: Iterable[Mention]) -> tuple[list[Mention], list[Memento]]:
    """A document's mentions with each archived copy it cites (:func:`unwrap`) replaced by
    its original URL, which is then checked live, and the copies themselves, which are
    fetched as copies of that URL: a document citing a Wayback link cites both."""
    kept: dict[str, Mention] = {}
    copies = []
    for mention in mentions:
        found = unwrap(mention.url)
        if found is not None:
            try:
                url = fetchable(found[0])
            except InvalidURL:
                found = None
        if found is None:
            kept.setdefault(mention.canonical, mention)
            continue
        memento = found[1]
        original = canonical_of_fetchable(url)
        copies.append(Memento(memento.archive, memento.uri, memento.datetime, url))
        if original not in kept:
            kept[original] = Mention(mention.written, url, original, mention.role,
                                     mention.anchor, mention.line)
    return list(kept.values()), copies


def shortlist(mementos: Iterable[Memento], written: str, limit: int) -> list[Memento]:
    """The captures worth fetching: one per distinct payload (digest, where the archive
    gives one), successful ones only, the nearest ``limit`` before ``written`` and then the
    nearest after it (a page may have been captured only after the document was written)."""
    seen: set[str | None] = set()
    distinct = []
    for memento in sorted(mementos, key=lambda m: (m.datetime, m.uri)):
        if memento.status is not None and not 200 <= memento.status < 300:
            continue
        keys = {memento.uri, memento.digest} - {None}
        if keys & seen:  # the same capture twice (CDX and availability), or the same payload
            continue
        seen |= keys
        distinct.append(memento)
    before = [m for m in distinct if m.datetime <= written][::-1]
    after = [m for m in distinct if m.datetime > written]
    chosen = before[:limit]
    return chosen + after[:max(1, limit - len(chosen))]


def choose(scored: Sequence[Scored], written: str) -> Scored | None:
    """The capture that best supports the document: among those taken at or before
    ``written``, the one carrying most of its quotes, then most of its passages, then the
    nearest; a later capture only when no earlier one supports it at all."""
    if not scored:
        return None

    def nearness(entry: Scored) -> float:
        return -abs((parse_iso(entry.memento.datetime) - parse_iso(written)).total_seconds())

    before = [entry for entry in scored if entry.memento.datetime <= written]
    after = [entry for entry in scored if entry.memento.datetime > written]
    best_before = max(before, key=lambda e: (e.support, nearness(e)), default=None)
    if best_before is not None and best_before.support > (0, 0.0):
        return best_before
    best_after = max(after, key=lambda e: (e.support, nearness(e)), default=None)
    if best_after is not None and best_after.support > (0, 0.0):
        return best_after
    return best_before or best_after


def relative(moment: str, written: str | None) -> str:
    """When a capture was taken, against the document's date: ``3 days before the document
    (2025-07-03)``."""
    if not written:
        return f"taken {moment[:10]}"
    seconds = (parse_iso(moment) - parse_iso(written)).total_seconds()
    days = abs(seconds) / 86400
    amount = (f"{days:.0f} day{'s' * (round(days) != 1)}" if days >= 1
              else f"{abs(seconds) / 3600:.0f} hours")
    side = "before" if seconds <= 0 else "after"
    return f"taken {moment[:10]}, {amount} {side} the document ({written[:10]})"


def encoded(url: str) -> str:
    """A URL as a query parameter value (CDX and availability requests)."""
    return quote(url, safe=":/")
