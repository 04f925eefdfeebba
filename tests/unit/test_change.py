"""Telling an edit that matters from churn, on a real article: one test per kind of edit, the
issue's examples, and what the archive does with each fetch (crawler.core.change.judge)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from crawler.core.change import Fetched, Held, diff, judge
from crawler.core.edits import Kind, Version, compare
from crawler.core.extraction import extract
from crawler.core.hashing import text_sha256
from crawler.core.models import Outcome
from crawler.core.tokens import sentences

PAGE = Path(__file__).parents[1] / "fixtures" / "pages" / "putin-offers.html"
_EXTRACTED = extract(PAGE.read_bytes(), None, "https://www.themoscowtimes.com/x")
assert _EXTRACTED is not None
ARTICLE = Version(_EXTRACTED.title, _EXTRACTED.text, _EXTRACTED.author, _EXTRACTED.date)
TEXT = ARTICLE.text or ""


def edited(text: str | None = None, title: str | None = None) -> Version:
    return Version(ARTICLE.title if title is None else title, TEXT if text is None else text,
                   ARTICLE.author, ARTICLE.date)


MATERIAL = {
    "headline rewritten": edited(title="Putin Refuses to Meet Ukraine President"),
    "number changed": edited(TEXT.replace("more than 14,000", "more than 13,000")
                             if "more than 14,000" in TEXT else TEXT + "\nAbout 14,000 died."),
    "quote removed": edited(TEXT.replace('"If we are talking about bilateral relations, then, '
                                         'by all means, we are ready to welcome the president '
                                         'of Ukraine at any time that is convenient for him," ',
                                         "")),
    "sentence deleted": edited(TEXT.replace(sentences(TEXT)[4], "")),
    "correction note": edited(TEXT + "\nCorrection: An earlier version of this article "
                                     "misstated where the two leaders met."),
    "name swapped": edited(TEXT.replace("Lukashenko", "Tokayev", 1)),
}
CHURN = {
    "time stamp": edited("Updated at 12:03:44\n" + TEXT),
    "relative time": edited("Published 5 minutes ago\n" + TEXT),
    "counter": edited(TEXT + "\n1,204 views\n17 comments"),
    "related links": edited(TEXT + "\nRelated articles\nKremlin Says Talks Possible\n"
                                   "Troops Return to Bases After Drills"),
    "navigation": edited("Home\nNews\nOpinion\nBusiness\n" + TEXT),
}


@pytest.mark.parametrize("kind", list(MATERIAL))
def test_material_edits(kind):
    edit = compare(ARTICLE, MATERIAL[kind])
    assert edit.kind is Kind.MATERIAL, (kind, edit)
    assert edit.reasons, "a material edit says why"


@pytest.mark.parametrize("kind", list(CHURN))
def test_churn(kind):
    edit = compare(ARTICLE, CHURN[kind])
    assert edit.kind is Kind.CHURN, (kind, edit)


def test_the_same_text_is_no_change():
    assert compare(ARTICLE, edited(TEXT.replace(". ", ".  "))).kind is Kind.NONE


def test_issue_examples():
    reversed_headline = compare(
        Version("Amazon Liable for Defective Third-Party Products", TEXT),
        Version("Court Clears Amazon of Liability", TEXT))
    assert reversed_headline.material
    assert reversed_headline.summary.startswith(
        "material: headline changed ('Amazon Liable for Defective Third-Party Products' → "
        "'Court Clears Amazon of Liability')")
    before = ("The company said it had shipped nearly 63 million devices in the quarter, "
              "a record driven by demand in Asia and Europe.")
    after = "The company said it had shipped 62 million devices in the quarter."
    numbers = compare(Version("Sales", TEXT + "\n" + before), Version("Sales", TEXT + "\n" + after))
    assert numbers.material
    assert numbers.reasons == ("a number changed (63 million → 62 million)",
                               "words removed ('a record driven by demand in Asia and Europe.')")
    stamp = compare(Version("Status", "Service status.\nUpdated at 12:03:44"),
                    Version("Status", "Service status.\nUpdated at 12:09:10"))
    assert stamp.kind is Kind.CHURN
    assert stamp.summary.startswith("churn: a time stamp changed")


def test_the_measure_shown_is_the_one_that_decides():
    edit = compare(ARTICLE, MATERIAL["sentence deleted"])
    assert edit.summary.endswith(f"({edit.changed} of {edit.sentences} sentences changed)")
    assert edit.changed == 1


def _held(version: Version, page: str | None = None) -> Held:
    return Held(1, "body-1", text_sha256(version.text or ""),
                text_sha256(f"{version.title}\n{page}") if page else None, version, page)


def _fetched(version: Version, body: str = "body-2", page: str | None = None,
             title: str | None = None) -> Fetched:
    seen = f"{title}\n{version.title}\n{page}" if title else f"{version.title}\n{page}"
    return Fetched(body, text_sha256(version.text or ""),
                   text_sha256(seen) if page else None, version, page)


def test_judging_fetches():
    page = "Home\n" + TEXT + "\nNewsletter"
    held = _held(ARTICLE, page)
    assert judge(None, _fetched(ARTICLE)).outcome is Outcome.NEW
    assert judge(held, _fetched(ARTICLE, body="body-1")).outcome is Outcome.UNCHANGED
    markup = judge(held, _fetched(ARTICLE, page=page))
    assert markup.outcome is Outcome.CHURN and markup.snapshot and not markup.keeps_text
    assert markup.summary == "churn: only the markup changed"
    material = judge(held, _fetched(MATERIAL["headline rewritten"], page=page))
    assert material.outcome is Outcome.CHANGED and material.keeps_text
    churn = judge(held, _fetched(CHURN["time stamp"], page=page))
    assert churn.outcome is Outcome.CHURN and churn.snapshot and not churn.keeps_text
    corrected = page + "\nCorrection: this article misstated where the two leaders met."
    outside = judge(held, _fetched(ARTICLE, page=corrected))
    assert outside.outcome is Outcome.HTML_CHANGED and outside.keeps_text
    assert outside.summary.startswith("material: outside the article: 1 sentence added")
    ticking = judge(held, _fetched(ARTICLE, page=page + "\nUpdated 12:03"))
    assert ticking.outcome is Outcome.CHURN


def test_a_page_title_is_compared_when_both_sides_have_one():
    page = "Home\nNewsletter"
    held = replace(_held(ARTICLE, page), page_title="Talks in Minsk | Example")
    retitled = replace(_fetched(ARTICLE, page=page, title="Talks collapse | Example"),
                       page_title="Talks collapse | Example")
    edited = judge(held, retitled)
    assert edited.outcome is Outcome.HTML_CHANGED
    assert edited.summary.startswith("material: outside the article: page title changed "
                                     "('Talks in Minsk | Example' → 'Talks collapse | Example')")
    before_titles = judge(replace(held, page_title=None), retitled)
    assert before_titles.outcome is Outcome.CHURN, "a snapshot from before titles were kept"


def test_sentence_diff():
    old, new = "One two three. Four five six.", "One two three. Four five seven. Eight."
    assert diff(old, new, "a", "b") == [
        "--- a", "+++ b", "@@ -2 +2,2 @@", "-Four five six.", "+Four five seven.", "+Eight."]
