"""Exports: JSONL and CSV with the same columns, filters, and no half-written files."""

from __future__ import annotations

import csv
import io
import json

import pytest

from crawler.outputs.files import output
from crawler.errors import OutputError as ExportError
from tests.conftest import FAST, RELATED
from tests.server import page


@pytest.fixture
def archive_db(sourcekeeper, documents, server, tmp_path):
    """Two crawls of the seed document; the related page changed in between."""
    db = tmp_path / "archive.db"
    doc = str(documents / "moscow-times.txt")
    assert sourcekeeper("crawl", doc, "--db", str(db), *FAST).returncode == 0
    server.route(RELATED, page("putin-offers.html"))
    assert sourcekeeper("crawl", doc, "--db", str(db), "--all", *FAST).returncode == 0
    return db


def jsonl(sourcekeeper, db, *args):
    result = sourcekeeper("export", "--db", str(db), *args)
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_csv_has_the_jsonl_columns_and_quotes_text(sourcekeeper, archive_db):
    records = jsonl(sourcekeeper, archive_db)
    result = sourcekeeper("export", "--db", str(archive_db), "--format", "csv")
    table = list(csv.DictReader(io.StringIO(result.stdout)))
    assert len(table) == len(records) == 3
    assert list(table[0]) == list(records[0])
    for row, record in zip(table, records, strict=True):
        assert row["text"] == record["text"] and "\n" in row["text"]
        assert json.loads(row["documents"]) == record["documents"]
        assert row["status"] == str(record["status"])


def test_filters(sourcekeeper, archive_db, server, documents):
    related = server.url(RELATED)
    assert len(jsonl(sourcekeeper, archive_db, "--url", related)) == 2
    [latest] = jsonl(sourcekeeper, archive_db, "--url", related, "--latest")
    assert "welcome in Moscow" in latest["text"]
    assert len(jsonl(sourcekeeper, archive_db, "--latest")) == 2
    assert len(jsonl(sourcekeeper, archive_db, "--document",
                     str(documents / "moscow-times.txt"))) == 3
    assert jsonl(sourcekeeper, archive_db, "--until", "2000-01-01") == []
    assert len(jsonl(sourcekeeper, archive_db, "--since", "2000-01-01")) == 3
    missing = sourcekeeper("export", "--db", str(archive_db), "--url", server.url("/nope"))
    assert missing.returncode == 1
    assert missing.stderr.strip() == f"sourcekeeper: {server.url('/nope')}: not in the archive"
    bad = sourcekeeper("export", "--db", str(archive_db), "--since", "yesterday")
    assert bad.returncode == 2 and "not an ISO date" in bad.stderr


def test_failed_export_leaves_the_previous_file(tmp_path):
    target = tmp_path / "out.jsonl"
    target.write_text("previous export\n")
    with pytest.raises(RuntimeError):
        with output(str(target)) as stream:
            stream.write("half")
            raise RuntimeError("interrupted")
    assert target.read_text() == "previous export\n"
    assert list(tmp_path.iterdir()) == [target]
    with pytest.raises(ExportError, match="No such file or directory"):
        with output(str(tmp_path / "missing" / "out.jsonl")):
            pass
