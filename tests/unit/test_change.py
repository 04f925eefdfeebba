"""Telling a real edit from churn, and showing it: similarity, summary, sentence diff."""

from __future__ import annotations

from crawler.core.change import diff, is_material, similarity, summarize
from crawler.core.tokens import sentences

ARTICLE = " ".join(f"Sentence number {n} tells the reader about event {n} in some detail."
                   for n in range(40))


def test_similarity_and_material_changes():
    assert similarity(ARTICLE, ARTICLE) == 1.0
    stamped = "Updated 10:00. " + ARTICLE
    restamped = "Updated 11:00. " + ARTICLE
    assert not is_material(stamped, restamped), "a date stamp is churn"
    edited = ARTICLE.replace("event 7 in some detail", "a correction issued on Friday by the "
                             "ministry, which denied the earlier report entirely")
    edited = edited.replace("Sentence number 20 tells", "A new paragraph now explains")
    assert similarity(ARTICLE, edited) < 1.0
    assert is_material(ARTICLE, ARTICLE[: len(ARTICLE) // 2]), "half the article removed"
    assert similarity(ARTICLE, "Completely different words about cooking pasta.") == 0.0


def test_summary_and_sentence_diff():
    old, new = "One two three. Four five six.", "One two three. Four five seven. Eight."
    assert summarize(old, new) == "+2 words, -1 words, 77% similar"
    assert sentences(old) == ["One two three.", "Four five six."]
    assert diff(old, new, "a", "b") == [
        "--- a", "+++ b", "@@ -1,2 +1,3 @@", " One two three.", "-Four five six.",
        "+Four five seven.", "+Eight."]
