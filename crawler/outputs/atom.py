"""Changes as an Atom feed (RFC 4287), for people who follow an archive in a feed reader.

One entry per changed source (its latest change that matters), newest first, with the
reasons, the documents citing it and a link to the page. Entry ids name the snapshot the
change made, so that a reader shows a source again only when it changes again. Times are
RFC 3339 in UTC, as the archive keeps them. Written with ElementTree: every value is
escaped, whatever an archived page put in its text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import IO
from xml.etree import ElementTree

from crawler import __version__
from crawler.core.clock import utcnow
from crawler.core.terminal import printable
from crawler.core.views import Change

ATOM = "http://www.w3.org/2005/Atom"


def _add(parent: ElementTree.Element, tag: str, text: str | None = None,
         **attributes: str) -> ElementTree.Element:
    element = ElementTree.SubElement(parent, f"{{{ATOM}}}{tag}", attributes)
    if text is not None:
        element.text = printable(text)  # XML 1.0 has no place for control characters
    return element


def write_atom(changes: Sequence[Change], out: IO[str], *, archive: str,
               title: str = "Changes in archived sources") -> int:
    """Write ``changes`` as an Atom feed identified by the ``archive``'s path; return the
    number of entries."""
    ElementTree.register_namespace("", ATOM)
    key = hashlib.sha256(archive.encode("utf-8")).hexdigest()[:16]
    feed = ElementTree.Element(f"{{{ATOM}}}feed")
    _add(feed, "id", f"urn:sourcekeeper:{key}:changes")
    _add(feed, "title", title)
    _add(feed, "updated", changes[0].changed_at if changes else utcnow())
    author = _add(feed, "author")
    _add(author, "name", "sourcekeeper")
    _add(feed, "generator", "sourcekeeper", version=__version__)
    for change in changes:
        entry = _add(feed, "entry")
        _add(entry, "id", f"urn:sourcekeeper:{key}:snapshot:{change.snapshot_id}")
        _add(entry, "title", f"{change.outcome}: {change.url}")
        _add(entry, "updated", change.changed_at)
        _add(entry, "link", href=change.url, rel="alternate")
        cited = ("; cited by " + ", ".join(change.documents)) if change.documents else ""
        _add(entry, "summary", f"{change.summary}{cited}")
    out.write('<?xml version="1.0" encoding="utf-8"?>\n')
    out.write(ElementTree.tostring(feed, encoding="unicode"))
    out.write("\n")
    return len(changes)
