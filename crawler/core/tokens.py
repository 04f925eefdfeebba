"""Words, sentences and word n-grams: the units every text comparison counts in.

Change detection, coverage of a document by its sources and quote matching all tokenise the
same way (case-folded ``\\w+`` runs), so that a passage found by one is found by the others.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+", re.UNICODE)
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+(?=[\"“‘(\[]?[A-ZÀ-Þ0-9])")


def words(text: str | None) -> list[str]:
    return _WORD.findall((text or "").casefold())


def ngrams(tokens: list[str], size: int) -> set[tuple[str, ...]]:
    """The set of ``size``-grams of ``tokens``; a text shorter than ``size`` is one gram."""
    if len(tokens) < size:
        return {tuple(tokens)} if tokens else set()
    return {tuple(tokens[i : i + size]) for i in range(len(tokens) - size + 1)}


def sentences(text: str | None) -> list[str]:
    """The text one sentence per line: diffs of whole paragraphs are unreadable."""
    lines = []
    for paragraph in (text or "").splitlines():
        lines.extend(part.strip() for part in _SENTENCE_END.split(paragraph) if part.strip())
    return lines
