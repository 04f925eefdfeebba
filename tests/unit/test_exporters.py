"""CSV for Excel: a cell longer than Excel takes is cut, and says so."""

from __future__ import annotations

import csv
import io

from crawler.core.models import Outcome
from crawler.core.views import CheckRecord
from crawler.outputs.exporters import EXCEL_CELL, write_csv


def test_a_long_cell_is_cut_for_excel_with_a_marker():
    record = CheckRecord("https://example.org/", "2026-01-01T00:00:00.000Z", 500,
                         Outcome.FAILED, "x" * 40000, None, (), None)
    out = io.StringIO()
    assert write_csv([record], out, checks=True, excel=True) == 1
    [row] = csv.DictReader(io.StringIO(out.getvalue().lstrip("\ufeff")))
    assert len(row["reason"]) == EXCEL_CELL and row["reason"].endswith("…[truncated]")
    plain = io.StringIO()
    write_csv([record], plain, checks=True)
    [row] = csv.DictReader(io.StringIO(plain.getvalue()))
    assert len(row["reason"]) == 40000, "only --excel cuts"


def test_line_breaks_from_anywhere_never_break_a_warc_header():
    """A final URL, a header value, an address or a redirect carrying CR/LF (a rogue item,
    a hostile server) cannot add a header or a record: warcio check passed such files."""
    import io

    from warcio.archiveiterator import ArchiveIterator

    from crawler.core.models import Hop
    from crawler.core.views import SnapshotRecord
    from crawler.outputs.warc import write_warc

    smuggled = "\r\nWARC-Type: resource\r\nWARC-Target-URI: http://victim.example/\r\n"
    record = SnapshotRecord(
        id=1, url="http://a.example/x", canonical_url="http://a.example/x",
        final_url=f"http://a.example/y{smuggled}",
        redirects=(Hop(url="http://a.example/x", status=301,
                       location=f"http://a.example/y{smuggled}",
                       headers=(("Location", f"http://a.example/y{smuggled}"),)),),
        fetched_at="2026-11-25T12:00:00.000Z", status=200, content_type="text/html",
        title="T", author=None, date=None, sitename=None, language=None, text="Text.",
        body_sha256="b" * 64, body_size=5, text_sha256=None, raw_sha256=None,
        ip_address=f"93.184.216.34{smuggled}", protocol="HTTP/1.1",
        headers=(("Content-Type", "text/html"), ("X-Evil", f"1{smuggled}")),
        request_headers=(("User-Agent", f"ua{smuggled}"),), metadata={}, documents=())
    out = io.BytesIO()
    assert write_warc([record], out, body=lambda sha: b"<p>Text.</p>") == 1
    out.seek(0)
    records = list(ArchiveIterator(out))
    assert [r.rec_type for r in records] == [
        "warcinfo", "response", "request", "response", "request", "conversion", "metadata"]
    targets = [r.rec_headers.get_header("WARC-Target-URI") for r in records[1:]]
    assert "http://victim.example/" not in targets
    assert all("\r" not in (t or "") and "\n" not in (t or "") for t in targets)
    assert records[3].rec_headers.get_header("WARC-Target-URI").startswith(
        "http://a.example/y%0D%0AWARC-Type")
    for r in records:
        assert len(r.rec_headers.get_all("WARC-Type") if hasattr(r.rec_headers, "get_all")
                   else [1]) <= 1
        if r.http_headers is not None:
            assert all("\n" not in value for _, value in r.http_headers.headers)


def test_an_atom_feed_stays_well_formed_whatever_pages_say():
    import io

    import feedparser

    from crawler.core.models import Outcome
    from crawler.core.views import Change
    from crawler.outputs.atom import write_atom

    hostile = Change(url="https://a.example/?a=1&b=<2>", snapshots=2,
                     changed_at="2026-11-25T12:00:00.000Z", outcome=Outcome.CHANGED,
                     summary="headline changed ('</summary><script>x</script>' → '\x00\x1b]52')",
                     material=True, snapshot_id=7, documents=("notes/a&b.md",))
    out = io.StringIO()
    assert write_atom([hostile], out, archive="/tmp/a.db") == 1
    feed = feedparser.parse(out.getvalue())
    assert not feed.bozo, feed.bozo_exception
    [entry] = feed.entries
    assert entry.link == "https://a.example/?a=1&b=<2>"
    assert "</summary><script>" in entry.summary and "notes/a&b.md" in entry.summary
