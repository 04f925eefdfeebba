"""Links, images and code in a Markdown document, as markdown-it-py reads them.

Markdown says exactly where a link points (``[anchor](url)``, ``<url>``, ``[anchor][ref]``
with ``[ref]: url``): the URL is the parser's link destination as written (escapes and
entities decoded), not found again by the scanner, whose rules for prose would cut the
``!`` of ``…/wow!`` or the ``.`` of ``…/a.``. A link's text is its anchor, not another
citation: ``[https://x.org/a](https://x.org/a)`` is one URL, and ``[see www.b.org](…)`` does
not cite www.b.org. An image (``![alt](src)`` or ``![alt][ref]``) is seen but not cited,
and so is a reference definition only images use. Documents converted from DOCX and ODT
(crawler.core.formats) come here too, their hyperlinks written as ``[text](url)``.

What the parser calls code (code spans, fenced and indented blocks) holds examples, not
citations: it is blanked out, and the rest of the text is scanned for the bare URLs Markdown
does not link, which may be hard-wrapped (crawler.core.discovery.text). A stray backtick is
text to markdown-it, so it hides nothing.

markdown-it gives block tokens their lines but inline tokens no position: the inline rules
that make links, images and code spans are wrapped to note where each starts and ends in its
block's content, which maps back to the source line by line (:class:`_Content`). That
position gives a link its line and its label ("Original url: [the story](…)").
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt, rules_inline
from markdown_it.rules_inline import StateInline
from markdown_it.token import Token

from crawler.core.discovery.reading import Lines, Read, cleaned, relative, resolve
from crawler.core.discovery.scanner import START
from crawler.core.discovery.text import Found, scan

_SPAN = "sourcekeeper_span"  # a token's (start, end) in its block's content
_POSITIONED = ("link_open", "image", "code_inline")


def _positioned(rule: Callable[[StateInline, bool], bool]) -> Callable[[StateInline, bool], bool]:
    """``rule`` noting, on the link, image or code span token it makes, where its source
    starts and ends in the inline content."""

    def noted(state: StateInline, silent: bool) -> bool:
        start, count = state.pos, len(state.tokens)
        matched = rule(state, silent)
        if matched and not silent:
            for token in state.tokens[count:]:  # after any text pushed before it
                if token.type in _POSITIONED:
                    token.meta[_SPAN] = (start, state.pos)
                    break
        return matched

    return noted


def _as_written(url: str) -> str:
    return url


def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark")
    # Destinations as written, not percent-encoded and punycoded for a browser:
    # crawler.core.url makes them fetchable, and shows the written form.
    parser.normalizeLink = _as_written  # type: ignore[method-assign]
    for name, rule in (("link", rules_inline.link), ("image", rules_inline.image),
                       ("autolink", rules_inline.autolink), ("backticks", rules_inline.backtick)):
        parser.inline.ruler.at(name, _positioned(rule))
    return parser


_markdown = _parser()


class _Content:
    """Offsets in an inline token's content (a paragraph's or heading's text: its lines
    without their indentation, list markers and ``>``) as offsets in the source. Each line
    of the content is the end of a line of the source, from the block's first line on."""

    def __init__(self, content: str, first_line: int, source: Lines):
        self.starts = [0] + [match.end() for match in re.finditer("\n", content)]
        self.shifts: list[int] = []
        for index, start in enumerate(self.starts):
            end = self.starts[index + 1] - 1 if index + 1 < len(self.starts) else len(content)
            piece = content[start:end]
            number = min(first_line + index, len(source.starts))
            line = source.line(number).rstrip()
            core = piece.strip()
            lead = len(piece) - len(piece.lstrip())
            if core and line.endswith(core):
                column = len(line) - len(core)
            else:
                column = max(line.find(core), 0) if core else 0
            self.shifts.append(source.start(number) + column - (start + lead))

    def offset(self, position: int) -> int:
        return position + self.shifts[bisect.bisect_right(self.starts, position) - 1]


@dataclass(frozen=True)
class _Link:
    start: int  # in the source
    href: str
    anchor: str | None
    image: bool


