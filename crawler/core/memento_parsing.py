"""The web archives' answers, and the URL shapes of their copies.

Archives list a page's captures in three shapes, all read here: the Wayback Machine's CDX API
(JSON rows), its availability API (the one capture closest to a date) and a Memento TimeMap
(RFC 7089, ``application/link-format``). A copy's URI in a Wayback-style archive (the Internet
Archive, pywb, national archives) is ``<archive>/<14-digit timestamp>/<original URL>``: its
original bytes are at the same timestamp with ``id_``, and a document citing such a URI cites
the original too (:func:`unwrap`, :func:`cited_copies`). Pure: no I/O.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import quote

from crawler.core.clock import iso, parse_iso
from crawler.core.mementos import Endpoint, Memento, archive_name
from crawler.core.models import Mention
from crawler.core.url import canonical_of_fetchable, fetchable
from crawler.errors import InvalidURL

__all__ = ["cited_copies", "encoded", "from_http_date", "from_timestamp", "parse_availability",
           "parse_cdx", "parse_endpoints", "parse_timemap", "raw_uri", "to_timestamp", "unwrap"]

_TIMESTAMP = re.compile(r"^\d{4,14}$")
# An archived copy's URI: .../<14-digit timestamp><optional mode>/<original URL>.
_WAYBACK_STYLE = re.compile(r"^(?P<prefix>https?://[^?#]+?/)(?P<ts>\d{8,14})(?P<mode>[a-z]{2}_)?"
                            r"/(?P<original>(?:https?:/?/?|www\.).+)$", re.IGNORECASE)
# archive.today's long form: https://archive.ph/2024.01.01-000000/https://example.com/a
_ARCHIVE_TODAY = re.compile(r"^https?://archive\.(?:today|ph|is|li|vn|fo|md)/"
                            r"(?P<date>\d{4}\.\d\d\.\d\d-\d{6})/(?P<original>https?://.+)$",
                            re.IGNORECASE)
# Wayback-style archives whose replay paths do not contain /web/ (OpenWayback, pywb
# collections): a URL elsewhere shaped /<timestamp>/<URL> is cited as it is.
_ARCHIVE_HOSTS = frozenset({
    "wayback.archive-it.org", "webarchive.nationalarchives.gov.uk", "www.webarchive.org.uk",
    "webarchive.org.uk", "arquivo.pt", "webarchive.loc.gov", "swap.stanford.edu",
    "wayback.vefsafn.is", "webarchive.nla.gov.au", "webarchive.bac-lac.gc.ca"})
_LINK = re.compile(r'<(?P<uri>[^>]*)>(?P<params>(?:\s*;\s*[\w*-]+\s*=\s*(?:"[^"]*"|[^;,<]*))*)')
_PARAM = re.compile(r'([\w*-]+)\s*=\s*(?:"([^"]*)"|([^;,<]*))')


def from_timestamp(stamp: str) -> str:
    """A 14-digit archive timestamp (``20240101123000``, shorter ones padded) as archive time
    text."""
    digits = (stamp + "00000101000000"[len(stamp):])[:14]
    moment = datetime.strptime(digits, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
    return iso(moment)


def to_timestamp(moment: str) -> str:
    """Archive time text as a 14-digit archive timestamp."""
    return parse_iso(moment).astimezone(UTC).strftime("%Y%m%d%H%M%S")


def from_http_date(text: str) -> str | None:
    """An HTTP date (``Memento-Datetime``, a TimeMap's ``datetime``) as archive time text;
    None for one that is not a date. A date without a zone (``-0000``) is UTC."""
    try:
        moment = parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError):
        return None
    return iso(moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC))


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
        if (moment := _moment(stamp)) is None:
            continue  # one bad row is skipped, not the whole answer
        status = fields.get("statuscode", "")
        found.append(Memento(
            archive_name(endpoint), f"{endpoint.rstrip('/')}/web/{stamp}/{url}",
            moment, url, fields.get("digest") or None,
            int(status) if status.isdigit() else None, fields.get("mimetype") or None))
    return found


def _moment(stamp: str) -> str | None:
    """A timestamp of an archive's answer as archive time text; None for one that is not a
    date (``20241301000000``)."""
    if not _TIMESTAMP.match(stamp):
        return None
    try:
        return from_timestamp(stamp)
    except ValueError:
        return None


def parse_availability(text: str, endpoint: str, original: str) -> list[Memento]:
    """The Wayback availability API's answer (its closest capture, if any)."""
    answer = json.loads(text or "{}")
    closest = ((answer or {}).get("archived_snapshots") or {}).get("closest") or {}
    stamp, uri = str(closest.get("timestamp", "")), closest.get("url")
    if not closest.get("available") or not uri or (moment := _moment(stamp)) is None:
        return []
    status = str(closest.get("status", ""))
    return [Memento(archive_name(endpoint), str(uri), moment, original,
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
        moment = from_http_date(params.get("datetime") or "")
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
        try:
            moment = datetime.strptime(match["date"], "%Y.%m.%d-%H%M%S").replace(tzinfo=UTC)
        except ValueError:  # not a date: a plain cited URL
            return None
        original = match["original"]
        return original, Memento(archive_name(url), url, iso(moment), original)
    match = _WAYBACK_STYLE.match(url)
    if match is None or len(match["ts"]) < 8:
        return None
    if "/web/" not in match["prefix"] and archive_name(url) not in _ARCHIVE_HOSTS:
        return None  # a site's own dated path that carries a URL is not an archived copy
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


def encoded(url: str) -> str:
    """A URL as a query parameter value (CDX and availability requests)."""
    return quote(url, safe=":/")
