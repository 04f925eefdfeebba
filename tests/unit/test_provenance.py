"""Matching a document against its sources."""

from __future__ import annotations

from crawler.core.extraction import extract
from crawler.core.provenance import coverage, passages, quotes, unsourced_quotes
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


def test_quotes_and_unsourced_quotes():
    found = quotes(SEED)
    assert found[0].startswith("If we are talking about bilateral relations")
    assert "any time" not in found, "two words are not a quote"
    assert unsourced_quotes(SEED, [page_text("putin-offers.html")]) == []
    assert len(unsourced_quotes(SEED, [page_text("russia-withdraw.html")])) == 3
