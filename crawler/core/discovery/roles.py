"""What a cited URL is to the document: its original, a related article, or a citation.

- ``original``: the page the document is a copy of ("Original url:", "Source:", "Canonical",
  "Originally published at ...", an HTML ``<link rel=canonical>``);
- ``related``: a page the document points to as a related article, found after a "Related
  article:" label or by matching the slug of a URL against a "Related article: <title>" line,
  whose title then becomes the mention's anchor text;
- ``cited``: everything else.

A label sits right before its URL, or alone on the line above it.
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Iterable
from typing import TypeVar
from urllib.parse import unquote, urlsplit

from crawler.core.models import Finding, Mention, Role

_Cited = TypeVar("_Cited", Mention, Finding)

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
RELATED_TITLE = re.compile(rf"^[\W_]*(?:{_RELATED})\s*[:\-–—]\s*(?P<title>\w.*?)\s*$",
                           re.IGNORECASE)
# The words of the labels (and some pieces of them: "ly", "re"), as written in the patterns.
_LABEL_WORDS = tuple(sorted(set(re.findall(r"(?<!\\)[a-z]+", " ".join(
    (_ORIGINAL_AT_START, _ORIGINAL_ANYWHERE, _RELATED))))))
_LINKISH = re.compile(r"https?://|www\.", re.IGNORECASE)

_LABEL_WINDOW = 200
_TITLE_LINE = 400
_SPACES = re.compile(r"\s{2,}")
_NON_BLANK = re.compile(r"\S")
_SLUG_MIN_SCORE = 0.6
_SLUG_MIN_WORDS = 2


def _plainly_cited(prefix: str) -> bool:
    """Whether no label can end ``prefix``, which holds a word: a quick answer for most URLs
    (on a line of URLs, the one before ends in a digit), where the label patterns would try
    every position of the window. Only non-word characters (the separator) follow a label,
    so the last word of ``prefix`` would end with one of its words; and a word before the
    URL means it does not stand alone under a label line. A word that is not ASCII may match
    one without case (``ſ`` is ``s``): no quick answer then."""
    end = len(prefix)
    while end and not (prefix[end - 1].isalnum() or prefix[end - 1] == "_"):  # \w
        end -= 1
    start = end
    while start and (prefix[start - 1].isalnum() or prefix[start - 1] == "_"):
        start -= 1
    word = prefix[start:end]
    return (word.isascii() and word.strip("_") != ""
            and not word.lower().endswith(_LABEL_WORDS))


def role_at(text: str, starts: list[int], number: int, offset: int) -> Role:
    """:func:`role_of` what starts at ``offset`` of ``text``, on its line ``number`` (from 1;
    ``starts``: where each line starts). Only the label windows are copied out of the text,
    never the whole line before ``offset`` nor the line above: on a line of 300,000 URLs
    those copies, one per URL, were most of the time discovery took."""
    line_start = starts[number - 1]
    prefix = text[max(line_start, offset - _LABEL_WINDOW - 1):offset]
    for candidate in (number - 1, number - 2):  # the nearest non-blank line, past one blank
        if candidate >= 1:
            start, end = starts[candidate - 1], starts[candidate] - 1
            if _NON_BLANK.search(text, start, end):
                return role_of(prefix, text[start:min(end, start + _LABEL_WINDOW)])
    return role_of(prefix, "")


def role_of(prefix: str, line_above: str) -> Role:
    """The role of a URL from the text before it on its line (``prefix``), or from the line
    above when it stands alone. A label ends right before its URL, so only the last
    ``_LABEL_WINDOW`` characters can matter: a long line of URLs stays linear. The window is
    marked as not starting the line (a word character), so a label-at-line-start cannot
    match inside it."""
    if len(prefix) > _LABEL_WINDOW:
        prefix = "x" + prefix[-_LABEL_WINDOW:]
    if _plainly_cited(prefix):
        return Role.CITED
    # Runs of spaces made single: the label patterns' optional spaces then cannot backtrack
    # over them; a label line is short.
    prefix = _SPACES.sub(" ", prefix)
    line_above = _SPACES.sub(" ", line_above[:_LABEL_WINDOW])
    if _ORIGINAL_PREFIX.search(prefix):
        return Role.ORIGINAL
    if _RELATED_PREFIX.search(prefix):
        return Role.RELATED
    if prefix.strip(" \t*_>#-[(") == "":
        if _ORIGINAL_LINE.match(line_above):
            return Role.ORIGINAL
        if _RELATED_LINE.match(line_above):
            return Role.RELATED
    return Role.CITED


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return [word for word in re.split(r"[^a-z0-9]+", folded) if word]


def slug_score(title: str, url: str) -> float:
    """The share of a title's words found in a URL's path (its slug)."""
    title_words = set(_words(title))
    path_words = set(_words(unquote(urlsplit(url).path)))
    return len(title_words & path_words) / len(title_words) if title_words else 0.0


def related_titles(lines: Iterable[str]) -> list[str]:
    """The titles of "Related article: <title>" lines (a title, not a URL)."""
    titles = []
    for line in lines:
        if len(line) > _TITLE_LINE:
            continue  # a "Related article: <title>" line is short
        match = RELATED_TITLE.match(_SPACES.sub(" ", line))
        if match and not _LINKISH.search(match["title"]):
            titles.append(match["title"])
    return titles


def match_related_titles(titles: list[str], mentions: list[_Cited]) -> list[_Cited]:
    """Mark as ``related`` the URL whose slug matches a "Related article: <title>" line
    (of mentions, or of findings: what is dropped is left alone). Each URL's slug words are
    indexed once, so a title is compared only with the URLs sharing a word with it."""
    mentions = list(mentions)
    if not titles:
        return mentions
    by_word: dict[str, list[int]] = {}
    slugs: dict[int, set[str]] = {}
    for index, mention in enumerate(mentions):
        if mention.role is Role.ORIGINAL or not mention.url or getattr(
                mention, "dropped", None):
            continue
        slugs[index] = set(_words(unquote(urlsplit(mention.url).path)))
        for word in slugs[index]:
            by_word.setdefault(word, []).append(index)
    for title in titles:
        title_words = set(_words(title))
        size = len(title_words)
        best, best_score = None, 0.0
        candidates = sorted({index for word in title_words for index in by_word.get(word, ())})
        for index in candidates:
            if index not in slugs:
                continue
            score = len(title_words & slugs[index]) / size
            if score > best_score:
                best, best_score = index, score
        if best is not None and best_score >= _SLUG_MIN_SCORE and best_score * size >= \
                _SLUG_MIN_WORDS:
            mentions[best] = dataclasses.replace(mentions[best], role=Role.RELATED, anchor=title)
    return mentions


def merge(mentions: list[Mention]) -> list[Mention]:
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
