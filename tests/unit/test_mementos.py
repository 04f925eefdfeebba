"""The web archives' answers, their URL shapes, and which capture is kept (crawler.core)."""

from __future__ import annotations

import json

import pytest

from crawler.core.document_dates import written_in
from crawler.core.memento_parsing import (
    cited_copies, from_timestamp, parse_availability, parse_cdx, parse_endpoints,
    parse_timemap, raw_uri, unwrap,
)
from crawler.core.mementos import Memento, Scored, choose, relative, shortlist
from crawler.core.models import Document, Mention, Role

IA = "https://web.archive.org"


def memento(day: str, digest: str | None = None, status: int | None = 200) -> Memento:
    stamp = day.replace("-", "") + "120000"
    return Memento("web.archive.org", f"{IA}/web/{stamp}/https://example.com/a",
                   from_timestamp(stamp), "https://example.com/a", digest, status)


def test_cdx_rows_become_mementos_with_their_digest_and_status():
    answer = json.dumps([["timestamp", "original", "statuscode", "digest", "mimetype"],
                         ["20240101000000", "https://example.com/a", "200", "AAA", "text/html"],
                         ["2024", "https://example.com/a", "200", "BBB", "text/html"],
                         ["not-a-time", "https://example.com/a", "200", "CCC", "text/html"]])
    found = parse_cdx(answer, IA, "https://example.com/a")
    assert [(m.uri, m.datetime, m.digest, m.status) for m in found] == [
        (f"{IA}/web/20240101000000/https://example.com/a", "2024-01-01T00:00:00.000Z", "AAA",
         200),
        (f"{IA}/web/2024/https://example.com/a", "2024-01-01T00:00:00.000Z", "BBB", 200)]
    assert parse_cdx("[]", IA, "x") == []
    with pytest.raises(ValueError):
        parse_cdx('{"error": "not rows"}', IA, "x")


def test_the_availability_answer_gives_its_closest_capture_or_nothing():
    answer = {"archived_snapshots": {"closest": {
        "available": True, "status": "200", "timestamp": "20250620101010",
        "url": f"{IA}/web/20250620101010/https://example.com/a"}}}
    [found] = parse_availability(json.dumps(answer), IA, "https://example.com/a")
    assert found.datetime == "2025-06-20T10:10:10.000Z"
    assert parse_availability('{"archived_snapshots": {}}', IA, "x") == []


def test_a_timemap_lists_its_mementos_with_dates_and_archives_whatever_the_commas():
    text = ('<https://example.com/a>; rel="original",\n'
            '<https://tm.example/timemap/link/https://example.com/a>; rel="self"; '
            'type="application/link-format",\n'
            f'<{IA}/web/20000620180259/https://example.com/a>; rel="first memento"; '
            'datetime="Tue, 20 Jun 2000 18:02:59 GMT",\n'
            '<https://archive.ph/AbCd1>; rel="memento"; datetime="Wed, 21 Jun 2000 18:02:59 GMT"')
    found = parse_timemap(text, "https://example.com/a")
    assert [(m.archive, m.datetime) for m in found] == [
        ("web.archive.org", "2000-06-20T18:02:59.000Z"), ("archive.ph", "2000-06-21T18:02:59.000Z")]


def test_raw_bytes_come_from_the_id_mode_of_wayback_style_archives_only():
    assert raw_uri(memento("2024-01-01")) == \
        f"{IA}/web/20240101120000id_/https://example.com/a"
    other = Memento("archive.ph", "https://archive.ph/AbCd1", "2024-01-01T00:00:00.000Z", "x")
    assert raw_uri(other) == "https://archive.ph/AbCd1"


@pytest.mark.parametrize(("cited", "original", "when"), [
    (f"{IA}/web/20240101000000/https://example.com/a?x=1", "https://example.com/a?x=1",
     "2024-01-01T00:00:00.000Z"),
    (f"{IA}/web/20240101000000id_/http://example.com/", "http://example.com/",
     "2024-01-01T00:00:00.000Z"),
    ("https://archive.ph/2024.01.01-101010/https://example.com/b", "https://example.com/b",
     "2024-01-01T10:10:10.000Z"),
    ("http://pywb.local:8080/web/20230315/https:/example.com/c", "https://example.com/c",
     "2023-03-15T00:00:00.000Z"),
    ("https://wayback.archive-it.org/all/20230315000000/https://example.com/d",
     "https://example.com/d", "2023-03-15T00:00:00.000Z"),
])
def test_an_archived_copy_cited_unwraps_to_its_original_and_date(cited, original, when):
    found, copy = unwrap(cited)
    assert (found, copy.datetime) == (original, when)


@pytest.mark.parametrize("plain", [
    "https://example.com/web/20240101000000/about", "https://archive.ph/AbCd1",
    "https://perma.cc/ABCD-1234", "https://example.com/2024/01/01/story",
    "https://example.com/archive/20240101/https://other.org/x"])
def test_other_urls_do_not_unwrap(plain):
    assert unwrap(plain) is None


