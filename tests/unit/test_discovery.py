"""URL discovery: every rule of the issue, on cases of our own and on the real seed."""

from __future__ import annotations

import textwrap
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crawler.core.discovery import Options, discover, discover_html, discover_text, findings
from crawler.core.discovery.roles import role_of
from crawler.core.models import Dropped
from tests.server import FIXTURES


def urls(text: str, kind: str = "text") -> list[str]:
    return [mention.url for mention in discover(text, kind)]


def test_seed_original_url_is_rejoined_and_related_gets_its_title():
    mentions = discover_text((FIXTURES / "seed.txt").read_text())
    assert [(m.url, m.role, m.anchor) for m in mentions] == [
        ("https://www.themoscowtimes.com/2021/04/22/"
         "putin-offers-to-meet-ukraine-president-in-moscow-any-time-a73711", "original", None),
        ("https://www.themoscowtimes.com/2025/07/01/"
         "russia-to-withdraw-troops-from-ukraine-border-crimea", "related",
         "Russia to Withdraw Troops From Ukraine Border, Crimea"),
    ]


@pytest.mark.parametrize("text, expected", [
    ("see https://example.org/a/b", ["https://example.org/a/b"]),
    ("go to www.example.org/page today", ["https://www.example.org/page"]),
    ("HTTP://Example.ORG/Path", ["http://example.org/Path"]),
    ("mail me at someone@www.example.org", []),
    ("ftp://example.org/file and javascript:alert(1)", []),
    ("two:https://a.example/x,https://b.example/y", ["https://a.example/x", "https://b.example/y"]),
])
def test_finds_http_and_www_urls(text, expected):
    assert urls(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("(see https://x.org/a).", "https://x.org/a"),
    ("Read https://x.org/a, then b.", "https://x.org/a"),
    ("\"https://x.org/quoted\"", "https://x.org/quoted"),
    ("“https://x.org/curly”", "https://x.org/curly"),
    ("https://en.wikipedia.org/wiki/Mercury_(planet)", "https://en.wikipedia.org/wiki/Mercury_(planet)"),
    ("(https://en.wikipedia.org/wiki/Mercury_(planet))", "https://en.wikipedia.org/wiki/Mercury_(planet)"),
    ("[https://x.org/a]", "https://x.org/a"),
    ("Really? https://x.org/a?!", "https://x.org/a"),
    ("https://x.org/search?q=a&page=2.", "https://x.org/search?q=a&page=2"),
])
def test_trailing_punctuation_and_brackets(text, expected):
    assert urls(text) == [expected]


def test_wrapped_url_keeps_the_hyphen_at_the_break():
    text = ("Original url:\nhttps://news.example.com/2021/04/22/a-long-headline-about-moscow-any-\n"
            "time-a73711\n\nNext paragraph.\n")
    assert urls(text) == ["https://news.example.com/2021/04/22/a-long-headline-about-moscow-any-time-a73711"]


def test_wrapped_url_broken_after_a_slash_or_inside_a_query():
    text = ("A report was published at https://reports.example.org/annual/2020/\n"
            "final-report.pdf and widely read.\n"
            "Data: https://data.example.org/query?country=ua&year=2021&\n"
            "format=csv\n")
    assert urls(text) == ["https://reports.example.org/annual/2020/final-report.pdf",
                          "https://data.example.org/query?country=ua&year=2021&format=csv"]


def test_a_url_ending_a_line_does_not_swallow_the_next_sentence():
    text = ("The statement is at https://example.org/statement\n"
            "and it was repeated on Friday by the ministry.\n")
    assert urls(text) == ["https://example.org/statement"]


def test_short_line_url_does_not_join_a_word():
    text = "Source: https://example.org/a\nReuters contributed to this report.\n"
    assert urls(text) == ["https://example.org/a"]


@pytest.mark.parametrize("label", [
    "Original url:", "Source:", "Originally published at", "Canonical:", "ORIGINAL URL -",
])
def test_original_labels(label):
    [mention] = discover_text(f"Some text.\n\n{label} https://example.org/story\n")
    assert mention.role == "original"


def test_label_on_the_previous_line():
    [mention] = discover_text("Originally published at:\n\nhttps://example.org/story\n")
    assert mention.role == "original"


