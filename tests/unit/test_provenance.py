"""Matching a document against its sources."""

from __future__ import annotations

from crawler.core.extraction import extract
from crawler.core.provenance import coverage, passages, quote_reports, quotes
from crawler.core.views import QuoteStatus, SnapshotText
from tests.server import FIXTURES

SEED = (FIXTURES / "seed.txt").read_text()


def page_text(name: str) -> str:
    return extract((FIXTURES / "pages" / name).read_bytes(), "utf-8", "https://x.org/").text


def test_seed_against_its_original_and_its_related_article():
    original = coverage(SEED, page_text("putin-offers.html"))
    assert original.score == 1.0 and not original.missing
    related = coverage(SEED, page_text("russia-withdraw.html"))
    assert related.score < 0.1


def test_tolerant_of_quotes_dashes_case_and_small_edits():
    source = ("Putin said: “If we are talking about bilateral relations, then, by all means, "
              "we are ready to welcome the president of Ukraine — at any time.”")
    document = ('"IF WE ARE TALKING about bilateral relations, then by all means we are ready '
                'to welcome the President of Ukraine - at any time," Putin said.')
    assert coverage(document, source).score == 1.0


def test_partial_match_lists_what_is_missing():
    source = page_text("putin-offers.html")
    document = ("Russian President Vladimir Putin said on Thursday Ukrainian leader Volodymyr "
                "Zelensky was welcome in Moscow any time. The talks will take place in Geneva "
                "next spring according to three diplomats who asked not to be named.")
    result = coverage(document, source)
    assert 0.3 < result.score < 0.7
    assert result.missing == ("The talks will take place in Geneva next spring according to "
                              "three diplomats who asked not to be named.",)


def test_document_apparatus_is_not_a_passage():
    found = passages(SEED)
    assert not any("http" in passage or passage.startswith("Related article") for passage in found)


def test_quotes_found_removed_and_never_found():
    found = quotes(SEED)
    assert found[0].startswith("If we are talking about bilateral relations")
    assert "any time" not in found, "two words are not a quote"
    putin, related = page_text("putin-offers.html"), page_text("russia-withdraw.html")
    snapshot = lambda n, text: SnapshotText(n, f"2026-01-0{n}", "T", text)  # noqa: E731
    now = quote_reports(SEED, [("https://a/", [snapshot(1, putin)])])
    assert {quote.status for quote in now} == {QuoteStatus.FOUND}
    assert now[0].url == "https://a/"
    # Newest first: the page lost its quotes in snapshot 3, fetched on the 3rd.
    edited = [("https://b/", [snapshot(2, related)]),
              ("https://a/", [snapshot(4, related), snapshot(3, related), snapshot(1, putin)])]
    later = quote_reports(SEED, edited)
    assert [(q.status, q.url, q.since, q.snapshot_id) for q in later[:1]] == [
        (QuoteStatus.REMOVED, "https://a/", "2026-01-03", 3)]
    never = quote_reports(SEED, [("https://b/", [snapshot(2, related)])])
    assert {quote.status for quote in never} == {QuoteStatus.NEVER_FOUND}
