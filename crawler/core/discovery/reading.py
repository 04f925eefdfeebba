"""What a parser hands discovery for one document, and where things are in its text.

Markdown (crawler.core.discovery.markdown_links) and HTML (.markup) are read with their
parsers, which know exactly where a link points and what is code. A link's URL is taken from
the parser as written, never found again by the text scanner: the scanner's rules for where
a URL written in prose ends (a full stop, a ``!``, an unbalanced bracket, CJK punctuation are
the sentence's) would cut ``…/wow!`` or ``…/a.`` from an href that says exactly where it
ends. Only the text between links is scanned, for the bare URLs a parser does not link.

A link gets the role its label gives it ("Original url: <link>", a "Related article:" line
above), as a bare URL does in text (crawler.core.discovery.roles): :class:`Lines` reads the
label in the text around the link, as the scanner does.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from crawler.core.discovery.roles import role_at
from crawler.core.discovery.text import Found
from crawler.core.models import Role


@dataclass(frozen=True)
class Read:
    """What a parser found in a document: its links and bare URLs in order of appearance
    (``found``), its code as ``(line, code)`` (URLs there are examples, not citations), and
    its relative links that could not be resolved, as ``(line, href)``."""

    found: tuple[Found, ...]
    code: tuple[tuple[int, str], ...] = ()
    unresolved: tuple[tuple[int, str], ...] = ()


class Lines:
    """A text's lines by character offset, and the role a label gives what starts at one."""

    def __init__(self, text: str):
        self.text = text
        self.starts = [0] + [match.end() for match in re.finditer("\n", text)]

    def number(self, offset: int) -> int:
        """The line (from 1) holding ``offset``."""
        return bisect.bisect_right(self.starts, offset)

    def start(self, number: int) -> int:
        return self.starts[min(max(number, 1), len(self.starts)) - 1]

    def line(self, number: int) -> str:
        end = self.starts[number] - 1 if number < len(self.starts) else len(self.text)
        return self.text[self.start(number):end]

    def role(self, offset: int) -> Role:
        """The role of a link starting at ``offset``, from the text before it on its line
        or, when nothing stands there, from the line above."""
        return role_at(self.text, self.starts, self.number(offset), offset)


def relative(href: str) -> bool:
    """Is ``href`` a relative link (a path, not another scheme, not a fragment)?"""
    href = href.strip()
    if not href or href.startswith(("#", "//")):
        return False
    try:
        return not urlsplit(href).scheme
    except ValueError:
        return False


def cleaned(href: str) -> str:
    """An href as a browser reads it: tabs and line breaks dropped, spaces sent as ``%20``."""
    return re.sub(r"[\t\n\r]", "", href.strip()).replace(" ", "%20")


def resolve(href: str, base: str | None) -> str | None:
    """An href as an absolute http(s) URL (:func:`cleaned`), or None (another scheme, or
    relative without a base). A malformed URL (``http://[``) is kept as written, for
    crawler.core.url to say why it is not valid."""
    href = cleaned(href)
    if not href or href.startswith("#"):
        return None
    try:
        scheme = urlsplit(href).scheme.lower()
    except ValueError:
        return href if href.lower().startswith(("http://", "https://")) else None
    if scheme in ("http", "https"):
        return href
    if scheme:
        return None  # mailto:, javascript:, data:, ftp:
    try:
        if href.startswith("//"):
            return (urlsplit(base).scheme if base else "https") + ":" + href
        return urljoin(base, href) if base else None
    except ValueError:  # a malformed base
        return None