@pytest.mark.parametrize("before, line_above, role", [
    ("\u017fource: ", "", "original"),  # "ſ" is "s" for the label pattern, case aside
    ("Permalink: ", "", "original"),
    ("x" * 300 + " originally published at: ", "", "original"),
    ("Read MORE \u2192 ", "", "related"),
    ("KANONICAL: ", "", "cited"),
    ("see http://a.example/b/1 ", "Source:", "cited"),
    ("__ ", "Source:", "original"),
    ("_ ", "Related articles", "related"),
    ("\u00a0\u00a0", "Source", "original"),
])
def test_the_text_before_a_url_gives_its_role(before, line_above, role):
    """Labels, and what is no label (the quick answer for most URLs: no label ends the last
    word before it), before a URL or on the line above."""
    assert role_of(before, line_above) == role


def test_related_label_and_cited_default():
    mentions = discover_text("Related article: https://example.org/other\n"
                             "As reported in https://example.org/third yesterday.\n")
    assert [m.role for m in mentions] == ["related", "cited"]


def test_related_title_matches_the_right_slug():
    text = ("Related article: Floods Hit Northern Italy Again\n\n"
            "https://example.org/2021/05/01/budget-talks-stall\n"
            "https://example.org/2021/05/02/floods-hit-northern-italy-again\n")
    mentions = discover_text(text)
    assert [(m.role, m.anchor) for m in mentions] == [
        ("cited", None), ("related", "Floods Hit Northern Italy Again")]


def test_tracking_parameters_dropped_meaningful_ones_kept():
    [mention] = discover_text(
        "https://Example.org:443/a?id=7&utm_source=x&fbclid=abc&gclid=1&ref=home#section")
    assert mention.written == (
        "https://Example.org:443/a?id=7&utm_source=x&fbclid=abc&gclid=1&ref=home#section")
    assert mention.url == "https://example.org/a?id=7&ref=home"
    assert mention.canonical == "https://example.org/a?id=7&ref=home"


def test_one_mention_per_canonical_url_with_the_strongest_role():
    text = ("First https://example.org/a?utm_source=x mentioned.\n\n"
            "Source: https://example.org/a#top\n")
    [mention] = discover_text(text)
    assert mention.role == "original" and mention.url == "https://example.org/a"


def test_markdown_links_and_anchor_text():
    mentions = discover("Read [the report](https://example.org/report_(final)) now.\n"
                        "Plain <https://example.org/angle>.\n", "markdown")
    assert [(m.url, m.anchor) for m in mentions] == [
        ("https://example.org/report_(final)", "the report"),
        ("https://example.org/angle", None),
    ]


def test_html_hrefs_with_anchor_text_and_canonical_link():
    html = """<html><head><link rel="canonical" href="https://example.org/this-doc"></head>
    <body><p>Read <a href="https://example.org/a?utm_medium=x">the first story</a> and
    <a href="/relative">this</a>, <a href="mailto:x@example.org">mail</a>.</p>
    <p>Also www.example.com/plain in text.</p></body></html>"""
    mentions = discover_html(html)
    assert [(m.url, m.role, m.anchor) for m in mentions] == [
        ("https://example.org/this-doc", "original", None),
        ("https://example.org/a", "cited", "the first story"),
        ("https://example.org/relative", "cited", "this"),  # resolved against its own URL
        ("https://www.example.com/plain", "cited", None),
    ]


def test_idn_host_is_punycoded_and_invalid_hosts_skipped():
    assert urls("https://bücher.example/katalog and https://exa mple.org") == [
        "https://xn--bcher-kva.example/katalog"]


# Hostile and odd documents.

def test_credentials_are_stripped_from_every_stored_form():
    [mention] = discover_text("Login at https://admin:hunter2@example.org/panel?x=1 today")
    assert "hunter2" not in mention.written + mention.url + mention.canonical
    assert mention.url == "https://example.org/panel?x=1"


@pytest.mark.parametrize("text, expected", [
    ("http://[2001:db8::1]:8080/a and http://[::1]/b",
     ["http://[2001:db8::1]:8080/a", "http://[::1]/b"]),
    ("https://example.org:8443/x", ["https://example.org:8443/x"]),
    ("https://пример.рф/путь", ["https://xn--e1afmkfd.xn--p1ai/%D0%BF%D1%83%D1%82%D1%8C"]),
    ("see http://, http://., https://-, www., https://a..b/, http://intranet", []),
    ("(unbalanced https://x.org/a)) and [https://x.org/b", ["https://x.org/a", "https://x.org/b"]),
])
def test_odd_hosts_and_near_urls(text, expected):
    assert urls(text) == expected


