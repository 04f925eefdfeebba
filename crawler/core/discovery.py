"""Find the source URLs a document cites, and what role each plays in it.

Documents are pasted news articles, notes and reports, so URLs arrive damaged: hard-wrapped
across lines (text copied from PDFs or mail), glued to punctuation, wrapped in Markdown or
parentheses, without a scheme. Each mention gets a role:

- ``original``: the page the document is a copy of ("Original url:", "Source:", "Canonical",
  "Originally published at ...", an HTML ``<link rel=canonical>``);
- ``related``: a page the document points to as a related article, found after a "Related
  article:" label or by matching the slug of a URL against a "Related article: <title>" line,
  whose title then becomes the mention's anchor text;
- ``cited``: everything else.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
import unicodedata
from urllib.parse import unquote, urlsplit

import lxml.etree
import lxml.html

from crawler.core.models import Mention, Role
from crawler.core.url import canonical, fetchable, without_credentials
from crawler.errors import InvalidURL

_START = re.compile(r"https?://|(?<![\w@.\-/:])www\.", re.IGNORECASE)
_NOT_URL = set('<>"`\\^{}|“”«»「」『』【】《》〈〉')
_TRAILING = set(".,;:!?'*’…。，、；：！？")
_CLOSERS = {")": "(", "]": "[", "}": "{"}
# A URL cannot plausibly end on these, so a line break right after one is a wrap.
_CUT = set("-_=&%+~")
_STRUCTURE = set("/=&?%_#~+")
_CONTINUES = set("/-_%?&=.~+#")
_GLUED = re.compile(r"(?<=[,;])(?:https?://|www\.)", re.IGNORECASE)

_ORIGINAL_AT_START = (
    r"original(?:ly)?(?:[\s_-]*(?:url|link|source|article|story|post|address|version))?"
    r"|source(?:\s+(?:url|link|article))?|canonical(?:\s+(?:url|link))?|permalink"
)
_ORIGINAL_ANYWHERE = (
    r"originally\s+(?:published|posted|appeared)(?:\s+(?:at|on|in|by))?"
    r"|first\s+(?:published|posted|appeared)(?:\s+(?:at|on|in))?"
    r"|(?:re)?published\s+(?:at|on|in|from)|reposted\s+from"
)
_RELATED = (
    r"related(?:\s+(?:article|articles|story|stories|link|links|reading|content|post|coverage))?"
    r"|read\s+(?:more|also|next)|see\s+also|also\s+read|more\s+on\s+this(?:\s+story)?"
    r"|recommended(?:\s+reading)?"
)
_SEP = r"\s*[:=\-–—>]*\s*[^\w\s]*\s*"
_ORIGINAL_PREFIX = re.compile(
    rf"(?:^[\W_]*(?:{_ORIGINAL_AT_START})|(?:^|\W)(?:{_ORIGINAL_ANYWHERE})){_SEP}$", re.IGNORECASE
)
_RELATED_PREFIX = re.compile(rf"^[\W_]*(?:{_RELATED}){_SEP}$", re.IGNORECASE)
_ORIGINAL_LINE = re.compile(
    rf"^[\W_]*(?:{_ORIGINAL_AT_START}|{_ORIGINAL_ANYWHERE})\s*[:=\-–—>]*[\W_]*$", re.IGNORECASE
)
_RELATED_LINE = re.compile(rf"^[\W_]*(?:{_RELATED})\s*[:=\-–—>]*[\W_]*$", re.IGNORECASE)
_RELATED_TITLE = re.compile(rf"^[\W_]*(?:{_RELATED})\s*[:\-–—]\s*(?P<title>\w.*?)\s*$", re.IGNORECASE)

_SLUG_MIN_SCORE = 0.6
_SLUG_MIN_WORDS = 2


def _is_url_char(char: str) -> bool:
    return not char.isspace() and char not in _NOT_URL and char.isprintable()


def _consume(text: str, start: int) -> int:
    end = start
    while end < len(text) and _is_url_char(text[end]):
        end += 1
    return end


def _trim(url: str) -> str:
    """Drop trailing punctuation and closing brackets that have no opening one in the URL."""
    while url:
        last = url[-1]
        if last in _TRAILING or (last in _CLOSERS and url.count(last) > url.count(_CLOSERS[last])):
            url = url[:-1]
        else:
            break
    return url


def _urlish(token: str) -> bool:
    """Does a word look like a piece of URL rather than a piece of prose?"""
    token = _trim(token)
    return (
        any(char in _STRUCTURE for char in token)
        or re.search(r"\.\w", token) is not None
        or (any(char.isdigit() for char in token) and any(char.isalpha() for char in token))
    )


def _in_host(url: str) -> bool:
    after_scheme = url.split("://", 1)[-1]
    return "/" not in after_scheme


def _joins(url: str, line: str, following: str, width: int) -> bool:
    """Decide whether a URL that ends a line continues on the following one.

    It does when the following line starts, without indentation, with URL characters, and
    the break itself looks like a cut: the URL ends on a character no URL ends on, or the
    continuation looks like URL (slashes, dots, digits in words), or the line is as full as
    the document's hard-wrapped lines and the continuation stands alone on its line, or that
    lone continuation is not a capitalised word (a signature, a heading). A plain word
    followed by more prose is the next sentence, and is left alone.
    """
    if not following or not _is_url_char(following[0]) or _START.match(following):
        return False
    token = following[: _consume(following, 0)]
    if not any(char.isalnum() for char in token):
        return False
    if not (token[0].isalnum() or token[0] in _CONTINUES):
        return False
    rest = following[len(token) :].strip()
    full = width > 0 and len(line.rstrip()) >= 0.8 * width
    last = url[-1]
    if last in _CUT:
        return True
    if last == ".":
        return _in_host(url) and _urlish(token)
    if last in _TRAILING or last in _CLOSERS:
        return False
    if _urlish(token):
        return True
    if not rest and not token[0].isupper():
        return True
    if last == "/":
        return full and not rest
    return full and (not rest or "-" in token)


def _wrap_width(lines: list[str]) -> int:
    """The width the document seems hard-wrapped at (0 when too short to tell)."""
    lengths = sorted(len(line.rstrip()) for line in lines if line.strip())
    if len(lengths) < 5:
        return 0
    return lengths[int(len(lengths) * 0.9) - 1]


class _Text:
    """A document's text with line lookups by character offset."""

    def __init__(self, text: str):
        self.text = text.replace("\r\n", "\n").replace("\r", "\n")
        self.starts = [0] + [match.end() for match in re.finditer("\n", self.text)]

    def line_no(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

    def line(self, number: int) -> str:
        start = self.starts[number - 1]
        end = self.starts[number] - 1 if number < len(self.starts) else len(self.text)
        return self.text[start:end]


def _markdown_anchor(text: str, start: int, line_start: int) -> tuple[str | None, int]:
    """For ``[anchor](url)`` return the anchor and where the link starts, else (None, start)."""
    if text[line_start:start].endswith("]("):
        close = start - 2
        depth = 0
        for index in range(close, line_start - 1, -1):
            if text[index] == "]":
                depth += 1
            elif text[index] == "[":
                depth -= 1
                if depth == 0:
                    return " ".join(text[index + 1 : close].split()) or None, index
    return None, start


def _previous_line(doc: _Text, number: int) -> str:
    """The nearest non-blank line above ``number``, looking past at most one blank line."""
    for candidate in (number - 1, number - 2):
        if candidate >= 1 and doc.line(candidate).strip():
            return doc.line(candidate)
    return ""


_LABEL_WINDOW = 200


def _role(doc: _Text, prefix: str, number: int) -> Role:
    """The role of a URL from the text before it on its line (``prefix``), or from the line
    above when it stands alone. A label ends right before its URL, so only the last
    ``_LABEL_WINDOW`` characters can matter: a long line of URLs stays linear. The window is
    marked as not starting the line (a word character), so a label-at-line-start cannot
    match inside it."""
    if len(prefix) > _LABEL_WINDOW:
        prefix = "x" + prefix[-_LABEL_WINDOW:]
    if _ORIGINAL_PREFIX.search(prefix):
        return Role.ORIGINAL
    if _RELATED_PREFIX.search(prefix):
        return Role.RELATED
    if prefix.strip(" \t*_>#-[(") == "":
        above = _previous_line(doc, number)
        if _ORIGINAL_LINE.match(above):
            return Role.ORIGINAL
        if _RELATED_LINE.match(above):
            return Role.RELATED
    return Role.CITED


def _scan(doc: _Text, rejoin: bool) -> list[Mention]:
    text = doc.text
    lines = text.split("\n")
    width = _wrap_width(lines) if rejoin else 0
    found: list[Mention] = []
    pos = 0
    while match := _START.search(text, pos):
        start = match.start()
        end = _consume(text, start)
        raw = text[start:end]
        while rejoin and end < len(text) and text[end] == "\n":
            number = doc.line_no(end)
            following = doc.line(number + 1) if number < len(doc.starts) else ""
            if not _joins(raw, doc.line(number), following, width):
                break
            next_end = _consume(text, end + 1)
            raw += text[end + 1 : next_end]
            end = next_end
        glued = _GLUED.search(raw, 1)
        if glued:
            raw = raw[: glued.start()]
            end = start + glued.start()
        pos = max(end, start + 1)
        written = without_credentials(_trim(raw))
        try:
            url = fetchable(written)
        except InvalidURL:
            continue
        number = doc.line_no(start)
        line_start = doc.starts[number - 1]
        anchor, link_start = _markdown_anchor(text, start, line_start)
        role = _role(doc, text[line_start:link_start], number)
        found.append(Mention(written, url, canonical(written), role, anchor, number))
    return found


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return [word for word in re.split(r"[^a-z0-9]+", folded) if word]


def _slug_score(title_words: set[str], url: str) -> float:
    path_words = set(_words(unquote(urlsplit(url).path)))
    return len(title_words & path_words) / len(title_words) if title_words else 0.0


def _match_related_titles(doc: _Text, mentions: list[Mention]) -> list[Mention]:
    """Mark as ``related`` the URL whose slug matches a "Related article: <title>" line."""
    mentions = list(mentions)
    for line in doc.text.split("\n"):
        match = _RELATED_TITLE.match(line)
        if not match or _START.search(match["title"]):
            continue
        title = match["title"]
        title_words = set(_words(title))
        best, best_score = None, 0.0
        for index, mention in enumerate(mentions):
            if mention.role is Role.ORIGINAL:
                continue
            score = _slug_score(title_words, mention.url)
            if score > best_score:
                best, best_score = index, score
        enough = best_score * len(title_words) >= _SLUG_MIN_WORDS
        if best is not None and best_score >= _SLUG_MIN_SCORE and enough:
            mentions[best] = dataclasses.replace(mentions[best], role=Role.RELATED, anchor=title)
    return mentions


def _merge(mentions: list[Mention]) -> list[Mention]:
    """One mention per canonical URL, keeping the strongest role and its anchor text."""
    merged: dict[str, Mention] = {}
    for mention in mentions:
        kept = merged.get(mention.canonical)
        if kept is None:
            merged[mention.canonical] = mention
        elif mention.role.strength < kept.role.strength:
            merged[mention.canonical] = dataclasses.replace(
                kept, role=mention.role, anchor=mention.anchor or kept.anchor)
        elif kept.anchor is None and mention.anchor is not None:
            merged[mention.canonical] = dataclasses.replace(kept, anchor=mention.anchor)
    return list(merged.values())


def discover_text(text: str, *, rejoin: bool = True) -> list[Mention]:
    """Mentions in plain text or Markdown, one per canonical URL, in order of appearance."""
    doc = _Text(text)
    return _merge(_match_related_titles(doc, _scan(doc, rejoin)))


_BLOCKS = {
    "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "figcaption",
    "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "li",
    "main", "nav", "ol", "p", "pre", "section", "table", "td", "th", "tr", "ul",
}
_SKIP = {"script", "style", "noscript", "template", "head"}


def html_to_text(html: str) -> str:
    """Render HTML as text with Markdown links, so that labels, anchors and related-article
    titles are found by the same rules as in text documents."""
    try:
        root = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return ""
    out: list[str] = []
    for element in root.xpath("//link[@href] | //meta[@property='og:url'][@content]"):
        rel = (element.get("rel") or "").lower().split()
        if element.tag == "link" and "canonical" not in rel:
            continue
        out.append(f"Canonical: {element.get('href') or element.get('content')}\n")

    def walk(element: lxml.html.HtmlElement, pre: bool) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _SKIP or not tag:
            out.append(_inline(element.tail, pre))
            return
        block = tag in _BLOCKS
        if block:
            out.append("\n")
        href = (element.get("href") or "").strip() if tag == "a" else ""
        if _START.match(href):
            anchor = " ".join(element.text_content().split()).replace("[", "").replace("]", "")
            out.append(f"[{anchor}]({href.replace(' ', '%20')})" if anchor else f" {href} ")
        else:
            out.append(_inline(element.text, pre or tag == "pre"))
            for child in element:
                walk(child, pre or tag == "pre")
        if block:
            out.append("\n")
        out.append(_inline(element.tail, pre))

    body = root.find("body")
    walk(body if body is not None else root, False)
    return "".join(out)


def _inline(text: str | None, pre: bool) -> str:
    if not text:
        return ""
    return text if pre else re.sub(r"\s+", " ", text)


def discover_html(html: str) -> list[Mention]:
    """Mentions in an HTML document: link targets, canonical links and URLs in its text."""
    return discover_text(html_to_text(html), rejoin=False)


def discover(text: str, kind: str) -> list[Mention]:
    """Mentions in a document of ``kind`` ``html``, ``markdown`` or ``text``."""
    return discover_html(text) if kind == "html" else discover_text(text)
