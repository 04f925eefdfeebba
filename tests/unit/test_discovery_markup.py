"""Discovery in Markdown and HTML: a link's URL is the parser's, exactly; its text is not
another citation; code is what markdown-it calls code; a saved page's navigation is dropped,
but a page of links cites them; lines are the source's."""

from __future__ import annotations

import io
import zipfile

import pytest

from crawler.core.discovery import Options, discover, findings
from crawler.core.documents import parse_documents
from crawler.core.models import Dropped

EXACT = ["https://example.com/wow!", "https://example.com/a.", "https://example.com/it'",
         "https://example.com/（株）", "https://example.com/a)b", "https://example.com/a,",
         "https://example.com/x?q=1&r=(2", "https://example.com/x_(y)"]
BALANCED = [href for href in EXACT if href.count("(") == href.count(")")]


def seen(text: str, kind: str, options: Options | None = None) -> list[tuple]:
    return [(f.line, f.url or f.written, f.role, f.anchor, f.dropped)
            for f in findings(text, kind, options)]


# 1. The parser's URL, exactly; roles and lines kept.

@pytest.mark.parametrize("href", EXACT)
def test_an_html_href_is_taken_exactly(href):
    html = f'<p>As <a href="{href}">the agency</a> reported.</p>'
    [finding] = findings(html, "html")
    assert (finding.written, finding.anchor, finding.dropped) == (href, "the agency", None)


@pytest.mark.parametrize("href", BALANCED)
def test_a_markdown_link_destination_is_taken_exactly(href):
    [finding] = findings(f"As [the agency]({href}) reported.\n", "markdown")
    assert (finding.written, finding.anchor, finding.dropped) == (href, "the agency", None)


def test_markdown_escapes_in_a_destination_are_the_parser_s():
    assert [f.written for f in findings(
        "[a](https://example.com/a\\)b) [b](<https://example.com/c d>) "
        "[c](https://example.com/e\\_f)\n", "markdown")] == [
        "https://example.com/a)b", "https://example.com/c%20d", "https://example.com/e_f"]