def test_thousands_of_urls_and_very_long_lines():
    text = " ".join(f"https://site{n}.example.org/page/{n}" for n in range(5000))
    found = urls(text)
    assert len(found) == 5000 and found[-1] == "https://site4999.example.org/page/4999"
    long_line = "word " * 200_000 + "https://example.org/end"
    assert urls(long_line) == ["https://example.org/end"]


_segment = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
_word = st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=10)
_url = st.builds(
    lambda host, parts: f"https://www.{host}.org/" + "/".join(parts),
    st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=3, max_size=10),
    st.lists(_segment.filter(lambda s: not s.startswith("-") and not s.endswith("-")),
             min_size=1, max_size=6),
)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_discovery_never_raises_and_returns_fetchable_urls(text):
    for mention in discover_text(text) + discover(text, "html"):
        parts = urlsplit(mention.url)
        assert parts.scheme in ("http", "https") and parts.hostname
        assert mention.role in ("original", "related", "cited")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_url, st.lists(_word, min_size=3, max_size=12)), min_size=1,
                max_size=6), st.integers(20, 60))
def test_rewrapping_a_reference_list_finds_the_same_urls(entries, width):
    """URLs on lines of their own (reference lists, "Original url:") hard-wrapped at any
    width, as PDFs and mail do, come out whole: as the first reading, or, where the break
    cannot be told from a sentence going on ("…/budget" / "thanks" in a short text), as the
    other reading a crawl tries when the first does not exist."""
    text = "\n\n".join(f"{' '.join(words).capitalize()}:\n{url}" for url, words in entries)
    wrapped = "\n\n".join(
        "\n".join(textwrap.wrap(block, width=width, break_long_words=True,
                                break_on_hyphens=False))
        for line in text.split("\n\n") for block in line.split("\n"))
    found = discover(wrapped, "text")
    expected = list(dict.fromkeys(urls(text)))
    assert len(found) == len(expected)
    for mention, url in zip(found, expected, strict=True):
        assert url == mention.url or url in mention.alternatives, (url, mention)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(_url, st.lists(_word, min_size=2, max_size=12)), min_size=1,
                max_size=8), st.integers(0, 30))
def test_rewrapping_prose_never_swallows_the_next_sentence(entries, extra):
    """In prose wrapped wider than its URLs, a URL ending a line is not joined to the words
    starting the next one."""
    text = " ".join(f"{url} {' '.join(words)}" for url, words in entries)
    width = max(len(url) for url, _ in entries) + extra
    wrapped = "\n".join(textwrap.wrap(text, width=width, break_long_words=False,
                                      break_on_hyphens=False))
    # A URL ending a line filled to the last column, longer with the next word than a line,
    # may have been cut there or may end there: both readings are kept, the joined one first
    # (a crawl falls back to the other when it does not exist). No URL is lost, none invented.
    found = discover(wrapped, "text")
    readings = {url for mention in found for url in (mention.url, *mention.alternatives)}
    assert set(urls(text)) <= readings
    assert all(mention.url in urls(text) or mention.alternatives for mention in found)


# Issue 11: what broke on real documents.

def test_html_links_whose_text_is_the_url_are_one_url():
    html = '<p>Source: <a href="https://example.com/a">https://example.com/a</a></p>'
    assert [(m.url, m.role, m.anchor) for m in discover(html, "html")] == [
        ("https://example.com/a", "original", None)]


@pytest.mark.parametrize("text, expected", [
    ("[https://x.org/y](https://x.org/y)", ["https://x.org/y"]),
    ("see [text](https://x.org/a)?q=1 later", ["https://x.org/a"]),
    ("[https](https://www.ibm.com)[mailto](mailto:someone@ibm.com)", ["https://www.ibm.com/"]),
    ("![a chart](https://x.org/chart.png) and [the data](https://x.org/data.csv)",
     ["https://x.org/data.csv"]),
])
def test_markdown_forms(text, expected):
    assert urls(text, "markdown") == expected


