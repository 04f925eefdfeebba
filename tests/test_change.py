"""Telling a real edit from churn, and showing it: similarity, summary, diff, changes."""

from __future__ import annotations

from crawler.core.change import diff, is_material, similarity, summarize
from crawler.core.tokens import sentences
from tests.conftest import FAST, RELATED
from tests.server import page

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


def test_diff_and_changes_commands(sourcekeeper, documents, server, tmp_path):
    db = tmp_path / "a.db"
    doc = str(documents / "moscow-times.txt")
    assert sourcekeeper("crawl", doc, "--db", str(db), *FAST).returncode == 0
    server.route(RELATED, page("putin-offers.html"))
    assert sourcekeeper("crawl", doc, "--db", str(db), "--all", *FAST).returncode == 0

    result = sourcekeeper("diff", server.url(RELATED), "--db", str(db))
    assert result.returncode == 0, result.stderr
    head, *body = result.stdout.splitlines()
    assert head.endswith("% similar; material change") and " -> " in head
    assert any(line.startswith("-") and "Shoigu on Thursday ordered" in line for line in body)
    assert any(line.startswith("+") and "welcome in Moscow" in line for line in body)

    listed = sourcekeeper("changes", "--db", str(db))
    assert listed.stdout.strip().endswith(f"material  {server.url(RELATED)}")
    assert "2 snapshots" in listed.stdout

    only_one = sourcekeeper("diff", server.url("/2021/04/22/putin-offers-to-meet-ukraine-"
                                               "president-in-moscow-any-time-a73711"),
                            "--db", str(db))
    assert only_one.returncode == 0 and "fewer than two snapshots" in only_one.stderr
