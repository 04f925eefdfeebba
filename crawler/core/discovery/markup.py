"""URLs in HTML documents, read with lxml (Markdown: crawler.core.discovery.markdown_links).

An HTML document is rendered as a reader sees it (``text``: for the archive and for matching
against sources). Its links come from the parser: each ``<a href>`` or ``<area href>`` is one
link, its URL exactly the href (resolved against ``<base>`` or the page's own URL), its text
the anchor. The text scanner, whose rules are for URLs written in prose, would cut the
``!`` of ``…/wow!``, the ``.`` of ``…/a.`` or the ``（株）`` of a Japanese path, and fetch
the wrong page; and a link's text is not another citation (``<a href=X>X</a>`` is one URL).
The scanner reads only the rest of the text, for the URLs a page shows without linking them.
Links and bare URLs get their role from the labels around them, as in text ("Original url:
<a>", a "Related article:" line above). Their lines are the source's: a link's element's
``sourceline``, a bare URL's counted in its text node.

A saved web page is mostly navigation; its citations are the links in its main content,
which trafilatura finds as it finds a page's article. But not every HTML document that has a
canonical link, a ``<nav>`` or many links is a page around an article: a reading list, a
page of links, *is* its links. When the main content trafilatura finds has no links, or the
links are most of the page's text, nothing is filtered.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from dataclasses import dataclass

import lxml.etree
import lxml.html

from crawler.core.discovery.reading import Lines, Read, relative, resolve
from crawler.core.discovery.scanner import START
from crawler.core.discovery.text import Found, scan
from crawler.core.models import Role

_BLOCKS = {
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
    "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
    "main", "nav", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
}
_SKIP = {"script", "style", "noscript", "template", "head", "svg"}
_CODE = {"code", "pre", "kbd", "samp"}
_PAGE_PARTS = {"nav", "header", "footer", "aside", "menu"}
_SAVED_PAGE_LINKS = 40  # a page with this many links is a saved page, not a note
_DECLARATION = re.compile(r"^(\ufeff?\s*)<\?xml[^>]*\?>")
_LINK_SHARE = 0.5  # link texts this share of the main content: a list of links


@dataclass(frozen=True)
class Rendered:
    """An HTML document as a reader sees it (``text``), its own URL (canonical), the URLs
    of its main content (None when it is not a saved page, or all links are wanted; its own
    URL among them), and what discovery reads in it (``read``: links and bare URLs, code,
    relative links that could not be resolved)."""

    text: str
    own_url: str | None
    main: frozenset[str] | None
    read: Read


def _own_url(root: lxml.html.HtmlElement) -> tuple[str, int] | None:
    """The page's own URL (``<link rel=canonical>``, ``og:url``; a protocol-relative one
    made https) and its line."""
    for element in root.xpath("//link[@href] | //meta[@property='og:url'][@content]"):
        rel = (element.get("rel") or "").lower().split()
        if element.tag == "link" and "canonical" not in rel:
            continue
        value = (element.get("href") or element.get("content") or "").strip()
        if START.match(value):
            return resolve(value, None) or value, element.sourceline or 1
    return None


def _base(root: lxml.html.HtmlElement, own: str | None, given: str | None) -> str | None:
    for element in root.xpath("//base[@href]"):
        href = element.get("href", "").strip()
        if START.match(href):
            return href
    return own or given


def _saved_page(root: lxml.html.HtmlElement, own: str | None) -> bool:
    """A web page saved as a document (not a note written in HTML): it says where it was
    published, or has the parts of a site around an article, or links like one."""
    if own is not None or root.xpath("//nav | //header | //footer | //aside | //menu"):
        return True
    return len(root.xpath("//a[@href]")) >= _SAVED_PAGE_LINKS


def _squashed(text: str) -> str:
    return "".join(text.split())


def _main_content(html: str, base: str | None) -> tuple[frozenset[str], str]:
    """The links inside the page's main content, as trafilatura sees the article, and its
    text (without spaces)."""
    from trafilatura import bare_extraction

    document = bare_extraction(html, url=base, include_links=True, include_images=False,
                               include_tables=True, with_metadata=False)
    body = getattr(document, "body", None) if document is not None else None
    if body is None:
        return frozenset(), ""
    found = set()
    for ref in body.iter("ref"):
        resolved = resolve(ref.get("target", ""), base)
        if resolved:
            found.add(resolved)
    text = " ".join(body.itertext())
    for written in scan(text, rejoin=False):  # URLs in its text too
        found.add(written.written)
    return frozenset(found), _squashed(text)


def _links_are_content(root: lxml.html.HtmlElement, main_text: str) -> bool:
    """Is the main content a list of links (a reading list, a bibliography, a page of
    sources), whose links trafilatura may keep as text only? Then the texts of the page's
    links make most of it. (In the articles of the news pages of tests/oracle.py's corpus
    they make at most 45%, and mostly under 15%.)"""
    labels = {_squashed(element.text_content()) for element in root.xpath("//a[@href]")}
    linked = sum(len(label) for label in labels if label and label in main_text)
    return linked >= _LINK_SHARE * len(main_text)


def _main(html: str, root: lxml.html.HtmlElement, own: str | None, base: str | None
          ) -> frozenset[str] | None:
    """The URLs a saved page's main content cites (and its own), or None: every link
    counts, because the document is not a saved page, or trafilatura found no main content
    in it, or its main content is its links. (A main content without links is an article
    that cites nothing: filtered, every link of the page is navigation.)"""
    if not _saved_page(root, own):
        return None
    links, text = _main_content(html, base)
    if not text or _links_are_content(root, text):
        return None
    return links | {own} if own else links


def _tail_line(element: lxml.html.HtmlElement, last_line: int) -> int:
    """The source line where an element's tail (the text after its end tag) starts: lxml
    gives only where elements start, so it is counted back from the next element in
    document order (or from the end of the document)."""
    newlines = (element.tail or "").count("\n")
    node: lxml.html.HtmlElement | None = element
    while node is not None:
        following = node.getnext()
        if following is not None and following.sourceline:
            return max(following.sourceline - newlines, element.sourceline or 1)
        node = node.getparent()
        if node is not None:
            newlines += (node.tail or "").count("\n")
    return max(last_line - newlines, element.sourceline or 1)


def _line_breaks(raw: str, pre: bool) -> tuple[list[int], list[int]]:
    """Where a text node's line breaks are in it as shown (its runs of spaces made one,
    unless it is preformatted), and how many there are up to each: for
    :func:`_newlines_before`, which a node of thousands of URLs asks thousands of times."""
    positions, counts = [], []
    shift = total = 0
    for match in re.finditer(r"\n" if pre else r"\s+", raw):
        if "\n" in match[0]:
            total += match[0].count("\n")
            positions.append(match.start() - shift)
            counts.append(total)
        if not pre:
            shift += len(match[0]) - 1
    return positions, counts


def _newlines_before(breaks: tuple[list[int], list[int]], position: int) -> int:
    """How many line breaks of a text node stand before ``position`` of it as shown."""
    positions, counts = breaks
    index = bisect.bisect_left(positions, position) - 1
    return counts[index] if index >= 0 else 0


def _unlinked(label: str) -> str:
    """A link's text as the scanner reads it: with no URL to find (the link is the URL)."""
    return START.sub(lambda match: "\ue000" * len(match[0]), label)


