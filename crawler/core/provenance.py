"""Does an archived source still say what the document says?

The document is split into passages (sentences of six words or more); each passage is looked
for in the snapshot's text, tolerant of case, quotes, dashes, spacing and small edits: a
passage counts as found when most of its word 4-grams are in the snapshot. The coverage
score is the share of the document's passage words that were found. A pasted article scores
near 1 against its original while the page still carries it; a related article scores low,
as it should.

Quotes (text in quotation marks, four words or more) are checked against every snapshot of
every source the document cites: a quote in the latest snapshot of one of them is ``found``;
one that an earlier snapshot had and the later ones do not was ``removed`` (the fact-checker's
key question: since when, from which snapshot on); one no snapshot ever had was ``never
found``.
"""

from __future__ import annotations

import re

from collections.abc import Sequence

from crawler.core.views import Coverage, QuoteReport, QuoteStatus, SnapshotText
from crawler.core.tokens import ngrams, sentences, words

MIN_WORDS = 6
FOUND_AT = 0.75
_GRAM = 4
_QUOTES = [re.compile(pattern) for pattern in (
    r'"([^"]*)"', r"“([^”]*)”", r"„([^“”]*)[“”]", r"«([^»]*)»")]
_OWN_LINES = re.compile(
    r"https?://|www\.|^\W*(?:related|original|source|canonical|see also|read more)\b[^:]*:",
    re.IGNORECASE)


def passages(text: str) -> list[str]:
    """Sentences long enough to mean something, in document order; the document's own
    apparatus (URLs, "Related article:" lines) is not part of what the source should say."""
    return [sentence for sentence in sentences(text)
            if len(words(sentence)) >= MIN_WORDS and not _OWN_LINES.search(sentence)]


def quotes(text: str) -> list[str]:
    """Quoted passages of four words or more."""
    flat = " ".join(text.split())
    found = []
    for pattern in _QUOTES:
        for match in pattern.finditer(flat):
            quote = match[1].strip(" ,.")
            if len(words(quote)) >= 4:
                found.append(quote)
    return list(dict.fromkeys(found))


class Source:
    """A snapshot's text, indexed once for many lookups."""

    def __init__(self, text: str | None):
        self.grams = ngrams(words(text), _GRAM)

    def contains(self, passage: str) -> bool:
        grams = ngrams(words(passage), _GRAM)
        if not grams or not self.grams:
            return False
        return len(grams & self.grams) / len(grams) >= FOUND_AT


def coverage(document_text: str, snapshot_text: str | None) -> Coverage:
    """How much of the document the snapshot carries (0-1), and which passages."""
    source = Source(snapshot_text)
    found_passages: list[str] = []
    missing: list[str] = []
    total = found = 0
    for passage in passages(document_text):
        size = len(words(passage))
        total += size
        if source.contains(passage):
            found += size
            found_passages.append(passage)
        else:
            missing.append(passage)
    score = round(found / total, 3) if total else 0.0
    return Coverage(score, tuple(found_passages), tuple(missing))


def quote_reports(document_text: str,
                  histories: Sequence[tuple[str, Sequence[SnapshotText]]]) -> list[QuoteReport]:
    """Each of the document's quotes against its sources' ``histories``: per cited URL, its
    text snapshots newest first."""
    indexed = [(url, [(snapshot, Source(snapshot.text)) for snapshot in history])
               for url, history in histories]
    found = []
    for quote in quotes(document_text):
        found.append(_quote(quote, indexed))
    return found


def _quote(quote: str, indexed: list[tuple[str, list[tuple[SnapshotText, Source]]]]
           ) -> QuoteReport:
    for url, history in indexed:
        if history and history[0][1].contains(quote):
            return QuoteReport(quote, QuoteStatus.FOUND, url)
    removed: QuoteReport | None = None
    for url, history in indexed:
        for position, (snapshot, source) in enumerate(history[1:], start=1):
            if source.contains(quote):
                gone = history[position - 1][0]  # the first snapshot without it
                if removed is None or (removed.since or "") < gone.fetched_at:
                    removed = QuoteReport(quote, QuoteStatus.REMOVED, url, gone.fetched_at,
                                          gone.id)
                break
    return removed or QuoteReport(quote, QuoteStatus.NEVER_FOUND)
