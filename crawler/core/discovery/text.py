"""URLs in plain text, rejoined when a line break cut them.

Text copied from PDFs and mail is hard-wrapped: a URL longer than the line is cut, with or
without a hyphen, and its rest starts the next line. Whether the next line continues the URL
is decided with evidence, not only the line's shape:

- the break itself: a URL does not end on ``- _ = & % + ~``, and a continuation that starts
  with ``/ ? & = # %`` is a path or query;
- the continuation: URL-like (slashes, dots, digits in words) or alone on its line, rather
  than the next word of a sentence;
- the document's wrapping: a line as full as the document's wrapped lines, a document folded
  at an exact column (every line the same length), a URL longer than a whole line (a word
  wrapper never breaks a word that fits);
- a nearby title: when a break is ambiguous, the reading whose slug matches a "Related
  article: <title>" line wins.

An ambiguous break keeps both readings: the joined one first, the other as an alternative
that a crawl tries when the first does not exist (crawler.jobs).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from enum import Enum

from crawler.core.discovery.roles import related_titles, role_at, slug_score
from crawler.core.discovery.scanner import START, url_end
from crawler.core.models import Role

_CUT = set("-_=&%+~")  # a URL does not end on these
_OPENS_PATH = set("/?&=#%")  # a continuation starting so belongs to the URL before
_CONTINUES = set("/-_%?&=.~+#")
_STRUCTURE = set("/=&?%_#~+")
_ENDS_SENTENCE = set(",;:!?)]}\"'")
_ANCHOR_REACH = 500  # how far back a Markdown "[anchor](" is looked for
# A URL is not joined past this length: each line joined re-reads the URL so far, and no
# URL anyone cites is wrapped over dozens of lines.
_LONGEST = 4096


class _Join(Enum):
    NO = 0
    YES = 1
    MAYBE = 2  # both readings plausible, the joined one first
    UNLIKELY = 3  # not joined, but the joined reading kept as an alternative


@dataclass(frozen=True, slots=True)
class Found:
    """A URL as written in the text, before it is checked and resolved."""

    start: int
    line: int
    written: str
    role: Role = Role.CITED
    anchor: str | None = None
    image: bool = False
    alternatives: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Wrapping:
    """How a document is hard-wrapped: the width of its wrapped lines (0: too short to tell)
    and whether it is folded at an exact column (``fold -w``), where any break may cut a
    word."""

    width: int
    folded: bool


def _wrapping(lines: list[str]) -> _Wrapping:
    lengths = sorted(len(line.rstrip()) for line in lines if line.strip())
    if len(lengths) < 5:
        return _Wrapping(0, False)
    raw = [len(line) for line in lines if line.strip()]  # fold keeps the spaces it cut at
    widest = max(raw)
    if len(raw) >= 8 and widest >= 20 and raw.count(widest) >= 0.8 * len(raw):
        return _Wrapping(widest, True)
    return _Wrapping(lengths[int(len(lengths) * 0.9) - 1], False)


class _Text:
    """A document's text with line lookups by character offset."""

    def __init__(self, text: str):
        self.text = text.replace("\r\n", "\n").replace("\r", "\n")
        self.starts = [0] + [match.end() for match in re.finditer("\n", self.text)]
        self.cut_starts: list[int] = []
        self._searched: tuple[int, re.Match[str] | None] | None = None

    def next_start(self, pos: int) -> re.Match[str] | None:
        """The next :data:`START` at or after ``pos`` (asked for in increasing order: a
        search that found nothing, or something further on, is not repeated)."""
        if self._searched is not None:
            searched_from, found = self._searched
            if searched_from <= pos and (found is None or found.start() >= pos):
                return found
        found = START.search(self.text, pos)
        self._searched = (pos, found)
        return found

    def line_no(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

    def line_start(self, number: int) -> int:
        return self.starts[number - 1]

    def line_end(self, number: int) -> int:
        return self.starts[number] - 1 if number < len(self.starts) else len(self.text)

    def line(self, number: int) -> str:
        return self.text[self.line_start(number):self.line_end(number)]


def _urlish(token: str) -> bool:
    """Does a word look like a piece of URL rather than a piece of prose?"""
    token = token.rstrip(".,;:!?'\"")
    return (any(char in _STRUCTURE for char in token)
            or re.search(r"\.\w", token) is not None
            or (any(char.isdigit() for char in token) and any(char.isalpha() for char in token)))


def _in_host(url: str) -> bool:
    return "/" not in url.split("://", 1)[-1]


_SPACE = re.compile(r"\s")
_ESCAPED_END = re.compile(r"%[0-9A-Fa-f]{2}$")
_ARCHIVED = re.compile(r"/web/\d{4,14}[a-z_]*/$")
_QUERY_PART = re.compile(r"[\w.~%-]+=")


def _join(url: str, line: str, following: str, wrapping: _Wrapping, word: int) -> _Join:
    """Whether ``following`` continues ``url``, which ends ``line`` and is the end of a
    ``word`` (the run of non-space characters holding it) that long."""
    if not following or following[0].isspace():
        return _Join.NO
    if "://" in url[-3:] + following[:3] and "://" not in url[-3:] or url.endswith("://"):
        return _Join.YES  # an inner URL's "://" cut ("/web/2019/http:" / "//www...")
    if _ARCHIVED.search(url) and START.match(following):
        return _Join.YES  # a web archive's capture: "/web/20160330101229/" / "http://..."
    cut = url[-1] in _CUT or _ESCAPED_END.search(url) is not None
    if START.match(following) and not cut:
        return _Join.NO
    token = following.split(None, 1)[0]
    if following.startswith("://") and url[-1].isalpha():
        return _Join.YES  # a scheme cut from its "://", inside a query ("?u=https" / "://")
    if not any(char.isalnum() for char in token) and not (
            token[0] == "/" and url[-1] not in _ENDS_SENTENCE and url[-1] != "/"):
        return _Join.NO  # "& more", "—" (but "/), said" may be the path's last slash)
    length = len(line) if wrapping.folded else len(line.rstrip())
    full = wrapping.width > 0 and length >= 0.8 * wrapping.width
    exact = wrapping.width > 0 and length >= wrapping.width
    if wrapping.width and not wrapping.folded and not cut and word + len(token) <= \
            wrapping.width:
        # A word wrapper breaks lines at spaces (and after hyphens), and cuts a word only
        # when it is longer than a line: a URL that fits with what follows was not cut here.
        return _Join.UNLIKELY if _urlish(token) or token[0] in _OPENS_PATH else _Join.NO
    if token[0] in _OPENS_PATH and url[-1] not in _ENDS_SENTENCE:
        return _Join.YES  # "/), said": the path's last slash, then the sentence
    if token[0] in ",;" and len(token) > 1 and token[1].isalnum() and full:
        return _Join.YES  # ",198474.html": a path with commas, cut before one
    if not (token[0].isalnum() or token[0] in _CONTINUES):
        return _Join.NO
    rest = following[len(token):].strip()
    last = url[-1]
    if cut:
        return _Join.YES
    if last == "?" and (_QUERY_PART.match(token) or token[0] in "&=#%"
                        or (full and not token[0].isupper())):
        return _Join.YES  # the query starts on the next line
    if last == ".":  # a host or path cut after a dot, or a sentence's full stop
        if _urlish(token) and (full or _in_host(url)):
            return _Join.YES
        if token[0].isupper() or not exact:
            return _Join.NO  # the next sentence
    if last in ",;" and full and _urlish(token) and not token[0].isupper():
        return _Join.YES  # a path with commas (",nId,5225349"), cut after one
    if last in _ENDS_SENTENCE:
        return _Join.NO
    if _urlish(token) and (full or not rest or last == "/"
                           or any(char in "/=&?#%" for char in token)):
        return _Join.YES
    if not rest and not token[0].isupper():
        # A word alone on its line: the URL's end, or a word after it ("thanks").
        # (Unless the URL already runs over from the line above: then it is being cut.)
        unsure = token.isalpha() and wrapping.width == 0 and last.isalnum() and word <= length
        return _Join.UNLIKELY if unsure else _Join.YES
    if last == "/" and full and not rest:
        return _Join.YES
    if full and "-" in token:
        return _Join.YES
    if exact and (wrapping.folded or word + len(token) > wrapping.width):
        # Folded at a column, or longer than a line (a word wrapper never cuts a word that
        # fits): most likely cut here, but it may also end exactly at the last column.
        return _Join.MAYBE
    return _Join.NO


def _markdown_anchor(text: str, start: int, line_start: int) -> tuple[str | None, int, bool]:
    """For ``[anchor](url)`` (or ``![alt](url)``) return the anchor, where the link starts
    and whether it is an image; else ``(None, start, False)``."""
    if not text.startswith("](", start - 2):
        return None, start, False
    close = start - 2
    depth = 0
    for index in range(close, max(line_start, close - _ANCHOR_REACH) - 1, -1):
        if text[index] == "]":
            depth += 1
        elif text[index] == "[":
            depth -= 1
            if depth == 0:
                image = index > 0 and text[index - 1] == "!"
                anchor = " ".join(text[index + 1:close].split()) or None
                return anchor, index - image, image
    return None, start, False


def _best(readings: list[str], titles: list[str]) -> list[str]:
    """``readings`` (the joined one first), reordered when a title's words match one's slug
    better."""
    if not titles:
        return readings
    scores = [max(slug_score(title, reading) for title in titles) for reading in readings]
    best = max(range(len(readings)), key=lambda index: (scores[index], -index))
    return [readings[best]] + [r for index, r in enumerate(readings) if index != best]


# A scheme cut by a line break: "(h" / "ttps://...", "](htt" / "p://...".
_CUT_SCHEME = re.compile(r"(?<![A-Za-z_^])h(?:t(?:t(?:ps?(?::/{0,2})?)?)?)?\n")


def _start(doc: _Text, pos: int, cuts: list[re.Match[str]]) -> tuple[int, str, int] | None:
    """The next URL at or after ``pos``: where it starts, its first piece and where that
    ends; a scheme a line break cut counts (``cuts``: where they are, found once)."""
    text = doc.text
    match = doc.next_start(pos)
    for index in range(bisect.bisect_left(doc.cut_starts, pos), len(cuts)):
        cut = cuts[index]
        if match is not None and cut.start() > match.start():
            break
        head = cut[0][:-1]
        joined = head + text[cut.end():cut.end() + 8]
        if joined.lower().startswith(("http://", "https://")) and len(head) <= 8:
            # The rest of the URL is on the next line: nothing further can belong to it.
            rest = text[cut.end():doc.line_end(doc.line_no(cut.end()))]
            end = url_end(head + rest, 0)
            if end > len(head):
                return cut.start(), (head + rest)[:end], cut.end() + end - len(head)
    if match is None:
        return None
    end = url_end(text, match.start())
    return match.start(), text[match.start():end], end


def scan(text: str, *, rejoin: bool = True) -> list[Found]:
    """The URLs in ``text`` in order of appearance, wrapped ones rejoined (``rejoin``)."""
    doc = _Text(text)
    text = doc.text
    lines = text.split("\n")
    wrapping = _wrapping(lines) if rejoin else _Wrapping(0, False)
    titles = related_titles(lines) if rejoin else []
    found: list[Found] = []
    pos = 0
    cuts = list(_CUT_SCHEME.finditer(text)) if rejoin else []
    doc.cut_starts = [cut.start() for cut in cuts]
    while (next_url := _start(doc, pos, cuts)) is not None:
        start, written, end = next_url
        match = START.match(written)
        if match is None or len(written) <= match.end():
            pos = start + (match.end() if match else 1)
            continue
        number = doc.line_no(start)
        others: list[str] = []
        if rejoin:
            written, end, others = _rejoined(doc, start, written, end, doc.line_no(end),
                                             wrapping)
        pos = max(end, start + 1)
        if others:
            readings = _best([written, *others], titles)
            written, others = readings[0], readings[1:]
        line_start = doc.line_start(number)
        anchor, link_start, image = _markdown_anchor(text, start, line_start)
        written = written[2:] if written.startswith("//") else written
        if anchor is not None and anchor == written:
            anchor = None  # [https://x.org/a](https://x.org/a): the URL, not a title
        role = role_at(text, doc.starts, number, link_start)
        found.append(Found(start, number, written, role, anchor, image, tuple(others)))
    return found


def _rejoined(doc: _Text, start: int, url: str, end: int, number: int, wrapping: _Wrapping
              ) -> tuple[str, int, list[str]]:
    """The URL ``url`` (from ``start`` to ``end``, on line ``number``) with the lines it
    continues on, where it ends in the text, and the other readings of ambiguous breaks."""
    text = doc.text
    others: list[str] = []
    word = len(url) + _lead(text, start)
    while number < len(doc.starts) and len(url) < _LONGEST:
        line_end = doc.line_end(number)
        if _SPACE.search(text, end, line_end):
            break  # the URL ended before the line did (the rest of the line is not copied)
        tail = text[end:line_end]
        following = doc.line(number + 1)
        decision = _join(url + tail, doc.line(number), following, wrapping, word + len(tail))
        if decision is _Join.NO:
            break
        token = following.split(None, 1)[0]
        joined = url + tail + token
        stop = url_end(joined, 0)
        if stop <= len(url + tail):
            break  # the grammar refuses the continuation
        if decision is _Join.UNLIKELY:
            others.append(joined[:stop])
            break
        if decision is _Join.MAYBE:
            others.append(url)
        number += 1
        end = doc.line_start(number) + stop - len(url + tail)
        word += len(tail) + len(token)
        url = joined[:stop]
        rest = joined[stop:]
        if rest and rest[0] not in "([{\"'" and any(char not in ".,;:!?" for char in rest):
            break  # the URL ended inside the continuation (a bracket may close further on)
    return url, end, others


def _lead(text: str, start: int) -> int:
    """How many non-space characters stand right before ``start`` (``(``, ``[anchor](``):
    with the URL they make the word a wrapper would have had to cut."""
    lead = 0
    while start - lead > 0 and not text[start - lead - 1].isspace() and lead < 200:
        lead += 1
    return lead