def _docx(links: dict[str, str]) -> bytes:
    namespaces = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
                  'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                  'relationships"')
    paragraphs = "".join(
        f'<w:p><w:r><w:t xml:space="preserve">See </w:t></w:r><w:hyperlink r:id="{rid}">'
        f'<w:r><w:t>the source</w:t></w:r></w:hyperlink></w:p>' for rid in links)
    relations = "".join(
        f'<Relationship Id="{rid}" Type="http://schemas.openxmlformats.org/officeDocument/'
        f'2006/relationships/hyperlink" Target="{target}" TargetMode="External"/>'
        for rid, target in links.items())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("word/document.xml",
                         f"<w:document {namespaces}><w:body>{paragraphs}</w:body></w:document>")
        archive.writestr("word/_rels/document.xml.rels",
                         '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                         f'relationships">{relations}</Relationships>')
    return out.getvalue()


def _docx_targets(targets: list[str]) -> list[str]:
    links = {f"rId{n}": target.replace("&", "&amp;").replace("'", "&apos;")
             for n, target in enumerate(targets, start=1)}
    [document] = parse_documents("notes.docx", _docx(links), 1 << 20)
    return [f.written for f in findings(document.source, document.kind)]


def test_docx_hyperlink_targets_are_taken_exactly():
    assert _docx_targets(BALANCED) == BALANCED


@pytest.mark.parametrize("href", ["https://example.com/a)b", "https://example.com/a(b",
                                  "https://example.com/a b"])
def test_docx_hyperlink_target_that_markdown_cannot_hold_unescaped(href):
    assert _docx_targets([href]) == [href.replace(" ", "%20")]


def test_labels_give_links_their_roles_in_html_and_markdown():
    html = ('<p>Original url: <a href="https://example.com/story!">the story</a></p>\n'
            '<p>Related article:</p>\n<p><a href="https://example.com/other.">other</a></p>\n'
            '<p>As <a href="https://example.com/cited">reported</a>.</p>')
    markdown = ("Original url: [the story](https://example.com/story!)\n\nRelated article:\n"
                "[other](https://example.com/other.)\n\n"
                "As [reported](https://example.com/cited).\n")
    for text, kind in ((html, "html"), (markdown, "markdown")):
        assert [(m.url, m.role) for m in discover(text, kind)] == [
            ("https://example.com/story!", "original"), ("https://example.com/other.", "related"),
            ("https://example.com/cited", "cited")]


def test_html_lines_are_the_source_s():
    one_line = ('<html><head><link rel="canonical" href="https://example.org/d"></head><body>'
                '<p>See <a href="https://example.org/a">a</a> and https://example.org/b</p>'
                '</body></html>')
    assert {f.line for f in findings(one_line, "html")} == {1}
    html = ('<html>\n<body>\n<p>First <a href="https://example.org/1">one</a> then\n'
            'https://example.org/2 after.</p>\n<p>Last\n\nhttps://example.org/3</p>\n'
            '<pre>\ncurl https://example.org/code\n</pre>\n</body>\n</html>\n')
    assert [(f.line, f.url or f.written) for f in findings(html, "html")] == [
        (3, "https://example.org/1"), (4, "https://example.org/2"),
        (7, "https://example.org/3"), (9, "https://example.org/code")]


def test_markdown_lines_of_links_in_quotes_lists_and_wrapped_paragraphs():
    text = ("# Notes\n\n> Quoted, see\n> [the report](https://example.org/r) and\n\n"
            "- item\n  continued [a](https://example.org/a)\n")
    assert [(f.line, f.url) for f in findings(text, "markdown")] == [
        (4, "https://example.org/r"), (7, "https://example.org/a")]


# 2. A saved page's navigation is dropped, whatever its role; a page of links cites them.

def test_an_html_reading_list_cites_its_links():
    items = "".join(f'<li><a href="https://site{n}.example.org/article-{n}">Article number {n}'
                    f' about the budget</a> - worth reading</li>' for n in range(45))
    html = f"<html><body><h1>My reading list</h1><ul>{items}</ul></body></html>"
    assert len(discover(html, "html")) == 45
    assert not [f for f in findings(html, "html") if f.dropped]


def test_a_short_saved_page_of_links_cites_them():
    items = "".join(f'<li><a href="https://s{n}.example.org/a">Story {n}</a></li>'
                    for n in range(5))
    html = ('<html><head><link rel="canonical" href="https://me.example.org/list"></head>'
            f'<body><ul>{items}</ul></body></html>')
    assert [m.url for m in discover(html, "html")] == [
        "https://me.example.org/list", *(f"https://s{n}.example.org/a" for n in range(5))]


def _news_page(article_link: bool) -> str:
    nav = "".join(f'<li><a href="/section/{n}">Section {n}</a></li>' for n in range(30))
    paragraphs = "".join(f"<p>Paragraph {n} of the story tells what the mayor said on day "
                         f"{n}, at length, to the council.</p>" for n in range(8))
    cited = ('<p>According to <a href="https://gov.example.org/report">the report</a>, '
             'spending rose.</p>' if article_link else "<p>Spending rose.</p>")
    return (f'<html><head><link rel="canonical" href="https://news.example.org/story">'
            f'</head><body><header><nav><ul>{nav}</ul></nav></header><main><article>'
            f'<h1>The story</h1>{paragraphs}{cited}</article></main><footer>'
            f'<p>Source: <a href="https://agency.example.com/">Agency</a></p>'
            f'<p>Related article: <a href="https://news.example.org/other">Other</a></p>'
            f'</footer></body></html>')


def test_a_saved_page_footer_link_is_navigation_whatever_its_label():
    html = _news_page(article_link=True)
    assert [(m.url, m.role) for m in discover(html, "html")] == [
        ("https://news.example.org/story", "original"),
        ("https://gov.example.org/report", "cited")]
    dropped = {f.url: f.role for f in findings(html, "html") if f.dropped is Dropped.NAVIGATION}
    assert dropped["https://agency.example.com/"] == "original"
    assert dropped["https://news.example.org/other"] == "related"


def test_a_saved_article_without_links_still_drops_its_navigation():
    html = _news_page(article_link=False)
    assert [m.url for m in discover(html, "html")] == ["https://news.example.org/story"]
    assert len(discover(html, "html", Options(all_links=True))) == 33  # 30 in its <nav>


# 3. Code is what markdown-it calls code.

def test_a_stray_backtick_hides_nothing():
    text = "It`s a note.\n\nhttps://a.example.com/x\n\nAnd don`t forget.\n"
    assert [m.url for m in discover(text, "markdown")] == ["https://a.example.com/x"]


def test_escaped_backticks_are_not_code_and_code_spans_have_lines():
    text = ("Not \\`code https://example.com/y\\` here, https://example.com/a\\_b.\n\n"
            "One\n`https://example.com/z` two.\nSpans ``a ` https://example.com/w`` too.\n")
    assert seen(text, "markdown") == [
        (1, "https://example.com/y", "cited", None, None),
        (1, "https://example.com/a_b", "cited", None, None),
        (4, "https://example.com/z", "cited", None, Dropped.CODE),
        (5, "https://example.com/w", "cited", None, Dropped.CODE)]


def test_code_blocks_keep_their_lines():
    text = "Intro.\n\n```\nfirst\nwget https://example.com/file\n```\n\n    https://example.com/i\n"
    assert [(f.line, f.written, f.dropped) for f in findings(text, "markdown")] == [
        (5, "https://example.com/file", Dropped.CODE), (8, "https://example.com/i", Dropped.CODE)]


# 4. A link's text is its anchor, not another citation.

@pytest.mark.parametrize("text, kind", [
    ('<p><a href="https://example.com/a">https://example.com/a</a></p>', "html"),
    ("[https://example.com/a](https://example.com/a)\n", "markdown"),
    ("<https://example.com/a>\n", "markdown"),
])
def test_a_link_whose_text_is_its_url_is_one_finding(text, kind):
    assert [(f.written, f.anchor) for f in findings(text, kind)] == [
        ("https://example.com/a", None)]


@pytest.mark.parametrize("text, kind", [
    ('<p>Source: <a href="https://a.example.com/">see www.b.example.com</a></p>', "html"),
    ("Source: [see www.b.example.com](https://a.example.com/)\n", "markdown"),
])
def test_a_url_in_a_link_s_text_is_not_cited(text, kind):
    assert [(f.url, f.role, f.anchor) for f in findings(text, kind)] == [
        ("https://a.example.com/", "original", "see www.b.example.com")]


# 5. Images are not citations, inline or by reference.

def test_reference_images_are_not_cited_and_reference_links_are():
    text = ("![a chart][img] and [the data][data], ![logo](https://example.com/logo.png)\n\n"
            "[img]: https://example.com/chart.png\n[data]: https://example.com/data.csv\n"
            "[unused]: https://example.com/kept\n")
    assert seen(text, "markdown") == [
        (1, "https://example.com/chart.png", "cited", "a chart", Dropped.IMAGE),
        (1, "https://example.com/data.csv", "cited", "the data", None),
        (1, "https://example.com/logo.png", "cited", "logo", Dropped.IMAGE),
        (5, "https://example.com/kept", "cited", None, None)]
    assert [m.url for m in discover(text, "markdown")] == [
        "https://example.com/data.csv", "https://example.com/kept"]


# Odd links.

def test_markdown_relative_links_resolve_against_the_base_url_or_are_reported():
    text = "[a](/about) [b](#top) [c](mailto:a@example.org) [d](www.example.org/p)\n"
    assert [(f.written, f.detail) for f in findings(text, "markdown")] == [
        ("www.example.org/p", None), ("/about", "a relative link, and no base URL")]
    assert [m.url for m in discover(text, "markdown", Options(base_url="https://x.org/d/"))] \
        == ["https://x.org/about", "https://www.example.org/p"]


def test_malformed_hrefs_and_xhtml_declarations_do_not_lose_the_page():
    html = ('<?xml version="1.0" encoding="utf-8"?>\n<html><body><p>'
            '<a href="http://[::1">bad</a> <a href="https://example.org/o\nk">ok</a>'
            '</p></body></html>')
    assert [(f.written, f.dropped) for f in findings(html, "html")] == [
        ("http://[::1", Dropped.INVALID), ("https://example.org/ok", None)]


def test_lines_of_many_urls_in_one_html_text_node():
    """Lines are counted in the text node as written (its spaces collapsed as shown), once
    per node: a node of thousands of URLs costs what thousands of nodes do."""
    html = "<p>" + "\n  \n".join(f"https://site{n}.example.org/{n}" for n in range(3000)) + "</p>"
    lines = [f.line for f in findings(html, "html", Options(all_links=True))]
    assert lines == [1 + 2 * n for n in range(3000)]
