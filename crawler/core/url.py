"""URL forms: the one we fetch and the canonical one we dedupe on.

A document may cite the same page as ``www.x.org/a?utm_source=tw`` and ``https://X.org/a#top``;
both must land on one archived URL, yet the form the author wrote is kept beside it
(see :mod:`crawler.core.discovery`). Credentials are never kept in any form: a ``user:pass@``
written in a document must not end up in the archive or its exports.
"""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from w3lib.url import canonicalize_url, safe_url_string

from crawler.errors import InvalidURL

SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}

# Parameters that only say how a reader arrived. Deliberately short: a parameter such as
# ``ref`` or ``source`` can select content, so it is kept.
_TRACKING = re.compile(
    r"^(?:utm_\w+|fbclid|gclid|dclid|gbraid|wbraid|msclkid|yclid|twclid|ttclid|igshid|mc_cid"
    r"|mc_eid|_ga|_gl|_hsenc|_hsmi|mkt_tok|oly_anon_id|oly_enc_id|vero_id|vero_conv)$",
    re.IGNORECASE,
)

_LABEL = re.compile(r"^(?!-)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_TLD = re.compile(r"^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$")


@lru_cache(maxsize=4096)
def _valid_host(host: str) -> bool:
    """A host we can look up: an IP address, ``localhost``, or a name of two labels or more
    whose international form (IDNA, as browsers encode ``उदाहरण.परीक्षा`` or ``✪df.ws``) has
    letters, digits and inner dashes only, and a top-level domain of letters."""
    if host == "localhost":
        return True
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    try:
        ascii_host = host.rstrip(".").encode("idna").decode("ascii").lower()
    except UnicodeError:
        return False
    labels = ascii_host.split(".")
    if len(labels) < 2 or len(ascii_host) > 253:
        return False
    return all(_LABEL.match(label) for label in labels) and bool(_TLD.match(labels[-1]))


def absolute(written: str) -> str:
    """Give a scheme to a ``www.`` URL written without one (https: what browsers try first)."""
    if written[:4].lower() == "www.":
        return "https://" + written
    return written


def _without_tracking(query: str) -> str:
    if not query:
        return query
    kept = [part for part in query.split("&") if part and not _TRACKING.match(part.split("=")[0])]
    return "&".join(kept)


def fetchable(written: str) -> str:
    """The URL to request for a written URL: scheme added, credentials, default port,
    fragment and tracking parameters dropped, non-ASCII percent-encoded, the rest as written.

    Raises :class:`InvalidURL` when it is not an http(s) URL with a plausible host.
    """
    url = absolute(written.strip())
    split = _split_plain(url)
    if split is None:
        try:
            split = _split(url)
        except ValueError as exc:
            raise InvalidURL(f"{written}: {exc}") from None
    scheme, host, port, path, query = split
    if scheme not in SCHEMES:
        raise InvalidURL(f"{written}: not an http(s) URL")
    if not host or not _valid_host(host):
        raise InvalidURL(f"{written}: no valid host")
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc += f":{port}"
    query = _without_tracking(query)
    # As urlunsplit joins them (the path starts with a slash or is empty).
    url = f"{scheme}://{netloc}{path or '/'}" + (f"?{query}" if query else "")
    return url if _SAFE.fullmatch(url) else safe_url_string(url)


def _split(url: str) -> tuple[str, str, int | None, str, str]:
    """The scheme, host (lowercase), port, path and query of ``url``, as urlsplit reads
    them. Raises ValueError (a bad port, bracket)."""
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port, parts.path, \
        parts.query


# A URL of printable ASCII whose host is letters, digits, dots and dashes, and its port
# digits: what urlsplit reads in it is plain to see (it removes or rejects nothing).
_PLAIN = re.compile(r"(?P<scheme>[Hh][Tt][Tt][Pp][Ss]?)://(?P<host>[A-Za-z0-9.-]+)"
                    r"(?::(?P<port>[0-9]{1,5}))?(?P<path>/[!-\"$->@-~]*)?"
                    r"(?:\?(?P<query>[!-\"$-~]*))?(?:#[!-~]*)?")


def _split_plain(url: str) -> tuple[str, str, int | None, str, str] | None:
    """:func:`_split` of a plain URL (:data:`_PLAIN`), read at once; None for another."""
    plain = _PLAIN.fullmatch(url)
    if plain is None:
        return None
    port = int(plain["port"]) if plain["port"] else None
    if port is not None and port > 65535:
        return None  # urlsplit says why
    return (plain["scheme"].lower(), plain["host"].lower(), port, plain["path"] or "",
            plain["query"] or "")


def canonical(written: str) -> str:
    """The dedupe key: lowercase host, no default port, fragment or tracking parameters,
    query sorted (meaningful parameters are kept)."""
    return canonical_of_fetchable(fetchable(written))


def canonical_of_fetchable(url: str) -> str:
    """:func:`canonical` of what :func:`fetchable` already returned (one parse less per URL:
    discovery calls both on every URL of a document)."""
    if _CANONICAL.fullmatch(url):
        return url
    return canonicalize_url(url)


# Most URLs are plain ASCII with nothing to quote, and w3lib's parse and rebuild then give
# them back unchanged, at most of the cost of discovering a URL: such a URL is taken as it is.
# ``_SAFE``: an http(s) URL with a lowercase ASCII host, a port of up to 4 digits without a
# leading zero, a path and a query of the characters safe_url_string leaves alone in
# them (in a query, not ``'``; nowhere ``#``, ``[``, ``]``, ``|``, ``\``; ``%`` kept as
# written). ``_CANONICAL``: one that canonicalize_url leaves alone too: no query to sort, no
# ``%`` escape to normalise, no dot segment, no ``;`` (it splits "params" off the last
# segment, and drops an empty one: ``a.cms;``). tests/unit/test_url.py holds both to w3lib,
# character by character.
_HOST_PORT = r"https?://[a-z0-9.-]+(?::[1-9][0-9]{0,3})?"
_SAFE = re.compile(_HOST_PORT + r"/[A-Za-z0-9\-._~:/@!$&'()*+,;=%]*"
                   r"(?:\?[A-Za-z0-9\-._~:/?@!$&()*+,;=%]+)?")
_CANONICAL = re.compile(_HOST_PORT + r"(?:/(?!\.)[A-Za-z0-9\-._~:@!$&'()*+,=]*)+")


def without_credentials(written: str) -> str:
    """The written form with any ``user:pass@`` removed, so it can be stored."""
    if "@" not in written:
        return written
    try:
        parts = urlsplit(absolute(written))
    except ValueError:
        return written
    if "@" not in parts.netloc:
        return written
    netloc = parts.netloc.rsplit("@", 1)[1]
    stripped = urlunsplit(parts._replace(netloc=netloc))
    return stripped if written.lower().startswith(SCHEMES) else stripped.split("://", 1)[1]


_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/\s@?#]*@")
_BARE_USERINFO = re.compile(r"[^\s/@:'\"]+:[^\s/@'\"]*@(?=[\w\[])")  # in "host" errors


def scrubbed(text: str) -> str:
    """``text`` (a URL, a header value) with the ``user:pass@`` of every URL in it removed:
    what a server or a redirect puts there is never stored nor printed. Only the userinfo
    right after ``scheme://`` goes: ``?q=author:alice@example.com`` stays as it is."""
    return _USERINFO.sub(r"\1", text) if "@" in text else text


def scrubbed_reason(text: str) -> str:
    """A failure's reason, scrubbed like a URL and also of a bare ``user:pass@host`` (as
    in "invalid hostname: user:pass@host", which names no scheme)."""
    return _BARE_USERINFO.sub("", scrubbed(text)) if "@" in text else text


def redacted(url: str) -> str:
    """A URL to show a person (a Redis URL, say) with its password replaced by ``***``."""
    match = re.match(r"(?i)([a-z][a-z0-9+.-]*://)([^/@]*)@", url)
    if not match:
        return url
    user = match[2].split(":", 1)[0]
    return f"{match[1]}{user}:***@{url[match.end():]}"


def surt(url: str) -> str:
    """The SURT form web archives index a URL by (``org,example)/story?a=1``): host parts
    reversed without ``www`` (nor a trailing dot), no default port, everything lowercased,
    percent-escapes of unreserved characters decoded, repeated slashes and the trailing
    slash and the fragment dropped, query parameters sorted; as the ``surt`` package writes
    it, which pywb and ReplayWeb.page look captures up with."""
    parts = urlsplit(url)
    host = re.sub(r"^www\d*\.", "", (parts.hostname or "").lower().rstrip("."))
    key = host if ":" in host else ",".join(reversed(host.split(".")))
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    if parts.port is not None and parts.port != default:
        key += f":{parts.port}"
    path = _UNRESERVED_ESCAPE.sub(lambda m: chr(int(m[1], 16)), parts.path or "/").lower()
    path = re.sub(r"/{2,}", "/", path)
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    query = parts.query.lower()
    query = "&".join(sorted(query.split("&"))) if query else ""
    return f"{key}){path}{'?' + query if query else ''}"


_UNRESERVED_ESCAPE = re.compile(r"%(2[dDeE]|3[0-9]|[46][1-9a-fA-F]|[57][0-9aA]|5[fF]|7[eE])")