def test_images_and_code_are_seen_but_not_cited():
    text = ("![logo](https://x.org/logo.png)\n\nRun `curl https://x.org/api` or:\n\n"
            "```\nwget https://x.org/file\n```\n\n    https://x.org/indented\n\n"
            "The real source: https://x.org/story\n")
    seen = findings(text, "markdown")
    assert [(f.url or f.written, f.dropped) for f in seen] == [
        ("https://x.org/logo.png", Dropped.IMAGE), ("https://x.org/story", None),
        ("https://x.org/file", Dropped.CODE), ("https://x.org/indented", Dropped.CODE),
        ("https://x.org/api", Dropped.CODE)]
    assert urls(text, "markdown") == ["https://x.org/story"]


def test_a_domain_starting_the_next_line_is_not_glued_on():
    text = "Source: https://example.com/a\nreuters.com reported that the talks stalled.\n"
    assert urls(text) == ["https://example.com/a"]


PROSE = ("The minutes of the council meeting of 4 November were published by the town hall "
         "on Friday, and several councillors asked for the recording of the session to be "
         "released before the next meeting, which the mayor said would happen soon.")


def folded(url: str, cut: int, after: str, label: str = "Source:", width: int = 72) -> str:
    """A document folded at ``width`` columns (``fold -w``: every line exactly that long,
    words cut anywhere), with ``url`` cut after ``cut`` characters at the last column."""
    head = f"{PROSE} {label} "
    pad = (width - (len(head) + cut) % width) % width
    text = f"{PROSE}{' ' * pad} {label} {url}{after} {PROSE}"
    return "\n".join(text[start:start + width] for start in range(0, len(text), width)) + "\n"


def test_a_url_cut_mid_word_at_the_wrap_column_keeps_both_readings():
    url = "https://council.example.gov/2024/11/minutes-approved-by-clerk"
    text = folded(url, len(url) - 3, " and the earlier draft was withdrawn that day.")
    assert "-by-cl\nerk and" in text
    [mention] = discover(text, "text")
    assert mention.url == url
    assert mention.alternatives == (url.removesuffix("erk"),)


def test_a_nearby_title_decides_an_ambiguous_break():
    url = "https://news.example.org/2024/11/council-budget"
    after = "s were approved by the council on Friday, the clerk said, after a long debate."
    for title, expected in (("Council budgets approved", url + "s"), ("Council budget", url)):
        text = f"Related article: {title}\n\n" + folded(url, len(url), after, "Read more:")
        assert f"{url}\ns were" in text
        [mention] = discover(text, "text")
        assert (mention.url, mention.role) == (expected, "related")
        assert len(mention.alternatives) == 1


@pytest.mark.parametrize("text, expected", [
    ("~~https://x.org/old~~ and ｜https://x.org/a｜bar", ["https://x.org/old", "https://x.org/a"]),
    ("见https://x.org/e的文章。还有https://zh.wikipedia.org/wiki/中文。",
     ["https://x.org/e", "https://zh.wikipedia.org/wiki/%E4%B8%AD%E6%96%87"]),
    ("（https://x.org/d）と「https://x.org/f」", ["https://x.org/d", "https://x.org/f"]),
    ("http://उदाहरण.परीक्षा and https://भारत.सरकार/ and https://ไทย.ไทย/x",
     ["http://xn--p1b6ci4b4b3a.xn--11b5bs3a9aj6g/", "https://xn--h2brj9c.xn--11b7cb3a6a/",
      "https://xn--o3cw4h.xn--o3cw4h/x"]),
    ("http://✪df.ws/123 and http://👍.ws/x", ["http://xn--df-oiy.ws/123", "http://xn--yp8h.ws/x"]),
    ("https://x.org/a\u200db https://x.org/a|b https://x.org/{id}/x https://x.org/\"q\"/x",
     ["https://x.org/a%E2%80%8Db", "https://x.org/a%7Cb", "https://x.org/%7Bid%7D/x",
      "https://x.org/%22q%22/x"]),
    ("'https://x.org/quoted', he said", ["https://x.org/quoted"]),
])
def test_punctuation_and_scripts(text, expected):
    assert urls(text) == expected


def test_protocol_relative_and_relative_links_in_html():
    html = ('<html><head><base href="https://news.example.org/2021/"></head><body><p>'
            '<a href="story.html">a story</a> <a href="//cdn.example.org/x">x</a> '
            '<a href="#top">top</a> <a href="mailto:a@b.org">mail</a></p></body></html>')
    assert urls(html, "html") == ["https://news.example.org/2021/story.html",
                                  "https://cdn.example.org/x"]
    without_base = '<p><a href="/about">about</a> <a href="//www.example.com/p">p</a></p>'
    assert urls(without_base, "html") == ["https://www.example.com/p"]
    [relative] = [f for f in findings(without_base, "html") if f.dropped]
    assert (relative.written, relative.detail) == ("/about", "a relative link, and no base URL")


