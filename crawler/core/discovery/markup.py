"""URLs in Markdown and HTML documents, read with their parsers.

Markdown (markdown-it-py) decides what is code: a URL in a code span or block is an example,
not a citation. Links, autolinks and bare URLs are then found in the source by the text
scanner, which knows ``[anchor](url)`` and ``![alt](url)`` (an image, not a source).

HTML (lxml) is rendered as a reader sees it: the visible text, for the archive and for
matching against sources, and a Markdown-like form of it (``[anchor](href)``, hrefs resolved
against ``<base>`` or the page's own URL) in which the text scanner finds links and bare
URLs with the same labels and roles as in text. A saved web page is mostly navigation; its
citations are the links in its main content, which trafilatura finds as it finds a page's
article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import lxml.etree
import lxml.html
from markdown_it import MarkdownIt

from crawler.core.discovery.scanner import START
from crawler.core.discovery.text import scan

_BLOCKS = {
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
    "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
    "main", "nav", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
}
_SKIP = {"script", "style", "noscript", "template", "head", "svg"}
_CODE = {"code", "pre", "kbd", "samp"}
_PAGE_PARTS = {"nav", "header", "footer", "aside", "menu"}
_SAVED_PAGE_LINKS = 40  # a page with this many links is a saved page, not a note
_INLINE_CODE = re.compile(r"(`+)(.+?)\1", re.DOTALL)
_markdown = MarkdownIt("commonmark")


def mask_code(source: str) -> tuple[str, list[str]]:
    """``source`` with its Markdown code (fenced and indented blocks, code spans) blanked out,
    offsets and lines kept; and the code itself, where URLs are examples, not citations."""
    lines = source.split("\n")
    code: list[str] = []
    for token in _markdown.parse(source):
        if token.type in ("fence", "code_block") and token.map:
            first, last = token.map
            code.append("\n".join(lines[first:last]))
            for index in range(first, min(last, len(lines))):
                lines[index] = " " * len(lines[index])
    masked = "\n".join(lines)

    def blank(match: re.Match[str]) -> str:
        code.append(match[2])
        return re.sub(r"[^\n]", " ", match[0])

    return _INLINE_CODE.sub(blank, masked), code


@dataclass(frozen=True)
class Rendered:
    """An HTML document as a reader sees it (``text``), the same with its links as
    ``[anchor](url)`` (``linked``, for the scanner), its own URL (canonical), the URLs of its
    main content (None when it is not a saved page, or all links are wanted), and the URLs
    of its code and of its relative links that could not be resolved."""

    text: str
    linked: str
    own_url: str | None
    main: frozenset[str] | None
    code: tuple[str, ...]
    unresolved: tuple[str, ...]


def _own_url(root: lxml.html.HtmlElement) -> str | None:
    for element in root.xpath("//link[@href] | //meta[@property='og:url'][@content]"):
        rel = (element.get("rel") or "").lower().split()
        if element.tag == "link" and "canonical" not in rel:
            continue
        value = (element.get("href") or element.get("content") or "").strip()
        if START.match(value):
            return value
    return None


def _base(root: lxml.html.HtmlElement, own: str | None, given: str | None) -> str | None:
    for element in root.xpath("//base[@href]"):
        href = element.get("href", "").strip()
        if START.match(href):
            return href
    return own or given


def _resolve(href: str, base: str | None) -> str | None:
    """An href as an absolute http(s) URL, or None (another scheme, or relative without a
    base)."""
    href = href.strip().replace(" ", "%20")
    if not href or href.startswith("#"):
        return None
    scheme = urlsplit(href).scheme.lower()
    if scheme in ("http", "https"):
        return href
    if scheme:
        return None  # mailto:, javascript:, data:, ftp:
    if href.startswith("//"):
        return (urlsplit(base).scheme if base else "https") + ":" + href
    return urljoin(base, href) if base else None


def _saved_page(root: lxml.html.HtmlElement, own: str | None) -> bool:
    """A web page saved as a document (not a note written in HTML): it says where it was
    published, or has the parts of a site around an article, or links like one."""
    if own is not None or root.xpath("//nav | //header | //footer | //aside | //menu"):
        return True
    return len(root.xpath("//a[@href]")) >= _SAVED_PAGE_LINKS


def _main_links(html: str, base: str | None) -> frozenset[str]:
    """The links inside the page's main content, as trafilatura sees the article."""
    from trafilatura import bare_extraction

    document = bare_extraction(html, url=base, include_links=True, include_images=False,
                               include_tables=True, with_metadata=False)
    body = getattr(document, "body", None) if document is not None else None
    if body is None:
        return frozenset()
    found = set()
    for ref in body.iter("ref"):
        resolved = _resolve(ref.get("target", ""), base)
        if resolved:
            found.add(resolved)
    for written in scan(" ".join(body.itertext()), rejoin=False):  # URLs in its text too
        found.add(written.written)
    return frozenset(found)


def render(html: str, *, base_url: str | None = None, all_links: bool = False) -> Rendered:
    """Render an HTML document (see :class:`Rendered`)."""
    try:
        root = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return Rendered("", "", None, None, (), ())
    own = _own_url(root)
    base = _base(root, own, base_url)
    main = None if all_links or not _saved_page(root, own) else _main_links(html, base)
    text: list[str] = []
    linked: list[str] = [f"Canonical: {own}\n"] if own else []
    code: list[str] = []
    unresolved: list[str] = []

    def out(visible: str, marked: str | None = None) -> None:
        text.append(visible)
        linked.append(visible if marked is None else marked)

    def walk(element: lxml.html.HtmlElement, pre: bool) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _SKIP or not tag:
            out(_inline(element.tail, pre))
            return
        if tag in _CODE:
            content = element.text_content()
            code.append(content)
            out(content if tag == "pre" else _inline(content, False), " " * len(content))
            out(_inline(element.tail, pre))
            return
        block = tag in _BLOCKS
        if block:
            out("\n")
        if tag == "img" and element.get("src"):
            source = _resolve(element.get("src", ""), base)
            if source:
                alt = " ".join((element.get("alt") or "").split()).replace("]", "")
                out("", f"![{alt}]({source})")
        href = element.get("href") if tag in ("a", "area") else None
        if href is not None:
            resolved = _resolve(href, base)
            label = " ".join(element.text_content().split())
            if resolved is None and not urlsplit(href.strip()).scheme and \
                    href.strip() and not href.strip().startswith("#"):
                unresolved.append(href.strip())
            if resolved:
                anchor = label.replace("[", "").replace("]", "")
                out(label, f"[{anchor}]({resolved})" if anchor else f" {resolved} ")
                out(_inline(element.tail, pre))
                return
        out(_inline(element.text, pre or tag == "pre"))
        for child in element:
            walk(child, pre or tag == "pre")
        if block:
            out("\n")
        out(_inline(element.tail, pre))

    body = root.find("body")
    walk(body if body is not None else root, False)
    visible = re.sub(r"\n[ \t]*(?=\n)", "\n", "".join(text))
    return Rendered(re.sub(r"\n{3,}", "\n\n", visible).strip() + "\n", "".join(linked), own,
                    main, tuple(code), tuple(unresolved))


def _inline(text: str | None, pre: bool) -> str:
    if not text:
        return ""
    return text if pre else re.sub(r"\s+", " ", text)
