"""Where a URL starts and ends in running text.

People paste URLs into prose, quotes, brackets, Markdown, Chinese and Thai text; the scanner
must take exactly the URL, no more (the closing bracket, the full stop, the ideographic comma
of the sentence around it) and no less (the balanced parentheses of a Wikipedia title, the
``!`` and ``,`` inside a Google Maps path). Its grammar is linkify-it's, whose test fixtures
(test/fixtures/links.txt, MIT, github.com/markdown-it/linkify-it) are ours too
(tests/unit/test_scanner.py):

- a URL starts at ``http://``, ``https://`` (any case) or a ``www.`` that follows no word
  character, ``@``, dot or dash; ``//www.`` is a ``www.`` URL written protocol-relative;
- the host is a run of letters, digits, marks and symbols of any script (``उदाहरण.परीक्षा``,
  ``✪df.ws``), dots and dashes, with an optional ``user:password@`` before it and a port
  after it; whether it is a plausible host is decided later (crawler.core.url);
- after the host, a path, query or fragment: any character but space, control, ``< > ｜``
  and CJK punctuation (``。，、（）「」`` ...); brackets and quotes only as balanced pairs on
  the same word; ``. , ; ! ? -`` only when more URL follows them, so that the sentence's
  own punctuation stays out; ``---`` (a long dash) ends it.

Each step reads each character once: a line of 8,000 URLs costs what 8,000 short lines do.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

START = re.compile(r"(?<![A-Za-z_^])https?://|(?<![A-Za-z0-9_@.\-^])(?://)?www\.",
                   re.IGNORECASE)

# Characters that end a URL wherever they are: the ASCII and CJK sentence furniture that
# never belongs to a URL written in text.
_STOP = set("<>`｜\u3000。，、；：！？（）「」『』【】《》〈〉〔〕［］｛｝“”‘’«»…\u2028\u2029")
_JOINERS = {"\u200c", "\u200d"}  # zero-width (non-)joiners live inside Indic words and emoji
_OPENERS = {"(": ")", "[": "]", "{": "}"}
_CLOSERS = set(")]}")
_QUOTES = {'"', "'"}
_HOST_PUNCT = set("!\"#$%&'()*+,/:;<=>?@[\\]^`{|}~")
_USERINFO = re.compile(r"[A-Za-z0-9._~%!$&'*+,;=:-]+@")
# Runs the character loops below would take one character at a time, taken at once: ASCII
# that is host or path whatever surrounds it (a dot or dash only where the loop keeps it
# whatever follows). Most URLs are all such characters.
_PLAIN_HOST = re.compile(r"(?:[A-Za-z0-9_-]|\.(?=[A-Za-z0-9_-]))*")
_PLAIN_PATH = re.compile(r"(?:[A-Za-z0-9_/~%=&+#:@$*^|\\]|\.(?=[A-Za-z0-9])|-(?!-))*")


def _space(char: str) -> bool:
    if char in _JOINERS:
        return False
    return char.isspace() or not char.isprintable() or char in _STOP


def _host_char(char: str) -> bool:
    return not _space(char) and char not in _HOST_PUNCT and char != "."


def _end_of_host(text: str, start: int) -> int:
    """The end of ``[userinfo@]host[:port]`` at ``start`` (right after ``scheme://``)."""
    userinfo = _USERINFO.match(text, start)
    if userinfo and userinfo.end() < len(text) and _host_char(text[userinfo.end()]):
        start = userinfo.end()
    end = start
    if end < len(text) and text[end] == "[":  # an IPv6 literal
        close = text.find("]", end, end + 48)
        if close == -1:
            return end
        end = close + 1
    else:
        end = _PLAIN_HOST.match(text, end).end()
        while end < len(text):
            char = text[end]
            if _host_char(char) or char == "-":
                end += 1
            elif char == "." and end + 1 < len(text) and _host_char(text[end + 1]):
                end += 1
            else:
                break
    if end < len(text) and text[end] == ":":
        digits = end + 1
        while digits < len(text) and text[digits].isdigit():
            digits += 1
        if digits > end + 1:
            end = digits
    return end


def _pair_end(text: str, start: int, closer: str) -> int:
    """The index after ``closer`` closing the group opened at ``start`` within the same
    word, or -1."""
    if len(text) > _SHORT:
        return _pairs(text).get(start, -1)
    index = start + 1
    depth = 1
    opener = text[start]
    while index < len(text) and not _space(text[index]):
        char = text[index]
        if char == closer and (closer != opener or depth == 1):
            depth -= 1
            if depth == 0:
                return index + 1
        elif char == opener and closer != opener:
            depth += 1
        index += 1
    return -1


_SHORT = 2048  # texts up to this long are scanned directly: a table would cost more
# What the table is made of: brackets, quotes, and what may end a word (ASCII controls and
# space, ``<>```, anything not ASCII); the rest of ASCII neither pairs nor ends a word, and
# is skipped (a text is mostly such characters).
_PAIRING = re.compile(r"[()\[\]{}\"'<>`\x00-\x20\x7f-\U0010ffff]")


@lru_cache(maxsize=4)
def _pairs(text: str) -> dict[int, int]:
    """For every bracket and quote of ``text``, the index after what closes it within its
    word (brackets nest per kind; a quote closes at the next same quote). One pass over the
    text, kept for the few texts being scanned: a word of 8,000 unclosed ``(`` costs what
    8,000 words do, not 8,000 rescans of the word."""
    found: dict[int, int] = {}
    stacks: dict[str, list[int]] = {opener: [] for opener in _OPENERS}
    closing = {closer: opener for opener, closer in _OPENERS.items()}
    quotes: dict[str, int] = {}
    for match in _PAIRING.finditer(text):
        index, char = match.start(), match[0]
        if char in stacks:
            stacks[char].append(index)
        elif char in closing:
            if stacks[closing[char]]:
                found[stacks[closing[char]].pop()] = index + 1
        elif char in _QUOTES:
            if char in quotes:
                found[quotes.pop(char)] = index + 1
            quotes[char] = index
        elif _space(char):
            for stack in stacks.values():
                stack.clear()
            quotes.clear()
    return found


def _continues(text: str, index: int) -> bool:
    """Whether URL characters follow ``index`` (so punctuation there is inside the URL)."""
    return index < len(text) and not _space(text[index])


def _cjk(char: str) -> bool:
    return unicodedata.east_asian_width(char) in "WF" and char.isalpha()


def _end_of_path(text: str, start: int, glued: bool) -> int:
    """The end of a path, query and fragment at ``start``. In text written without spaces
    (``glued``: the URL follows a CJK character), CJK text right after an ASCII character is
    the sentence resuming, not more path."""
    end = start
    while (end := _PLAIN_PATH.match(text, end).end()) < len(text):
        char = text[end]
        if _space(char) or char in _CLOSERS:
            break
        if glued and _cjk(char) and text[end - 1].isascii() and text[end - 1].isalnum():
            break
        if char in _OPENERS:
            close = _pair_end(text, end, _OPENERS[char])
            if close == -1:
                break
            end = close
        elif char in _QUOTES:
            close = _pair_end(text, end, char)
            if close != -1 and close - end > 2:
                end = close
            elif char == "'" and end + 1 < len(text) and (
                    text[end + 1].isalnum() or text[end + 1] == "-"):
                end += 1  # I'm, 10'-x
            else:
                break
        elif char == ".":
            run = end
            while run < len(text) and text[run] == ".":
                run += 1
            if run - end >= 2 and run < len(text) and (text[run].isalnum() or text[run] in "%/&_-"):
                end = run  # google's "..." inside paths
            elif run - end == 1 and _continues(text, run) and text[run] not in _CLOSERS:
                end = run
            else:
                break
        elif char == "-":
            run = end
            while run < len(text) and text[run] == "-":
                run += 1
            if run - end == 3 and not (end > start and text[end - 1].isalnum()
                                       and run < len(text) and text[run].isalnum()):
                break  # "---", a long dash (inside a slug, "exklusiv---porsche", it is path)
            end = run
        elif char in ",;":
            if (_continues(text, end + 1) and text[end + 1] not in _CLOSERS
                    and not START.match(text, end + 1)):  # two URLs glued by a comma
                end += 1
            else:
                break
        elif char in "!?":
            run = end
            while run < len(text) and text[run] == char:
                run += 1
            if _continues(text, run) and text[run] not in _CLOSERS:
                end = run
            else:
                break
        else:
            end += 1
    return end


def url_end(text: str, start: int) -> int:
    """Where the URL starting at ``start`` (a match of :data:`START`) ends."""
    head = START.match(text, start)
    if head is None:
        return start
    host_start = head.end()
    if head.group(0).lower().endswith("www."):
        host_start -= 4
    end = _end_of_host(text, host_start)
    if end < len(text) and text[end] in "/?#":
        end = _end_of_path(text, end, glued=start > 0 and _cjk(text[start - 1]))
    return _without_emphasis(text, start, end)


def _without_emphasis(text: str, start: int, end: int) -> int:
    """Markdown emphasis around a URL is not part of it: ``**URL**``, ``~~URL~~``,
    ``_URL_`` (a trailing ``_`` or ``~`` is kept when nothing opened it)."""
    while end > start and text[end - 1] == "*":
        end -= 1
    if text.startswith("~~", end - 2) and end - 2 > start:
        end -= 2
    if start > 0 and text[start - 1] == "_" and text[end - 1] == "_":
        end -= 1
    return end


def written_at(text: str, start: int) -> str:
    """The URL written at ``start``, with a leading ``//`` of a protocol-relative ``www.``
    dropped."""
    written = text[start:url_end(text, start)]
    return written[2:] if written.startswith("//") else written
