"""Discovery cases nobody writes by hand: the links of 295 real pages, pasted as people paste.

Every absolute ``<a href>`` of the pages in ``../shared/corpora/news-pages`` is the truth.
Each page's links are written out in the two forms people paste, ``anchor (url)`` in prose
and Markdown ``[anchor](url)``, then hard-wrapped as mail and PDFs do (60, 72, 76, 80 columns;
long words cut; with and without breaks after hyphens). Discovery must find exactly the
truth. For Markdown, the truth is what markdown-it-py itself reads as links.

Used by the tests (a sample) and by ``bench/discovery.py`` (all of it, against other URL
finders).
"""

from __future__ import annotations

import gzip
import json
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import lxml.html
from markdown_it import MarkdownIt

from crawler.core.url import canonical
from crawler.errors import InvalidURL

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpora" / "news-pages"
WIDTHS = (60, 72, 76, 80)
FORMS = ("text", "markdown")
_FILLER = ("as reported on the day", "which the minister disputed", "according to officials",
           "in a statement", "said a spokesperson", "the agency wrote")


@dataclass(frozen=True)
class Case:
    page: str
    form: str
    width: int | None  # None: not wrapped
    hyphens: bool
    text: str
    truth: frozenset[str]  # canonical URLs


def _canonical(url: str) -> str | None:
    try:
        return canonical(url)
    except InvalidURL:
        return None


def page_links(path: Path, limit: int | None = None) -> list[tuple[str, str]]:
    """``(anchor, href)`` of a page's absolute http(s) links with a plausible host, each
    canonical URL once."""
    try:
        root = lxml.html.document_fromstring(gzip.decompress(path.read_bytes()))
    except (ValueError, lxml.etree.ParserError):
        return []
    links, seen = [], set()
    for element in root.xpath("//a[@href]"):
        href = element.get("href", "").strip()
        if not href.lower().startswith(("http://", "https://")) or any(
                char.isspace() or char in "<>\"'`" for char in href):
            continue
        if href[-1] in ".,;:!?":
            continue  # "…/Neulich%20in%20München...": in prose, the sentence's punctuation
        key = _canonical(href)
        if key is None or key in seen:
            continue
        seen.add(key)
        anchor = " ".join(element.text_content().split())[:60]
        if not anchor or "://" in anchor or "www." in anchor.lower():
            anchor = "this page"  # a shown URL (often cut short with "…") is not the link
        links.append((anchor.replace("[", "").replace("]", "").replace("(", "").replace(")", ""),
                      href))
        if limit and len(links) >= limit:
            break
    return links


def written(links: list[tuple[str, str]], form: str) -> str:
    """The links as a person pastes them: sentences of prose, or Markdown."""
    sentences = []
    for number, (anchor, href) in enumerate(links):
        filler = _FILLER[number % len(_FILLER)]
        if form == "markdown":
            sentences.append(f"See [{anchor}]({href}), {filler}.")
        else:
            sentences.append(f"See {anchor} ({href}), {filler}.")
    return " ".join(sentences)


def markdown_truth(text: str) -> frozenset[str]:
    """The http(s) links markdown-it-py reads in ``text``."""
    found = set()
    for token in MarkdownIt("commonmark").parse(text):
        for child in token.children or []:
            href = child.attrGet("href") if child.type == "link_open" else None
            if href and href.lower().startswith(("http://", "https://")):
                key = _canonical(href)
                if key:
                    found.add(key)
    return frozenset(found)


def cases(limit_pages: int | None = None, limit_links: int | None = None) -> Iterator[Case]:
    paths = sorted((CORPUS / "html").glob("*.html.gz"))[:limit_pages]
    for path in paths:
        links = page_links(path, limit_links)
        if not links:
            continue
        truth = frozenset(key for _, href in links if (key := _canonical(href)))
        for form in FORMS:
            text = written(links, form)
            form_truth = markdown_truth(text) if form == "markdown" else truth
            yield Case(path.name, form, None, False, text, form_truth)
            for width in WIDTHS:
                for hyphens in (False, True):
                    wrapped = textwrap.fill(text, width=width, break_long_words=True,
                                            break_on_hyphens=hyphens)
                    yield Case(path.name, form, width, hyphens, wrapped, form_truth)


def manifest() -> list[dict]:
    return [json.loads(line) for line in (CORPUS / "manifest.jsonl").open()]
