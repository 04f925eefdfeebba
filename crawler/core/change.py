"""What a new fetch of a page is to the archive: nothing new, a change that matters, churn, or
a change outside the article; and the sentence diff that shows it.

Each fetch is judged against what the archive already holds of the URL: the latest capture
(any kind: its body, text and page hashes), the latest *text snapshot* (the version of the
article a reader relies on) and the latest page text kept (all the visible text of the page,
where corrections and captions often sit outside the article). crawler.core.edits says how
two versions differ; this module turns that into what the archive does:

- ``new``: the first capture of the URL: body, article and page text kept;
- ``unchanged``: the same body as the latest capture: nothing stored but the check;
- ``changed``: the article changed materially: a new text snapshot;
- ``html-changed``: the article is the same but the page's visible text changed materially
  (a correction note under the article, a caption): the body and its page text are kept;
- ``churn``: only time stamps, counters, link lists changed, or only the markup (nonces,
  cache-busters: the same article and visible text): the body is kept (nothing received is
  discarded) but no text snapshot is made, and the schedule treats it as unchanged.

The page's ``<title>`` (what a browser tab and a search result show, which trafilatura's
headline, usually the ``<h1>``, need not be) is compared with the visible text: a title-only
edit is ``html-changed``. Snapshots taken before titles were kept have none: a title is
compared only when both sides have one.
"""

from __future__ import annotations

from dataclasses import dataclass

from crawler.core.edits import Edit, Kind, Version, compare, opcodes
from crawler.core.models import Outcome
from crawler.core.tokens import sentences


@dataclass(frozen=True)
class Held:
    """What the archive holds of a URL, to judge a new fetch against: the latest capture's
    hashes, the latest text snapshot's version and the latest page text kept."""

    latest_id: int
    body_sha256: str | None
    text_sha256: str | None
    page_sha256: str | None
    article: Version | None
    page: str | None
    page_title: str | None = None


@dataclass(frozen=True)
class Fetched:
    """A new fetch, as judged: its hashes, its article and its page's visible text."""

    body_sha256: str
    text_sha256: str | None
    page_sha256: str | None
    article: Version | None
    page: str | None
    page_title: str | None = None


@dataclass(frozen=True)
class Judgement:
    """What to do with a fetch: its outcome, why (the edit), and what a snapshot keeps."""

    outcome: Outcome
    edit: Edit | None = None

    @property
    def snapshot(self) -> bool:
        """Whether the fetch makes a snapshot row (its body kept)."""
        return self.outcome is not Outcome.UNCHANGED

    @property
    def keeps_text(self) -> bool:
        """Whether the snapshot stores the extracted article (a text snapshot), searchable."""
        return self.outcome in (Outcome.NEW, Outcome.CHANGED, Outcome.HTML_CHANGED)

    @property
    def summary(self) -> str | None:
        return self.edit.summary if self.edit else None


_NO_TEXT = Edit(Kind.MATERIAL, ("the content changed (no text to compare)",))
_MARKUP = Edit(Kind.CHURN, ("only the markup changed",))


def judge(held: Held | None, fetched: Fetched) -> Judgement:
    """What ``fetched`` is, against what the archive ``held`` of its URL (None: nothing)."""
    if held is None:
        return Judgement(Outcome.NEW)
    if fetched.body_sha256 == held.body_sha256:
        return Judgement(Outcome.UNCHANGED)
    if fetched.text_sha256 is None or held.article is None:
        if fetched.text_sha256 is None and held.text_sha256 is None:
            return Judgement(Outcome.CHANGED, _NO_TEXT)  # a PDF or an image replaced
        if fetched.text_sha256 is None or fetched.article is None:
            return Judgement(Outcome.CHANGED, Edit(Kind.MATERIAL, ("the text is gone",)))
        return Judgement(Outcome.CHANGED, Edit(Kind.MATERIAL, ("text appeared",)))
    if fetched.text_sha256 == held.text_sha256 and (
            None in (fetched.page_sha256, held.page_sha256)
            or fetched.page_sha256 == held.page_sha256):
        return Judgement(Outcome.CHURN, _MARKUP)
    assert fetched.article is not None
    edit = compare(held.article, fetched.article)
    if edit.kind is Kind.MATERIAL:
        return Judgement(Outcome.CHANGED, edit)
    if edit.kind is Kind.CHURN:
        return Judgement(Outcome.CHURN, edit)
    titles = (held.page_title, fetched.page_title)
    if None in titles:
        titles = (None, None)  # a snapshot from before titles were kept
    page_edit = compare(Version(titles[0], held.page), Version(titles[1], fetched.page),
                        title="page title")
    if page_edit.kind is Kind.MATERIAL:
        reasons = tuple(f"outside the article: {reason}" for reason in page_edit.reasons)
        return Judgement(Outcome.HTML_CHANGED, Edit(Kind.MATERIAL, reasons,
                                                    page_edit.changed, page_edit.sentences))
    if page_edit.kind is Kind.CHURN:
        return Judgement(Outcome.CHURN, page_edit)
    return Judgement(Outcome.CHURN, _MARKUP)  # back to the latest snapshot's text and page


def diff(old: str | None, new: str | None, old_label: str, new_label: str) -> list[str]:
    """A unified diff of two texts, sentence by sentence, in bounded time (the sentences
    are matched by crawler.core.edits.opcodes)."""
    before, after = sentences(old), sentences(new)
    codes = [code for code in opcodes(before, after) if code[0] != "equal"]
    if not codes:
        return []
    lines = [f"--- {old_label}", f"+++ {new_label}"]
    for _tag, i1, i2, j1, j2 in codes:  # one hunk per edit, without context (diff -U0)
        lines.append(f"@@ -{_range(i1, i2)} +{_range(j1, j2)} @@")
        lines.extend(f"-{line}" for line in before[i1:i2])
        lines.extend(f"+{line}" for line in after[j1:j2])
    return lines


def _range(start: int, stop: int) -> str:
    """A hunk's range as unified diffs write it (an empty one names the line before)."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"
