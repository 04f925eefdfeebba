"""What changed between two versions of a page, and whether it matters to a reader.

A fact-checker asks "did the source change what it says?", not "how many bytes differ?". A
reversed headline changes a handful of words of a long article; a time stamp that ticks every
minute changes a few words too. So a new version is compared with the one before by what
changed:

- **material**: the headline; a number in the text (63 million → 62 million); a quote; a
  sentence added, removed or rewritten (a correction note, a deleted clause, a swapped name);
  the byline or the publication date;
- **churn**: what pages change by themselves: time stamps ("Updated 12:03:44", "5 minutes
  ago"), counters ("1,204 views"), lists of related links and other short lines without a
  sentence's punctuation, advertising and cookie notices.

The answer says why (``material: headline changed; a number changed (63 million → 62
million); 1 sentence removed``), and the measure shown is the one that decided: how many of
the article's sentences changed. Measured on labelled edits of real pages in
bench/changes.py.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import StrEnum

from crawler.core.tokens import sentences


class Kind(StrEnum):
    MATERIAL = "material"
    CHURN = "churn"
    NONE = "none"  # the same text


@dataclass(frozen=True)
class Version:
    """What is compared of a page version: its headline, byline, date and text."""

    title: str | None
    text: str | None
    author: str | None = None
    date: str | None = None


@dataclass(frozen=True)
class Edit:
    """How a version differs from the one before: the kind, why, and the measure that
    decided (sentences of the article changed, of how many)."""

    kind: Kind
    reasons: tuple[str, ...] = ()
    changed: int = 0
    sentences: int = 0

    @property
    def material(self) -> bool:
        return self.kind is Kind.MATERIAL

    @property
    def summary(self) -> str:
        if self.kind is Kind.NONE:
            return "no change in the text"
        measure = f"{self.changed} of {self.sentences} sentences changed"
        return f"{self.kind}: {'; '.join(self.reasons) or measure}" + (
            f" ({measure})" if self.reasons and self.sentences else "")


_TIME = r"\b\d{1,2}[:.]\d{2}(?:[:.]\d{2})?\s*(?:[ap]\.?m\.?|uhr|h)?\b"
_AGO = (r"\b(?:\d+|an?|one)\s+(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?)\s+ago"
        r"|\bvor\s+\d+\s+(?:sekunden|minuten|stunden|tagen)|\bil y a\s+\d+|\bhace\s+\d+")
_STAMP = (r"\b(?:updated|last updated|last modified|modified|aktualisiert|stand|mis à jour|"
          r"actualizado|updated on|posted|veröffentlicht|publié)\b")
_COUNTER = (r"\b[\d.,]+\s*(?:k\s*)?(?:views?|comments?|shares?|likes?|reads?|readers|votes|"
            r"followers|subscribers|kommentare|aufrufe|leser|reactions?|replies)\b")
_BOILERPLATE = (r"\b(?:advertisement|anzeige|sponsored|cookies?|newsletter|subscribe|sign up|"
                r"log in|all rights reserved|most read|trending|share this|follow us)\b|©")
# A heading after which lines are links to other pages, not the article.
_LINKS_HEADING = re.compile(
    r"^\W*(?:related(?: articles| stories| coverage| content)?|more (?:from|on|stories)\b.*|"
    r"read (?:more|also|next)|see also|you (?:may|might) also like|recommended|most (?:read|"
    r"popular|viewed)|trending|top stories|weitere artikel|mehr zum thema|lesen sie auch|"
    r"à lire aussi|lire aussi)\W*$", re.IGNORECASE)
_CHURN = re.compile("|".join((_AGO, _COUNTER, _BOILERPLATE)), re.IGNORECASE)
_STAMP_LINE = re.compile(_STAMP, re.IGNORECASE)
_TIME_OR_DATE = re.compile(_TIME + r"|\b\d{1,4}[./-]\d{1,2}[./-]\d{1,4}\b|\b(?:19|20)\d\d\b",
                           re.IGNORECASE)
_BYLINE = re.compile(r"^(?:by|von|par|por|di|door)\s+\w", re.IGNORECASE)
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*(?:\s*(?:%|percent|per cent|prozent|million|millionen|"
                     r"billion|milliarden|thousand|tausend|bn|m|k))?", re.IGNORECASE)
_ENDS = ".!?…\"»”'):"
_DETAILS = 3  # edits described one by one; more are counted
_PAIRWISE = 250_000  # items compared pairwise at most (a 500 × 500 block), see opcodes()


def _normal(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).casefold()
    text = re.sub(r"[\"'“”‘’«»„]", "", text)
    return " ".join(text.split())


def _title_case(sentence: str) -> bool:
    """A headline-like line: most of its words capitalised, no full stop at its end."""
    words = [word for word in sentence.split() if word[:1].isalpha()]
    capitalised = sum(1 for word in words if word[0].isupper())
    return len(words) >= 3 and capitalised >= 0.7 * len(words) and sentence.rstrip()[-1:] != "."


def churn(sentence: str) -> bool:
    """A line pages change by themselves (a stamp, a counter, a related link, an ad)."""
    words = sentence.split()
    if _LINKS_HEADING.match(sentence):
        return True
    if _BYLINE.match(sentence):
        return False  # a byline is not churn
    if len(words) <= 15 and _STAMP_LINE.search(sentence) and _TIME_OR_DATE.search(sentence):
        return True
    if len(words) <= 12 and re.search(_TIME, sentence, re.IGNORECASE):
        return True
    if _CHURN.search(sentence) and len(words) <= 25:
        return True
    return len(words) <= 10 and sentence.rstrip()[-1:] not in _ENDS  # a link or a list item


def _article(text: str | None) -> list[str]:
    """The sentences of a page's text that are its article: without churn, and without the
    links listed after a "Related articles" heading."""
    kept: list[str] = []
    listing = False
    for sentence in sentences(text):
        if _LINKS_HEADING.match(sentence):
            listing = True
            continue
        if listing and (len(sentence.split()) <= 20 or _title_case(sentence)):
            continue
        listing = False
        if not churn(sentence):
            kept.append(sentence)
    return kept


def _without_churn(text: str) -> str:
    """A headline without its stamps and counters ("Live: ... (updated 12:03)")."""
    for pattern in (_TIME, _AGO, _COUNTER):
        text = re.sub(pattern, "", text, flags=re.IGNORECASE)
    return _normal(re.sub(r"\(\s*\)|\[\s*\]", "", text))


def _numbers(sentence: str) -> list[str]:
    return [match.group(0).strip() for match in _NUMBER.finditer(sentence)]


def opcodes(old: list[str], new: list[str]) -> list[tuple[str, int, int, int, int]]:
    """difflib's opcodes between two lists, in bounded time: the common head and tail are
    set aside first (most of two versions of a page is the same), and when what is left is
    still too large for a pairwise match (SequenceMatcher is quadratic: two versions of a
    60 KB page took a minute), items are only said removed or added, by membership."""
    start, end = 0, 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    while end < min(len(old), len(new)) - start and old[-1 - end] == new[-1 - end]:
        end += 1
    middle_old, middle_new = old[start:len(old) - end], new[start:len(new) - end]
    found: list[tuple[str, int, int, int, int]] = []
    if start:
        found.append(("equal", 0, start, 0, start))
    if len(middle_old) * len(middle_new) <= _PAIRWISE:
        matcher = SequenceMatcher(None, middle_old, middle_new, autojunk=False)
        found.extend((tag, i1 + start, i2 + start, j1 + start, j2 + start)
                     for tag, i1, i2, j1, j2 in matcher.get_opcodes())
    else:
        kept_old, kept_new = set(middle_old), set(middle_new)
        found.extend(("delete", start + i, start + i + 1, start, start)
                     for i, item in enumerate(middle_old) if item not in kept_new)
        found.extend(("insert", start, start, start + j, start + j + 1)
                     for j, item in enumerate(middle_new) if item not in kept_old)
    if end:
        found.append(("equal", len(old) - end, len(old), len(new) - end, len(new)))
    return found


def _describe(old: str, new: str) -> list[str]:
    """Why a rewritten sentence matters: the numbers that changed, and the words."""
    reasons = []
    before, after = _numbers(old), _numbers(new)
    for tag, i1, i2, j1, j2 in opcodes(before, after):
        if tag == "replace":
            reasons.append(f"a number changed ({before[i1]} → {after[j1]})")
        elif tag == "delete":
            reasons.append(f"a number removed ({before[i1]})")
        elif tag == "insert":
            reasons.append(f"a number added ({after[j1]})")
    old_words, new_words = old.split(), new.split()
    if len(old_words) * len(new_words) > _PAIRWISE:  # a page with no sentence breaks
        return [*reasons, f"a long passage rewritten ({len(old_words)} → "
                          f"{len(new_words)} words)"]
    for tag, i1, i2, j1, j2 in opcodes([_key(word) for word in old_words],
                                       [_key(word) for word in new_words]):
        removed = " ".join(old_words[i1:i2]).strip(" ,;")
        added = " ".join(new_words[j1:j2]).strip(" ,;")
        if tag == "equal" or (reasons and len(removed.split()) + len(added.split()) <= 2):
            continue  # the words around a changed number ("nearly")
        if removed and added:
            reasons.append(f"words changed ('{removed[:60]}' → '{added[:60]}')")
        elif removed:
            reasons.append(f"words removed ('{removed[:60]}')")
        else:
            reasons.append(f"words added ('{added[:60]}')")
    return reasons or ["a sentence changed"]


def _key(word: str) -> str:
    """A word as the word diff sees it: without case or trailing punctuation, any number
    alike (a changed number is reported as such)."""
    return re.sub(r"\d+(?:[.,]\d+)*", "#", word.casefold()).rstrip(".,;:!?\"'”’»)")


def _count(number: int, what: str) -> str:
    return f"{number} {what}{'s' * (number != 1)}"


def compare(old: Version, new: Version, *, title: str = "headline") -> Edit:
    """How ``new`` differs from ``old``; ``title`` names what their titles are (a page's
    ``<title>`` is not the article's headline)."""
    if _normal(old.text or "") == _normal(new.text or "") and \
            _normal(old.title or "") == _normal(new.title or ""):
        return Edit(Kind.NONE)
    reasons: list[str] = []
    if _without_churn(old.title or "") != _without_churn(new.title or ""):
        reasons.append(f"{title} changed ('{(old.title or '')[:80]}' → "
                       f"'{(new.title or '')[:80]}')")
    if old.author and new.author and _normal(old.author) != _normal(new.author):
        reasons.append(f"byline changed ({old.author} → {new.author})")
    if old.date and new.date and old.date != new.date:
        reasons.append(f"date changed ({old.date} → {new.date})")
    real_old, real_new = _article(old.text), _article(new.text)
    removed = added = changed = 0
    details: list[str] = []
    for tag, i1, i2, j1, j2 in opcodes([_normal(s) for s in real_old],
                                       [_normal(s) for s in real_new]):
        if tag == "equal":
            continue
        pairs = min(i2 - i1, j2 - j1) if tag == "replace" else 0
        for offset in range(pairs):
            changed += 1
            details.extend(_describe(real_old[i1 + offset], real_new[j1 + offset]))
        removed += (i2 - i1) - pairs
        added += (j2 - j1) - pairs
    details = list(dict.fromkeys(details))  # each detail once, in order
    if len(details) > _DETAILS:
        details[_DETAILS:] = [f"{_count(len(details) - _DETAILS, 'other edit')}"]
    reasons.extend(details)
    if removed:
        reasons.append(f"{_count(removed, 'sentence')} removed")
    if added:
        reasons.append(f"{_count(added, 'sentence')} added")
    total = max(len(real_new), len(real_old))
    if reasons:
        return Edit(Kind.MATERIAL, tuple(reasons), changed + removed + added, total)
    return Edit(Kind.CHURN, _churn_reasons(old.text or "", new.text or ""), 0, total)


def _churn_reasons(old: str, new: str) -> tuple[str, ...]:
    before = {_normal(s) for s in sentences(old)}
    after = {_normal(s) for s in sentences(new)}
    differing = (before ^ after) or {_normal(new)}
    found = []
    for sentence in differing:
        if re.search(_TIME, sentence) or _STAMP_LINE.search(sentence) or re.search(_AGO, sentence):
            found.append("a time stamp changed")
        elif re.search(_COUNTER, sentence, re.IGNORECASE):
            found.append("a counter changed")
        elif _CHURN.search(sentence):
            found.append("boilerplate changed")
        else:
            found.append("links or short lines changed")
    return tuple(dict.fromkeys(sorted(found)))
