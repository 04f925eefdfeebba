"""``sourcekeeper urls``: what a crawl would cite, without fetching or writing anything."""

from __future__ import annotations

import csv
import io
import json

from click.testing import CliRunner

from crawler.cli import cli
from tests.helpers import FIXTURES, PUTIN, RELATED

SEED = FIXTURES / "seed.txt"
WEB = "https://www.themoscowtimes.com"


def test_the_seed_gives_its_original_and_related_urls(invoke):
    result = invoke("urls", str(SEED))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"{SEED}:39  original  {WEB}{PUTIN}",
        f"{SEED}:42  related   {WEB}{RELATED}",
    ]


def test_json_and_csv_say_what_was_dropped_and_why(invoke, tmp_path):
    doc = tmp_path / "notes.md"
    doc.write_text("Source: https://Example.org/a?utm_source=x#top\n\n"
                   "![logo](https://example.org/logo.png) `https://example.org/code`\n"
                   "and https://-bad-.example/x\n")
    rows = [json.loads(line) for line in invoke("urls", str(doc), "--format", "json")
            .stdout.splitlines()]
    assert [(r["line"], r["role"], r["url"], r["dropped"]) for r in rows] == [
        (1, "original", "https://example.org/a", None),
        (3, "cited", "https://example.org/logo.png", "an image"),
        (4, "cited", None, "not a valid http(s) URL"),
        (3, "cited", None, "in code")]
    assert rows[0]["written"] == "https://Example.org/a?utm_source=x#top"
    table = list(csv.DictReader(io.StringIO(invoke("urls", str(doc), "--format", "csv").stdout)))
    assert [row["dropped"] for row in table] == ["", "an image", "not a valid http(s) URL",
                                                 "in code"]


def test_exclusions_and_all_links(invoke, tmp_path):
    doc = tmp_path / "notes.txt"
    doc.write_text("https://ads.example.com/x and https://example.org/a?share=1 "
                   "and https://example.org/b\n")
    result = invoke("urls", str(doc), "--exclude", "*share=*", "-s",
                    "EXCLUDE_HOSTS=ads.example.com")
    assert [line.split()[-1] for line in result.stdout.splitlines()
            if " cited " in line] == ["https://example.org/b"]
    assert "excluded (host ads.example.com)" in result.stdout
    assert "excluded (pattern *share=*)" in result.stdout


def test_stdin_and_unreadable_documents(tmp_path):
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0" + bytes(64))
    result = CliRunner().invoke(cli, ["urls", "-", str(tmp_path)],
                                input="Original url: https://example.org/piped\n")
    assert result.exit_code == 0
    assert result.stdout.splitlines() == ["-:1  original  https://example.org/piped"]
    assert result.stderr.strip() == (
        f"sourcekeeper: warning: skipped {tmp_path / 'old.doc'}: a Word 97-2003 document, "
        "which sourcekeeper does not read (save it as PDF, DOCX or text)")


def test_markdown_on_stdin_is_read_as_markdown():
    """No file name says so: a link, a fence or a heading does. Its code is not cited and a
    link whose text is its URL is one finding."""
    piped = ("# Notes\n\nSee [https://example.org/a](https://example.org/a) and "
             "`curl https://example.org/not-cited`.\n")
    result = CliRunner().invoke(cli, ["urls", "-", "--format", "json"], input=piped)
    assert result.exit_code == 0, result.output
    findings = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(found["written"], found["dropped"]) for found in findings] == [
        ("https://example.org/a", None), ("https://example.org/not-cited", "in code")]