class _Walk:
    """One pass over a document's body: the text it shows, the text the scanner reads (the
    same, with links' texts unlinked and code blanked), where each text node of the latter
    comes from, and the links, images and code met on the way."""

    def __init__(self, base: str | None, last_line: int):
        self.base = base
        self.last_line = last_line
        self.shown: list[str] = []
        self.scanned: list[str] = []
        self.length = 0  # of the scanned text so far
        self.nodes: list[tuple[int, int, str, bool]] = []  # (offset, line, raw text, pre)
        self.links: list[Found] = []  # their roles come once the text is complete
        self.code: list[tuple[int, str]] = []
        self.unresolved: list[tuple[int, str]] = []

    def out(self, shown: str, scanned: str | None = None) -> None:
        scanned = shown if scanned is None else scanned
        self.shown.append(shown)
        self.scanned.append(scanned)
        self.length += len(scanned)

    def text(self, raw: str | None, line: int, pre: bool) -> None:
        if raw:
            raw = raw.replace("\r\n", "\n").replace("\r", "\n")
            self.nodes.append((self.length, line, raw, pre))
            self.out(raw if pre else re.sub(r"\s+", " ", raw))

    def tail(self, element: lxml.html.HtmlElement, pre: bool) -> None:
        if element.tail:
            self.text(element.tail, _tail_line(element, self.last_line), pre)

    def walk(self, element: lxml.html.HtmlElement, pre: bool) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        line = element.sourceline or 1
        if tag in _SKIP or not tag:
            self.tail(element, pre)
            return
        if tag in _CODE:
            content = element.text_content()
            self.code.append((line, content))
            self.out(content if tag == "pre" else re.sub(r"\s+", " ", content),
                     " " * len(content))
            self.tail(element, pre)
            return
        block = tag in _BLOCKS
        if block:
            self.out("\n")
        if tag == "img" and element.get("src"):
            source = resolve(element.get("src", ""), self.base)
            if source:
                alt = " ".join((element.get("alt") or "").split()) or None
                self.links.append(Found(self.length, line, source, Role.CITED, alt, True))
        href = element.get("href") if tag in ("a", "area") else None
        if href is not None and self.link(element, href, line):
            self.tail(element, pre)
            return
        self.text(element.text, line, pre or tag == "pre")
        for child in element:
            self.walk(child, pre or tag == "pre")
        if block:
            self.out("\n")
        self.tail(element, pre)

    def link(self, element: lxml.html.HtmlElement, href: str, line: int) -> bool:
        """Take a link (True), or say it is none (another scheme, a fragment, relative
        without a base: its text is then read as text)."""
        resolved = resolve(href, self.base)
        if resolved is None:
            if relative(href):
                self.unresolved.append((line, href.strip()))
            return False
        label = " ".join(element.text_content().split())
        anchor = None if not label or label == resolved or START.match(label) else label
        self.links.append(Found(self.length, line, resolved, Role.CITED, anchor))
        self.out(label, _unlinked(label))
        return True

    def found(self) -> list[Found]:
        """The links with their roles, and the bare URLs of the text with their lines, in
        order."""
        scanned = "".join(self.scanned)
        lines = Lines(scanned)
        found = [dataclasses.replace(link, role=lines.role(link.start)) for link in self.links]
        offsets = [offset for offset, *_ in self.nodes]
        breaks: dict[int, tuple[list[int], list[int]]] = {}
        for bare in scan(scanned, rejoin=False):
            index = bisect.bisect_right(offsets, bare.start) - 1
            line = 1
            if index >= 0:
                offset, first, raw, pre = self.nodes[index]
                if index not in breaks:
                    breaks[index] = _line_breaks(raw, pre)
                line = first + _newlines_before(breaks[index], bare.start - offset)
            found.append(dataclasses.replace(bare, line=line))
        return sorted(found, key=lambda item: item.start)


def render(html: str, *, base_url: str | None = None, all_links: bool = False) -> Rendered:
    """Render an HTML document (see :class:`Rendered`)."""
    try:
        # An XHTML page saved with its "<?xml ... encoding=...?>": lxml refuses a declared
        # encoding in a str, the text is decoded already (its line is kept).
        root = lxml.html.document_fromstring(_DECLARATION.sub(r"\1", html, count=1))
    except (lxml.etree.ParserError, ValueError):
        return Rendered("", None, None, Read(()))
    own_line = _own_url(root)
    own = own_line[0] if own_line else None
    base = _base(root, own, base_url)
    main = None if all_links else _main(html, root, own, base)
    walk = _Walk(base, html.count("\n") + 1)
    body = root.find("body")
    walk.walk(body if body is not None else root, False)
    found = walk.found()
    if own_line:
        found.insert(0, Found(-1, own_line[1], own_line[0], Role.ORIGINAL))
    visible = re.sub(r"\n[ \t]*(?=\n)", "\n", "".join(walk.shown))
    return Rendered(re.sub(r"\n{3,}", "\n\n", visible).strip() + "\n", own, main,
                    Read(tuple(found), tuple(walk.code), tuple(walk.unresolved)))