def test_a_document_citing_a_wayback_link_cites_the_original_and_the_copy():
    link = f"{IA}/web/20240101000000/https://example.com/a"
    mentions = [Mention(link, link, link, Role.ORIGINAL, "the story", 3),
                Mention("https://example.com/b", "https://example.com/b",
                        "https://example.com/b")]
    kept, copies = cited_copies(mentions)
    assert [(m.url, m.role, m.anchor, m.written) for m in kept] == [
        ("https://example.com/a", Role.ORIGINAL, "the story", link),
        ("https://example.com/b", Role.CITED, None, "https://example.com/b")]
    assert [(c.uri, c.original) for c in copies] == [(link, "https://example.com/a")]


def test_endpoints_are_read_from_the_setting_and_a_bad_one_is_named():
    found = parse_endpoints("wayback=https://web.archive.org, timemap=https://tt.example/tm/")
    assert [(e.kind, e.name) for e in found] == [("wayback", "web.archive.org"),
                                                 ("timemap", "tt.example")]
    with pytest.raises(ValueError, match="ftp://x"):
        parse_endpoints("wayback=ftp://x")


def test_the_shortlist_keeps_distinct_successful_captures_nearest_before_the_date_first():
    captures = [memento("2025-01-01", "A"), memento("2025-06-01", "B"),
                memento("2025-06-02", "B"),  # the same payload again
                memento("2025-06-20", "C"), memento("2025-06-25", "D", status=404),
                memento("2025-08-01", "E"), memento("2025-09-01", "F")]
    chosen = shortlist(captures, "2025-07-03T00:00:00.000Z", 2)
    assert [m.datetime[:10] for m in chosen] == ["2025-06-20", "2025-06-01", "2025-08-01"]


def test_the_capture_kept_is_the_one_before_the_document_carrying_its_quotes():
    before_with = Scored(memento("2025-06-01"), 0.6, ("a quote",), 1)
    nearest_without = Scored(memento("2025-07-02"), 0.7, (), 1)
    after_with = Scored(memento("2025-08-01"), 0.9, ("a quote",), 1)
    written = "2025-07-03T00:00:00.000Z"
    assert choose([nearest_without, before_with, after_with], written) is before_with
    # Nothing before supports it: a later capture that does beats an earlier one that does not.
    assert choose([nearest_without.__class__(nearest_without.memento, 0.0), after_with],
                  written) is after_with
    # Nothing supports it anywhere: the nearest before the document.
    bare = [Scored(memento("2025-06-01"), 0.0), Scored(memento("2025-07-01"), 0.0)]
    assert choose(bare, written) is bare[1]
    assert choose([], written) is None


def test_a_capture_date_is_said_against_the_document_date():
    assert relative("2025-06-20T10:00:00.000Z", "2025-07-03T00:00:00.000Z") == \
        "taken 2025-06-20, 13 days before the document (2025-07-03)"
    assert "after the document" in relative("2025-08-01T00:00:00.000Z",
                                            "2025-07-03T00:00:00.000Z")
    assert relative("2025-08-01T00:00:00.000Z", None) == "taken 2025-08-01"


def _document(text: str, kind: str = "text", content: str | None = None) -> Document:
    return Document("id", "doc", kind, "utf-8", len(text), text, content)


@pytest.mark.parametrize(("text", "expected"), [
    ("Published: 2025-07-03\n\nBody.", "2025-07-03T00:00:00.000Z"),
    ("Posted on July 3, 2025 by the desk\nBody.", "2025-07-03T00:00:00.000Z"),
    ("Date: 3 Jul 2025\nBody.", "2025-07-03T00:00:00.000Z"),
    ("Updated 2025-07-03T08:30:00+02:00", "2025-07-03T06:30:00.000Z"),
    ("No date at all, only 2025 mentioned.", None),
    ("Published: 2025-02-30", None),
])
def test_a_text_document_says_when_it_was_written_near_its_top(text, expected):
    assert written_in(_document(text)) == expected


def test_an_html_document_gives_its_publication_date_from_its_metadata():
    markup = ('<html><head><meta property="article:published_time" '
              'content="2021-04-22T10:15:00Z"></head><body><p>Text</p></body></html>')
    assert written_in(_document("Text", "html", markup)) == "2021-04-22T10:15:00.000Z"


def test_odd_answers_and_links_are_skipped_not_fatal():
    rows = json.dumps([["timestamp", "original", "statuscode", "digest", "mimetype"],
                       ["20241301000000", "https://example.com/a", "200", "A", "text/html"],
                       ["20240101000060", "https://example.com/a", "200", "B", "text/html"],
                       ["20240102000000", "https://example.com/a", "200", "C", "text/html"]])
    assert [m.digest for m in parse_cdx(rows, IA, "https://example.com/a")] == ["C"]
    bad = {"archived_snapshots": {"closest": {"available": True, "timestamp": "20241301000000",
                                              "url": f"{IA}/web/20241301000000/x"}}}
    assert parse_availability(json.dumps(bad), IA, "x") == []
    assert unwrap("https://archive.ph/2024.13.01-000000/https://example.com/a") is None
