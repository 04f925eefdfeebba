"""Find the source URLs a document cites, and what role each plays in it.

Documents are pasted news articles, notes, reports and saved web pages, so URLs arrive
damaged: hard-wrapped across lines (text copied from PDFs or mail), glued to punctuation,
wrapped in Markdown or parentheses, without a scheme. Markdown and HTML are read with their
parsers (crawler.core.discovery.markdown_links, .markup), which give a link's URL exactly and
say what is code; the rest of their text, and plain text, with one scanner
(crawler.core.discovery.scanner, .text); each URL gets a role (.roles).

:func:`findings` reports everything seen, with why what is not cited was dropped (an image,
code, outside a saved page's main content, excluded, not a valid URL): what
``sourcekeeper urls`` lists. :func:`discover` gives the mentions a crawl archives, one per
canonical URL.

:class:`Options` come from the settings ``ALL_LINKS`` (every link of a saved web page, not
only its main content's), ``EXCLUDE_HOSTS`` and ``EXCLUDE_URLS`` (never cited).
"""

from __future__ import annotations

import fnmatch
from urllib.parse import urlsplit

from crawler.core.discovery.markdown_links import read_markdown
from crawler.core.discovery.markup import render
from crawler.core.discovery.reading import Read
from crawler.core.discovery.roles import match_related_titles, merge, related_titles
from crawler.core.discovery.text import Found, scan
from crawler.core.discovery_options import DiscoveryOptions as Options
from crawler.core.models import Dropped, Finding, Mention
from crawler.core.url import canonical, canonical_of_fetchable, fetchable, without_credentials
from crawler.errors import InvalidURL

# Raised whenever discovery finds something else in the same document: a document read with
# an older discovery is read again (its citations replaced) the next time a crawl reads it,
# so that an upgrade also fixes what older versions found (garbage URLs, missed links).
VERSION = 3

__all__ = ["VERSION", "Options", "discover", "discover_html", "discover_text", "findings",
           "render"]


def _excluded(url: str, options: Options) -> str | None:
    if not options.exclude_hosts and not options.exclude:
        return None
    host = (urlsplit(url).hostname or "").lower()
    for excluded in options.exclude_hosts:
        if host == excluded or host.endswith("." + excluded):
            return f"host {excluded}"
    for pattern in options.exclude:
        if fnmatch.fnmatchcase(url, pattern):
            return f"pattern {pattern}"
    return None


def _finding(found: Found, options: Options, main: frozenset[str] | None) -> Finding:
    written = without_credentials(found.written)
    common = {"line": found.line, "written": written, "role": found.role,
              "anchor": found.anchor}
    try:
        url = fetchable(written)
    except InvalidURL as exc:
        return Finding(url=None, canonical=None, dropped=Dropped.INVALID,
                       detail=str(exc).removeprefix(f"{written}: "), **common)
    key = canonical_of_fetchable(url)
    if found.image:
        return Finding(url=url, canonical=key, dropped=Dropped.IMAGE, **common)
    if (reason := _excluded(url, options)) is not None:
        return Finding(url=url, canonical=key, dropped=Dropped.EXCLUDED, detail=reason,
                       **common)
    if main is not None and key not in main:
        # Whatever its role: a "Source: <a>Agency</a>" in a page's footer is navigation
        # too. (The page's own URL is in ``main``.)
        return Finding(url=url, canonical=key, dropped=Dropped.NAVIGATION, **common)
    alternatives = []
    for other in found.alternatives:
        try:
            alternatives.append(fetchable(without_credentials(other)))
        except InvalidURL:
            continue
    return Finding(url=url, canonical=key, alternatives=tuple(alternatives), **common)


def _code_findings(code: tuple[tuple[int, str], ...]) -> list[Finding]:
    dropped = []
    for line, block in code:
        for found in scan(block, rejoin=False):
            dropped.append(Finding(line=line + found.line - 1, written=found.written, url=None,
                                   canonical=None, dropped=Dropped.CODE))
    return dropped


def _canonical_set(urls: frozenset[str]) -> frozenset[str]:
    keys = set()
    for url in urls:
        try:
            keys.add(canonical(url))
        except InvalidURL:
            continue
    return frozenset(keys)


def _read(content: str, kind: str, options: Options) -> tuple[list[Finding], list[str]]:
    """Every finding in a document of ``kind``, and its related-article titles."""
    main: frozenset[str] | None = None
    if kind == "html":
        rendered = render(content, base_url=options.base_url, all_links=options.all_links)
        read, shown = rendered.read, rendered.text
        main = _canonical_set(rendered.main) if rendered.main is not None else None
    elif kind == "markdown":
        read, shown = read_markdown(content, options.base_url), content
    else:
        read, shown = Read(tuple(scan(content))), content
    seen = [_finding(found, options, main) for found in read.found]
    seen += [Finding(line=line, written=href, url=None, canonical=None,
                     dropped=Dropped.INVALID, detail="a relative link, and no base URL")
             for line, href in read.unresolved]
    return seen + _code_findings(read.code), related_titles(shown.split("\n"))


def findings(content: str, kind: str, options: Options | None = None) -> list[Finding]:
    """Everything that looks like a URL in a document of ``kind`` (``text``, ``markdown``,
    ``html``), in order, cited or dropped (with why)."""
    seen, titles = _read(content, kind, options or Options())
    return match_related_titles(titles, seen)


def discover(content: str, kind: str, options: Options | None = None) -> list[Mention]:
    """The URLs a document cites: one mention per canonical URL, in order of appearance."""
    seen, titles = _read(content, kind, options or Options())
    mentions = [Mention(finding.written, finding.url, finding.canonical, finding.role,
                        finding.anchor, finding.line, finding.alternatives)
                for finding in seen
                if finding.dropped is None and finding.url and finding.canonical]
    return merge(match_related_titles(titles, mentions))


def discover_text(text: str) -> list[Mention]:
    return discover(text, "text")


def discover_html(html: str, options: Options | None = None) -> list[Mention]:
    return discover(html, "html", options)
