"""How discovery reads documents, as settings give it (crawler.config): a record of its own,
outside the crawler.core.discovery package, so that reading settings (every command does)
does not load discovery's parsers."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DiscoveryOptions"]


@dataclass(frozen=True)
class DiscoveryOptions:
    """How discovery (crawler.core.discovery, as ``Options``) reads a document: every link
    of a saved web page, not only its main content (``all_links``); hosts (and their
    subdomains) and URL patterns (``fnmatch``) that are never cited; the URL relative links
    resolve against when the document has none."""

    all_links: bool = False
    exclude_hosts: frozenset[str] = frozenset()
    exclude: tuple[str, ...] = ()
    base_url: str | None = None
