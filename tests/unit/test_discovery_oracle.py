"""Discovery on cases nobody wrote: the links of real pages pasted and hard-wrapped as people
paste them (tests/oracle.py). The whole set is measured by bench/discovery.py; here a sample
must be found exactly before wrapping, and within 1% (precision and recall) after."""

from __future__ import annotations

import os
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.core.discovery import discover
from crawler.core.url import canonical
from tests import oracle

pytestmark = pytest.mark.skipif(not oracle.CORPUS.is_dir(), reason="../shared corpus missing")

SAMPLE = list(oracle.cases(limit_pages=30, limit_links=40)) if oracle.CORPUS.is_dir() else []


def found(case: oracle.Case) -> set[str]:
    return {mention.canonical for mention in discover(case.text, case.form)}


def test_every_link_of_a_page_is_found_exactly_before_wrapping():
    unwrapped = [case for case in SAMPLE if case.width is None]
    assert len(unwrapped) >= 50
    wrong = [(case.page, case.form) for case in unwrapped if found(case) != case.truth]
    assert wrong == []


def test_wrapped_links_are_found_within_one_percent():
    true = false = missed = 0
    for case in SAMPLE:
        if case.width is None:
            continue
        got = found(case)
        true += len(got & case.truth)
        false += len(got - case.truth)
        missed += len(case.truth - got)
    assert true / (true + false) >= 0.99 and true / (true + missed) >= 0.99


PAGES = sorted(oracle.CORPUS.glob("html/*.html.gz")) if oracle.CORPUS.is_dir() else []


@settings(max_examples=int(os.environ.get("ORACLE_EXAMPLES", 60)), deadline=None,
          derandomize=True)  # the same cases on every run: a measure, not a lottery
@given(st.integers(0, max(len(PAGES) - 1, 0)), st.sampled_from(oracle.FORMS),
       st.integers(40, 100), st.booleans())
def test_any_wrapping_of_any_page(page, form, width, hyphens):
    links = oracle.page_links(PAGES[page], limit=15)
    if not links:
        return
    pasted = oracle.written(links, form)
    text = textwrap.fill(pasted, width=width, break_long_words=True, break_on_hyphens=hyphens)
    truth = (oracle.markdown_truth(pasted) if form == "markdown"  # as written, before wrapping
             else {canonical(href) for _, href in links})
    mentions = discover(text, form)
    readings = {url for mention in mentions for url in (mention.canonical, *(
        canonical(other) for other in mention.alternatives))}
    found_keys = {mention.canonical for mention in mentions}
    assert len(truth & readings) >= 0.9 * len(truth), "at most one link in ten lost"
    assert len(found_keys - truth) <= max(1, 0.1 * len(truth))