def test_a_saved_web_page_cites_its_main_content_only():
    nav = "".join(f'<li><a href="/section/{n}">Section {n}</a></li>' for n in range(30))
    paragraphs = "".join(f"<p>Paragraph {n} of the story tells what the mayor said on day "
                         f"{n}, at length, to the council.</p>" for n in range(8))
    html = (f'<html><head><link rel="canonical" href="https://news.example.org/story">'
            f'</head><body><header><nav><ul>{nav}</ul></nav></header><main><article>'
            f'<h1>The story</h1>{paragraphs}<p>According to <a href="https://gov.example.org/'
            f'report">the report</a>, spending rose.</p></article></main><footer>'
            f'<a href="https://social.example.com/news">Follow us</a></footer></body></html>')
    assert urls(html, "html") == ["https://news.example.org/story",
                                  "https://gov.example.org/report"]
    dropped = {f.url for f in findings(html, "html") if f.dropped is Dropped.NAVIGATION}
    assert "https://social.example.com/news" in dropped and len(dropped) == 31
    everything = discover(html, "html", Options(all_links=True))
    assert len(everything) == 33


def test_excluded_hosts_and_patterns():
    text = "https://ads.example.com/x https://www.example.org/a https://x.org/b?share=1\n"
    options = Options(exclude_hosts=frozenset({"example.com"}), exclude=("*share=*",))
    assert [m.url for m in discover(text, "text", options)] == ["https://www.example.org/a"]
    reasons = [f.detail for f in findings(text, "text", options) if f.dropped]
    assert reasons == ["host example.com", "pattern *share=*"]


@pytest.mark.parametrize("width", [60, 72, 80])
def test_a_url_ending_a_wrapped_line_of_prose_is_not_glued_to_the_next_word(width):
    prose = ("The committee published its findings in a long document that anyone can read "
             "at https://example.org/report well-known experts disagreed with its methods, "
             "and an e-mail to staff said so/or not, people x2 familiar with it said. ") * 3
    assert set(urls(textwrap.fill(prose, width))) == {"https://example.org/report"}


@pytest.mark.parametrize("form, link", [
    ("text", "(http://www.aussengedanken.de/category/themen/landwirtschaft"),
    ("markdown", "[Gespräch](https://journalistenwatch.com/meldungen/gespraech"),
])
def test_a_path_s_last_slash_wrapped_onto_the_next_line_is_joined(form, link):
    """A URL longer than a line, cut at the last column, the next line starting with its
    path's last slash and the sentence's punctuation ("/), which"): the slash is the URL's
    (over a hundred of the corpus's wrapped cases, tests/oracle.py, were such links)."""
    assert len(link) == 60 and " " not in link
    text = "\n".join([*textwrap.wrap(PROSE, 60), link,
                      *textwrap.wrap("/), which the minister disputed. " + PROSE, 60)])
    assert urls(text, form) == [link.split("(", 1)[1] + "/"]

def test_what_follows_a_url_on_the_next_line_is_not_glued_on():
    assert urls("Read: https://x.com/a\n#Ukraine #news") == ["https://x.com/a"]
    assert urls("Read: https://x.com/a\n& more") == ["https://x.com/a"]
    [mention] = discover("Budget notes\nhttps://x.org/budget\nthanks", "text")
    assert (mention.url, mention.alternatives) == ("https://x.org/budget",
                                                   ("https://x.org/budgetthanks",))


def test_huge_and_odd_documents_are_read_in_one_pass():
    """What took minutes (each URL rescanning the rest of the document) now finds every URL;
    times are in bench/discovery.py, not here."""
    assert len(urls("\n".join(f"https://example.com/page/{n}" for n in range(3000)))) == 3000
    assert len(urls("\n".join(f"see h\nttps://example.com/p{n}" for n in range(2000)))) == 2000
    assert urls("https://a/(" * 3000) == []
    assert len(urls("https://example.com/" + "\n".join("abcdefghij" for _ in range(3000)))) == 1
