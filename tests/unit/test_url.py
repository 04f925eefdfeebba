"""URL forms: what we fetch and what we dedupe on."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from crawler.core.url import canonical, canonical_of_fetchable, fetchable, without_credentials
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


# Each ASCII character and a few others in each part of a URL, alone and before a dot or a
# semicolon (dot segments, "params"): most URLs are plain, and crawler.core.url takes a
# plain one as it is written; w3lib, which quotes and canonicalises the others, must
# give it back unchanged.
_CHARACTERS = [chr(code) for code in range(128)] + ["\u00e9", "\u00a0", "\u2028", "\u017f",
                                                    "\ufffd", "x.", "x;", "%41", "%zz"]
_PLACES = ["http://a.example/{}", "http://a.example/x{}y", "http://a.example/x/{}/y",
           "http://a.example/x{}", "https://a.example:8080/p?q={}", "https://a.example/p?{}=1",
           "http://a.example/p?a={}&b=2", "http://a{}b.example/", "http://a.example{}/p",
           "http://127.0.0.1:{}/a", "http://a.example/.{}/", "http://a.example/x?{}"]


@pytest.mark.parametrize("place", _PLACES)
def test_a_url_taken_as_written_is_what_w3lib_makes_of_it(place):
    from w3lib.url import canonicalize_url, safe_url_string

    for character in _CHARACTERS:
        try:
            url = fetchable(place.format(character))
        except InvalidURL:
            continue
        assert safe_url_string(url) == url, repr(character)
        assert canonical_of_fetchable(url) == canonicalize_url(url), repr(character)


@pytest.mark.parametrize("written", [
    "http://127.0.0.1:0/a", "http://127.0.0.1:080/a", "http://a.example:65535/",
    "http://A.EXAMPLE.:8080/a/./b/../c;p?b=1&a=2#f", "https://a.example/x;", "https://a.example/x;y",
    "https://a.example/a.cms&quot;", "http://a.example/p?", "http://a.example?x=1",
])
def test_canonical_is_w3lib_s(written):
    from w3lib.url import canonicalize_url

    assert canonical(written) == canonicalize_url(fetchable(written))


@given(st.text(alphabet=st.sampled_from("aZ09-._~:/?#[]@!$&'()*+,;=% |\\\"<>^`{}\u00e9"),
               max_size=20))
def test_plain_or_not_a_url_is_what_w3lib_makes_of_it(tail):
    from w3lib.url import canonicalize_url, safe_url_string

    try:
        url = fetchable("https://example.org/" + tail)
    except InvalidURL:
        return
    assert safe_url_string(url) == url
    assert canonical_of_fetchable(url) == canonicalize_url(url)


@pytest.mark.parametrize("place", [*_PLACES, "http://{}", "{}://a.example/", "http://a.example:8{}/",
                                   "HTTP://A.example{}", "http://a.example/#{}", " http://a{}"])
def test_a_plain_url_is_split_as_urlsplit_splits_it(place):
    from crawler.core.url import _split, _split_plain

    for character in _CHARACTERS + ["99999", ":", "", "@b", "[::1]", "#", "?#"]:
        url = place.format(character)
        plain = _split_plain(url)
        if plain is not None:
            assert plain == _split(url), repr(url)


@given(st.text(alphabet=st.sampled_from("aZ09-.:/?#@[]%\\ \t\u00e9"), max_size=24))
def test_any_url_split_at_once_is_split_as_urlsplit_splits_it(tail):
    from crawler.core.url import _split, _split_plain

    for url in ("http://" + tail, "https://a.example" + tail):
        plain = _split_plain(url)
        if plain is not None:
            assert plain == _split(url)
