"""Where URLs start and end in text, checked against the public test fixtures of two URL
finders: linkify-it (markdown-it's, MIT; tests/fixtures/linkify) and URLExtract (MIT;
tests/fixtures/urlextract), limited to what we look for: http(s) and www. URLs."""

from __future__ import annotations

import json
import re
import sys

import pytest

from crawler.core.discovery import discover_text, findings
from crawler.core.discovery.text import scan
from crawler.core.url import without_credentials
from tests.helpers import FIXTURES

IN_SCOPE = re.compile(r"^(?:https?://|www\.)", re.IGNORECASE)


def linkify_cases(name: str) -> list[tuple[int, str, str]]:
    """linkify-it's fixture format: a line, then the link it holds on the next line, or a
    line alone when it is the link; ``%`` starts a comment line."""
    lines = [line.rstrip() for line in (FIXTURES / "linkify" / name).open(encoding="utf-8")]
    lines = [re.sub(r"^%.*", "", line) for line in lines]
    cases, skip = [], False
    for index, line in enumerate(lines):
        if skip:
            skip = False
            continue
        if not line.strip():
            continue
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if following.strip():
            cases.append((index + 1, line, following))
            skip = True
        else:
            cases.append((index + 1, line, line))
    return cases


def written(text: str) -> list[str]:
    return [found.written for found in scan(text, rejoin=False)]


LINKS = [case for case in linkify_cases("links.txt") if IN_SCOPE.match(case[2])]
NOT_LINKS = [case for case in linkify_cases("not_links.txt") if IN_SCOPE.match(case[1])
             or "http" in case[1]]


@pytest.mark.parametrize("number, line, expected", LINKS, ids=[str(c[0]) for c in LINKS])
def test_linkify_links(number, line, expected):
    assert written(line)[:1] == [expected]


@pytest.mark.parametrize("number, line, _", NOT_LINKS, ids=[str(c[0]) for c in NOT_LINKS])
def test_linkify_not_links(number, line, _):
    assert discover_text(line) == []


# Where URLExtract's answer is not what a reader of a document would take.
URLEXTRACT_DIFFERS = {
    "http://[192.168.1.1]/": "a bracketed IPv4 is no host; URLExtract keeps the bare address",
    'asd(http://de.wikipedia.org/wiki/(Agilit%C3(%A4t_(Manag)ement))) Bar':
        "its parentheses are unbalanced by one; linkify-it's grammar keeps the balanced part",
    "{\\url{http://www.google.com/{file.pdf}}":
        "linkify-it's grammar keeps a balanced {...} in a path; URLExtract drops its brace",
    r"[markdown link name](https://google.com/)\n\n![Img](https://example.com/970x630px.jpg)":
        "an image is not a source the document cites",
}
URLEXTRACT = [case for case in json.loads((FIXTURES / "urlextract" / "cases.json").read_text())
              if case["text"] not in URLEXTRACT_DIFFERS]


@pytest.mark.parametrize("case", URLEXTRACT, ids=[c["source"] for c in URLEXTRACT])
def test_urlextract_cases(case):
    expected = [without_credentials(url) for url in case["expected"] if IN_SCOPE.match(url)]
    found = [mention.written for mention in discover_text(case["text"])]
    assert found == expected


# Before a URL on a long line: words that end no label, labels that may stand anywhere on a
# line (one at the line's start, "Source:", cannot), a bracket, emphasis, CJK, nothing.
BEFORE = ["see ", "w1 ", "Originally published at ", "first appeared on: ", "ſee ",
          "(", "**", "_", "見", "", "a]("]


def test_urls_on_one_long_line_are_read_as_each_alone():
    """What makes a long line fast (only a window before a URL is read for its label, runs
    of plain URL characters are taken at once, plain URLs are taken as written, brackets are
    paired from one table past 2,048 characters) changes nothing: every fixture link, after
    each kind of text, on one line of some 40 KB, is read as it is on a line of its own."""
    pieces = [before + expected for before in BEFORE for _, _, expected in LINKS]
    line = " ".join(pieces)
    assert len(line) > 20_000

    def read(text: str) -> list[tuple]:
        return [(found.written, found.url, found.canonical, found.role, found.anchor,
                 found.dropped, found.detail, found.alternatives)
                for found in findings(text, "text")]

    assert read(line) == [found for piece in pieces for found in read(piece)]


def test_the_bracket_table_skips_only_what_neither_pairs_nor_ends_a_word():
    """A text longer than 2,048 characters has its brackets and quotes paired from one
    table, which skips the characters it need not look at: never a bracket, a quote or
    what ends a word, in any script."""
    from crawler.core.discovery.scanner import _PAIRING, _space

    looked_at = set("()[]{}\"'")
    skipped = [chr(code) for code in range(sys.maxunicode + 1)
               if not _PAIRING.match(chr(code))]
    assert skipped and not [char for char in skipped if char in looked_at or _space(char)]
