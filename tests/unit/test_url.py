"""URL forms: what we fetch and what we dedupe on."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.core.url import canonical, fetchable, without_credentials
from crawler.errors import InvalidURL


@pytest.mark.parametrize("written, expected", [
    ("www.example.org/a", "https://www.example.org/a"),
    ("HTTPS://EXAMPLE.org:443/Case/Kept", "https://example.org/Case/Kept"),
    ("http://example.org:8080", "http://example.org:8080/"),
    ("https://user:secret@example.org/a", "https://example.org/a"),
    ("https://example.org/a?utm_source=x&utm_campaign=y", "https://example.org/a"),
    ("https://example.org/a?b=2&a=1&fbclid=z#frag", "https://example.org/a?b=2&a=1"),
    ("https://example.org/a?ref=rss&source=home", "https://example.org/a?ref=rss&source=home"),
    ("https://web.archive.org/web/2020/https://example.org/x",
     "https://web.archive.org/web/2020/https://example.org/x"),
    ("https://example.org/caf\u00e9 menu", "https://example.org/caf%C3%A9%20menu"),
])
def test_fetchable(written, expected):
    assert fetchable(written) == expected


def test_canonical_sorts_the_query_so_equal_pages_dedupe():
    assert canonical("https://example.org/a?b=2&a=1") == canonical("https://EXAMPLE.org/a?a=1&b=2")


@pytest.mark.parametrize("written", [
    "ftp://example.org/file", "javascript:alert(1)", "https://", "https://exa_mple..org/",
    "http://example.org:99999/", "https://-bad-.example/",
])
def test_invalid_urls_raise(written):
    with pytest.raises(InvalidURL, match="example|https|javascript"):
        fetchable(written)


def test_without_credentials():
    assert without_credentials("https://u:p@example.org/a") == "https://example.org/a"
    assert without_credentials("www.example.org/a") == "www.example.org/a"


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60))
def test_canonical_is_idempotent_or_rejects(tail):
    try:
        once = canonical("https://example.org/" + tail)
    except InvalidURL:
        return
    assert canonical(once) == once


def test_credentials_are_scrubbed_but_nothing_else():
    from crawler.core.url import redacted, scrubbed, scrubbed_reason

    assert scrubbed("http://u:p@h.example/x") == "http://h.example/x"
    assert scrubbed("Location: https://a@b.example/") == "Location: https://b.example/"
    kept = "https://github.com/search?q=author:alice@example.com&type=commits"
    assert scrubbed(kept) == kept, "an @ in the query is not a password"
    assert scrubbed("https://m.example/msg?id=CAB:1234@mail.gmail.com").endswith(
        "CAB:1234@mail.gmail.com")
    assert scrubbed_reason("ValueError: invalid hostname: reader:pw@127.0.0.1") == (
        "ValueError: invalid hostname: 127.0.0.1")
    assert redacted("redis://:pw@queue:6379/0") == "redis://:***@queue:6379/0"


@pytest.mark.parametrize("url, key", [  # as the surt package (pywb's) writes them
    ("http://127.0.0.1:8080/a/B?z=1&a=2", "1,0,0,127:8080)/a/b?a=2&z=1"),
    ("https://www.Example.org/Story?utm_source=x", "org,example)/story?utm_source=x"),
    ("https://example.org", "org,example)/"),
    ("http://news.example:443/a#frag", "example,news:443)/a"),
    ("https://[::1]:8080/x", "::1:8080)/x"),
    ("http://www2.example.co.uk/a/", "uk,co,example)/a"),
    ("https://example.com./x?B=1&a=2", "com,example)/x?a=2&b=1"),
    ("https://example.com//a//b", "com,example)/a/b"),
])
def test_surt_keys_match_what_replay_tools_look_up(url, key):
    from crawler.core.url import surt

    assert surt(url) == key