def _anchor(children: list[Token], index: int) -> str | None:
    """The text of the link opened at ``children[index]``."""
    parts = []
    for child in children[index + 1:]:
        if child.type == "link_close":
            break
        if child.type in ("text", "code_inline", "image"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return " ".join("".join(parts).split()) or None


def _line_range(lines: Lines, first: int, last: int) -> tuple[int, int]:
    """Source offsets of the lines ``first`` to ``last`` (0-based, ``last`` excluded)."""
    end = lines.starts[last] if last < len(lines.starts) else len(lines.text)
    return lines.start(first + 1), end


def _blank(text: str, ranges: list[tuple[int, int]]) -> str:
    """``text`` with ``ranges`` made spaces, its line breaks kept (offsets and lines too)."""
    pieces, pos = [], 0
    for start, end in sorted(ranges):
        start = max(start, pos)
        if start < end:
            pieces += [text[pos:start], re.sub(r"[^\n]", " ", text[start:end])]
            pos = end
    pieces.append(text[pos:])
    return "".join(pieces)


class _Claimed:
    """Source ranges the parser read (links, images, reference definitions): a URL the
    scanner finds starting in one was already taken from the parser."""

    def __init__(self, ranges: list[tuple[int, int]]):
        ranges = sorted(ranges)
        self.starts = [start for start, _ in ranges]
        self.reach: list[int] = []  # the furthest end of the ranges up to each
        for _, end in ranges:
            self.reach.append(max(end, self.reach[-1] if self.reach else end))

    def __contains__(self, offset: int) -> bool:
        index = bisect.bisect_right(self.starts, offset) - 1
        return index >= 0 and offset < self.reach[index]


def _target(href: str, base_url: str | None) -> str | None:
    """A link destination as an absolute http(s) URL (or a ``www.`` one: in Markdown,
    ``[site](www.example.org)`` means the site, not a path), or None."""
    href = cleaned(href)
    if START.match(href) and not href.startswith("//"):
        return href
    return resolve(href, base_url)


def read_markdown(source: str, base_url: str | None = None) -> Read:
    """The links, images, bare URLs and code of a Markdown document (see the module)."""
    source = source.replace("\r\n", "\n").replace("\r", "\n").replace("\0", "\ufffd")
    lines = Lines(source)
    env: dict[str, Any] = {}
    blanked: list[tuple[int, int]] = []
    claimed: list[tuple[int, int]] = []
    blocks: list[tuple[int, str]] = []
    spans: list[tuple[int, str]] = []
    links: list[_Link] = []
    for token in _markdown.parse(source, env):
        if token.type in ("fence", "code_block") and token.map:
            start, end = _line_range(lines, *token.map)
            blocks.append((token.map[0] + 1, source[start:end]))
            blanked.append((start, end))
        elif token.type == "inline" and token.map and token.children:
            content = _Content(token.content, token.map[0] + 1, lines)
            block_start = lines.start(token.map[0] + 1)
            for index, child in enumerate(token.children):
                span = child.meta.get(_SPAN) if child.meta else None
                where = (content.offset(span[0]), content.offset(span[1])) if span else None
                start = where[0] if where else block_start
                if child.type == "code_inline":
                    spans.append((lines.number(start), child.content))
                    if where:
                        blanked.append(where)
                    continue
                if child.type == "link_open":
                    anchor = None if child.info == "auto" else _anchor(token.children, index)
                    links.append(_Link(start, str(child.attrGet("href") or ""), anchor, False))
                elif child.type == "image":
                    links.append(_Link(start, str(child.attrGet("src") or ""),
                                       child.content or None, True))
                else:
                    continue
                if where:
                    claimed.append(where)
    links += _definitions(env, lines, claimed, {link.href for link in links})
    masked = _blank(source, blanked)
    found = _found(masked, links, base_url)
    taken = _Claimed(claimed)
    found += [_unescaped(item) for item in scan(masked) if item.start not in taken]
    found.sort(key=lambda item: item.start)
    unresolved = tuple((lines.number(link.start), link.href.strip()) for link in links
                       if not link.image and relative(link.href) and
                       _target(link.href, base_url) is None)
    return Read(tuple(found), tuple(blocks) + tuple(spans), unresolved)


def _definitions(env: dict[str, Any], lines: Lines, claimed: list[tuple[int, int]],
                 used: set[str]) -> list[_Link]:
    """Reference definitions (``[ref]: url``) are claimed, not scanned: the links and images
    using them are what the document shows. One that nothing uses (or that repeats a label)
    is still a URL the author wrote down: cited where it is defined."""
    unused = []
    definitions = [*env.get("references", {}).values(), *env.get("duplicate_refs", [])]
    for definition in definitions:
        if not definition.get("map"):
            continue
        start, end = _line_range(lines, *definition["map"])
        claimed.append((start, end))
        href = str(definition.get("href") or "")
        if href and href not in used:
            text = lines.text[start:end]
            unused.append(_Link(start + len(text) - len(text.lstrip()), href, None, False))
    return unused


_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def _unescaped(found: Found) -> Found:
    """A bare URL as Markdown shows it, its backslash escapes undone: ``https://x.org/a\\_b``
    (an editor escaping an underscore) is ``https://x.org/a_b``; a backslash ending it
    escaped the character after it."""
    readings = [_ESCAPE.sub(r"\1", reading).removesuffix("\\")
                for reading in (found.written, *found.alternatives)]
    if readings == [found.written, *found.alternatives]:
        return found
    return dataclasses.replace(found, written=readings[0], alternatives=tuple(readings[1:]))


def _found(masked: str, links: list[_Link], base_url: str | None) -> list[Found]:
    """The parser's links and images as scanner findings, with the role their label (in
    the text with its code blanked) gives them."""
    lines = Lines(masked)
    found = []
    for link in links:
        target = _target(link.href, base_url)
        if target is None:
            continue
        anchor = link.anchor
        if anchor is not None and (anchor == target or START.match(anchor)):
            anchor = None  # the URL shown, not a title
        found.append(Found(link.start, lines.number(link.start), target,
                           lines.role(link.start), anchor, link.image))
    return found
