"""Article text and metadata out of a fetched page, with trafilatura.

Kept free of Scrapy so that extraction runs the same in a worker process, in tests and in
benchmarks. What is stored and compared is the *normalised* text's hash: whitespace churn in a
page's markup must not count as a change of what the source says.

Beside the article, the page's ``<title>`` (in the metadata: trafilatura's title is usually
the ``<h1>``) and its visible text *around* it are kept (one line per block, without
scripts, styles, the head, and the lines the article already has): a correction notice
appended after the article container or a changed caption is not in trafilatura's article,
but it is what a reader of the page saw, and it is compared and indexed too
(crawler.core.change). Only what the article lacks is kept, so that a snapshot does not store
and index its text twice. It is read from the tree already parsed, in about a millisecond.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree
from trafilatura import bare_extraction
from trafilatura.utils import load_html

from crawler.core.documents import decode
from crawler.core.hashing import text_sha256
from crawler.core.models import Extraction

_EXTRA = ("description", "categories", "tags", "image", "pagetype", "hostname", "license")
_LANG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")


def decode_body(body: bytes, encoding: str | None) -> str:
    """The page's text, in the charset the response declares (BOM, Content-Type, ``<meta>``:
    crawler.fetch.requests) when the bytes agree with it; a page that declares none, or the
    wrong one, gets its bytes sniffed instead (crawler.core.documents.decode)."""
    if encoding:
        try:
            return body.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            pass
    try:
        return decode(body, "html")[0]
    except ValueError:
        return body.decode(encoding or "utf-8", errors="replace")


def _language(tree: Any, content_language: str | None) -> str | None:
    declared = tree.get("lang") or tree.get("{http://www.w3.org/XML/1998/namespace}lang")
    for candidate in (declared, content_language):
        if candidate:
            candidate = candidate.split(",")[0].strip()
            if _LANG.match(candidate):
                return candidate.replace("_", "-").lower()
    return None


_SKIP = frozenset({"script", "style", "noscript", "template", "svg", "head", "iframe", "object",
                   "select", "button"})
_BLOCK = frozenset(
    "address article aside blockquote br caption dd details dialog div dl dt fieldset"
    " figcaption figure footer form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section"
    " summary table td th tr ul".split())


def page_text(tree: Any) -> str:
    """All the visible text of a parsed page, one line per block."""
    parts: list[str] = []
    walker = etree.iterwalk(tree, events=("start", "end", "comment", "pi"))
    for event, element in walker:
        if event in ("comment", "pi"):
            parts.append(element.tail or "")
            continue
        tag = element.tag if isinstance(element.tag, str) else ""
        if event == "start":
            if tag in _SKIP:
                walker.skip_subtree()  # its "end" still comes, with its tail
            elif tag in _BLOCK:
                parts.append("\n")
            if tag not in _SKIP and element.text:
                parts.append(element.text)
        else:
            if tag in _BLOCK:
                parts.append("\n")
            parts.append(element.tail or "")
    lines = (" ".join(line.split()) for line in "".join(parts).splitlines())
    return "\n".join(line for line in lines if line)


def around(page: str, article: str) -> str:
    """The lines of a page's visible text that its article does not contain."""
    flat = " ".join(article.split())
    return "\n".join(line for line in page.splitlines() if line not in flat)


def plain_text(body: bytes, encoding: str | None) -> Extraction | None:
    """A ``text/*`` response is its own text (None when blank)."""
    text = decode_body(body, encoding)
    return Extraction(text, text_sha256(text)) if text.strip() else None


def extract(body: bytes, encoding: str | None, url: str,
            content_language: str | None = None) -> Extraction | None:
    """The main text and metadata of an HTML page, or None when it has no extractable text.

    ``metadata`` holds trafilatura's other fields. The language comes from the page's ``lang``
    attribute, else the ``Content-Language`` header.
    """
    # ``encoding`` is what the response declares; without one, the bytes are sniffed as
    # documents are (UTF-8, then a Western charset, then a guess): trafilatura's guess read
    # a cp1252 page for cp1250 ("Genève" became "Genčve"), and so did Scrapy's.
    tree = load_html(decode_body(body, encoding))
    if tree is None:
        return None
    page_title = " ".join((tree.findtext(".//head/title") or "").split())  # not an <svg>'s
    document = bare_extraction(
        tree, url=url, with_metadata=True, include_comments=False, include_tables=True
    )
    if document is None or not document.text:
        return None
    extra = {name: getattr(document, name, None) for name in _EXTRA}
    extra["page_title"] = page_title  # the <title>, compared (crawler.core.change)
    return Extraction(
        text=document.text,
        text_sha256=text_sha256(document.text),
        title=document.title,
        author=document.author,
        date=document.date,
        sitename=document.sitename,
        language=document.language or _language(tree, content_language),
        metadata={key: value for key, value in extra.items() if value},
        page_text=around(page_text(tree), document.text),
    )
