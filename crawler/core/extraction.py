"""Article text and metadata out of a fetched page, with trafilatura.

Kept free of Scrapy so that extraction runs the same in a worker process, in tests and in
benchmarks. What is stored and compared is the *normalised* text's hash: whitespace churn in a
page's markup must not count as a change of what the source says.
"""

from __future__ import annotations

import re
from typing import Any

from trafilatura import bare_extraction
from trafilatura.utils import load_html

from crawler.core.documents import decode
from crawler.core.hashing import text_sha256
from crawler.core.models import Extraction

_EXTRA = ("description", "categories", "tags", "image", "pagetype", "hostname", "license")
_LANG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")


def decode_body(body: bytes, encoding: str | None) -> str:
    """The page's text, in the charset Scrapy determined (header, BOM, meta) when the bytes
    agree with it; a server that declares the wrong charset gets its bytes sniffed instead."""
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
    # Without a known charset, trafilatura's own detection (meta tags, then guessing) wins.
    tree = load_html(body if encoding is None else decode_body(body, encoding))
    if tree is None:
        return None
    document = bare_extraction(
        tree, url=url, with_metadata=True, include_comments=False, include_tables=True
    )
    if document is None or not document.text:
        return None
    extra = {name: getattr(document, name, None) for name in _EXTRA}
    return Extraction(
        text=document.text,
        text_sha256=text_sha256(document.text),
        title=document.title,
        author=document.author,
        date=document.date,
        sitename=document.sitename,
        language=document.language or _language(tree, content_language),
        metadata={key: value for key, value in extra.items() if value},
    )
