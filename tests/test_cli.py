"""End to end: the ``sourcekeeper`` command in a subprocess against a local fixture site."""

from __future__ import annotations

import json
import re

from tests.conftest import FAST, PUTIN, RELATED, rows
from tests.server import Reply, page


def test_crawl_archives_every_cited_source(sourcekeeper, documents, server, tmp_path):
    db = tmp_path / "archive.db"
    result = sourcekeeper("crawl", str(documents), "--db", str(db), "--all", *FAST)
    assert result.returncode == 0, result.stderr
    summary = result.stdout.strip().splitlines()[-1]
    assert summary == ("4 documents read (2 skipped), 8 URLs found (8 due), "
                       "7 archived (7 new, 0 changed), 0 unchanged, 1 failed")
    assert "binary.txt" in result.stderr and "empty.md" in result.stderr
    assert "Traceback" not in result.stderr
    assert server.hits(PUTIN) == 1, "a URL cited twice is fetched once"

    snapshots = {row["path"]: row for row in rows(
        db, "SELECT snapshots.*, replace(urls.url, ?, '') AS path FROM snapshots"
            " JOIN urls ON urls.id = url_id",
        server.base)}
    putin = snapshots[PUTIN]
    assert putin["status"] == 200 and putin["title"].startswith("Putin Offers to Meet")
    assert "welcome in Moscow" in putin["text"] and "Cookie settings" not in putin["text"]
    assert putin["author"] == "AFP" and putin["date"] == "2021-04-22"
    assert putin["language"] == "en" and putin["sitename"] == "The Moscow Times"
    assert snapshots["/old/maudlin"]["final_url"] == server.url("/words/maudlin.html")
    assert "maudlin" in snapshots["/old/maudlin"]["text"].lower()
    pdf = snapshots["/files/report.pdf"]
    assert pdf["content_type"] == "application/pdf" and pdf["text"] is None
    assert "redress the climate crisis" in snapshots["/climate"]["text"]
    assert "Shoigu" in snapshots["/flaky"]["text"], "a 503 is retried until it recovers"
    assert server.hits("/flaky") == 2
    assert "sisters Ann and Nancy Wilson" in snapshots["/loneliest"]["text"], "gunzipped"

    failures = rows(db, "SELECT urls.url, checks.* FROM checks JOIN urls ON urls.id = url_id"
                        " WHERE outcome = 'failed'")
    assert [(f["url"], f["reason"], f["status"]) for f in failures] == [
        (server.url("/gone"), "HTTP 404 Not Found", 404)]

    run = rows(db, "SELECT * FROM runs")[0]
    assert (run["status"], run["documents"], run["new"], run["failed"]) == ("finished", 4, 7, 1)


def test_seed_document_roles_and_rejoined_url(sourcekeeper, documents, server, tmp_path):
    db = tmp_path / "archive.db"
    result = sourcekeeper("crawl", str(documents / "moscow-times.txt"), "--db", str(db), *FAST)
    assert result.returncode == 0, result.stderr
    mentions = rows(db, "SELECT urls.url, role, anchor FROM mentions"
                        " JOIN urls ON urls.id = url_id ORDER BY line")
    assert mentions == [
        {"url": server.url(PUTIN), "role": "original", "anchor": None},
        {"url": server.url(RELATED), "role": "related",
         "anchor": "Russia to Withdraw Troops From Ukraine Border, Crimea"},
    ]
    assert len(rows(db, "SELECT * FROM snapshots")) == 2
    document = rows(db, "SELECT * FROM documents")[0]
    assert "Russian President Vladimir Putin said on Thursday" in document["text"]


def test_recrawl_of_unchanged_pages_stores_nothing_new(sourcekeeper, documents, tmp_path):
    db = tmp_path / "archive.db"
    assert sourcekeeper("crawl", str(documents), "--db", str(db), "--all", *FAST).returncode == 0
    bodies = rows(db, "SELECT sha256 FROM bodies")
    again = sourcekeeper("crawl", str(documents), "--db", str(db), "--all", *FAST)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip().endswith(
        "0 archived (0 new, 0 changed), 7 unchanged, 1 failed")
    assert rows(db, "SELECT sha256 FROM bodies") == bodies
    assert len(rows(db, "SELECT * FROM snapshots")) == 7
    assert len(rows(db, "SELECT * FROM documents")) == 4
    outcomes = rows(db, "SELECT outcome, count(*) AS n FROM checks GROUP BY outcome")
    assert {o["outcome"]: o["n"] for o in outcomes} == {"new": 7, "unchanged": 7, "failed": 2}


def test_changed_page_gets_a_new_snapshot(sourcekeeper, documents, server, tmp_path):
    db = tmp_path / "archive.db"
    doc = str(documents / "moscow-times.txt")
    assert sourcekeeper("crawl", doc, "--db", str(db), *FAST).returncode == 0
    server.route(RELATED, page("putin-offers.html"))
    result = sourcekeeper("crawl", doc, "--db", str(db), "--all", *FAST)
    assert result.stdout.strip().endswith("1 archived (0 new, 1 changed), 1 unchanged, 0 failed")
    texts = rows(db, "SELECT text FROM snapshots JOIN urls ON urls.id = url_id"
                     " WHERE urls.url = ? ORDER BY snapshots.id", server.url(RELATED))
    assert "Shoigu on Thursday ordered troops" in texts[0]["text"]
    assert "welcome in Moscow" in texts[1]["text"]


def test_export_jsonl(sourcekeeper, documents, server, tmp_path):
    db = tmp_path / "archive.db"
    assert sourcekeeper("crawl", str(documents / "moscow-times.txt"), "--db", str(db),
                        *FAST).returncode == 0
    out = tmp_path / "snapshots.jsonl"
    result = sourcekeeper("export", "--db", str(db), "--format", "jsonl", "-o", str(out))
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(records) == 2
    by_url = {record["url"]: record for record in records}
    putin = by_url[server.url(PUTIN)]
    for key in ("url", "final_url", "fetched_at", "status", "content_type", "title", "author",
                "date", "text", "body_sha256", "text_sha256", "documents"):
        assert key in putin
    assert putin["fetched_at"].endswith("Z") and putin["status"] == 200
    assert putin["title"].startswith("Putin Offers") and len(putin["body_sha256"]) == 64
    [cited_by] = putin["documents"]
    assert cited_by["role"] == "original" and cited_by["path"].endswith("moscow-times.txt")
    assert by_url[server.url(RELATED)]["documents"][0]["role"] == "related"

    stdout = sourcekeeper("export", "--db", str(db))
    assert [json.loads(line)["url"] for line in stdout.stdout.splitlines()] == [
        record["url"] for record in records]


def test_sourcekeeper_db_environment_variable(sourcekeeper, documents, tmp_path):
    db = tmp_path / "from-env.db"
    result = sourcekeeper("crawl", str(documents / "moscow-times.txt"), *FAST,
                          env={"SOURCEKEEPER_DB": str(db)})
    assert result.returncode == 0, result.stderr
    assert len(rows(db, "SELECT * FROM snapshots")) == 2


def test_default_db_is_in_the_working_directory(sourcekeeper, documents, tmp_path):
    result = sourcekeeper("crawl", str(documents / "moscow-times.txt"), *FAST)
    assert result.returncode == 0, result.stderr
    assert len(rows(tmp_path / "sourcekeeper.db", "SELECT * FROM snapshots")) == 2


def test_unusable_archive_is_a_one_line_error(sourcekeeper, documents, tmp_path):
    not_a_db = tmp_path / "notes.db"
    not_a_db.write_text("these are my notes, not a database\n" * 100)
    result = sourcekeeper("crawl", str(documents), "--db", str(not_a_db), *FAST)
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"sourcekeeper: cannot open archive {not_a_db}: file is not a database")
    assert not_a_db.read_text().startswith("these are my notes")

    missing = tmp_path / "no" / "such" / "folder.db"
    result = sourcekeeper("export", "--db", str(missing))
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"sourcekeeper: cannot open archive {missing}: its folder does not exist")


def test_usage_errors_exit_2(sourcekeeper, tmp_path):
    result = sourcekeeper("crawl", str(tmp_path / "missing-folder"))
    assert result.returncode == 2 and "does not exist" in result.stderr
    result = sourcekeeper("crawl", str(tmp_path), "-s", "NOEQUALS")
    assert result.returncode == 2 and "expected KEY=VALUE" in result.stderr
    result = sourcekeeper("export", "--format", "pdf")
    assert result.returncode == 2 and "Invalid value for '--format'" in result.stderr


def test_every_command_help_ends_with_an_example(sourcekeeper):
    from crawler.cli import cli

    for name in cli.commands:
        result = sourcekeeper(name, "--help")
        assert result.returncode == 0
        lines = [line.strip() for line in result.stdout.splitlines() if line.strip()]
        example_at = lines.index("Example:")
        assert lines[example_at + 1].startswith(f"sourcekeeper {name}")


def test_refetch_outcomes(sourcekeeper, server, tmp_path):
    db = tmp_path / "archive.db"
    url = server.url(RELATED)
    first = sourcekeeper("refetch", url, "--db", str(db), *FAST)
    assert (first.returncode, first.stdout.strip()) == (0, "new"), first.stderr
    same = sourcekeeper("refetch", url, "--db", str(db), *FAST)
    assert (same.returncode, same.stdout.strip()) == (0, "unchanged")
    server.route(RELATED, page("putin-offers.html"))
    changed = sourcekeeper("refetch", url, "--db", str(db), *FAST)
    assert changed.returncode == 0
    assert re.fullmatch(r"changed: \+\d+ words, -\d+ words, \d+% similar", changed.stdout.strip())
    gone = sourcekeeper("refetch", server.url("/gone"), "--db", str(db), *FAST)
    assert (gone.returncode, gone.stdout.strip()) == (1, "failed: HTTP 404 Not Found")
    assert rows(db, "SELECT count(*) AS n FROM mentions") == [{"n": 0}], "added with no document"


def test_refetch_rejects_what_is_not_a_url(sourcekeeper, tmp_path):
    result = sourcekeeper("refetch", "file:///etc/passwd", "--db", str(tmp_path / "a.db"))
    assert result.returncode == 2
    assert result.stderr.strip() == "sourcekeeper: file:///etc/passwd: not an http(s) URL"


def test_hostile_documents_are_skipped_with_one_line_each(sourcekeeper, server, tmp_path):
    docs = tmp_path / "hostile"
    docs.mkdir()
    (docs / "huge.txt").write_text(f"{server.url(PUTIN)}\n" + "x" * 5000)
    (docs / "photo.md").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    (docs / "nul.txt").write_bytes(b"text\x00" * 100)
    (docs / "zero.html").write_bytes(b"")
    (docs / "ok.txt").write_bytes(f"Caf\xe9 {server.url(RELATED)}\n".encode("latin-1"))
    db = tmp_path / "archive.db"
    result = sourcekeeper("crawl", str(docs), "--db", str(db), *FAST,
                          "-s", "DOCUMENT_MAX_BYTES=1000")
    assert result.returncode == 0, result.stderr
    warnings = sorted(result.stderr.strip().splitlines())
    assert warnings == [
        f"WARNING: skipped {docs / 'huge.txt'}: larger than the 1,000-byte document limit",
        f"WARNING: skipped {docs / 'nul.txt'}: binary file",
        f"WARNING: skipped {docs / 'photo.md'}: binary file (PNG image)",
        f"WARNING: skipped {docs / 'zero.html'}: empty file",
    ]
    assert result.stdout.startswith("1 documents read (4 skipped), 1 URLs found")
    assert rows(db, "SELECT text FROM documents")[0]["text"].startswith("Café ")


def test_plain_progress_lines_when_not_on_a_terminal(sourcekeeper, server, tmp_path):
    for n in range(6):
        server.route(f"/slow/{n}", Reply(200, b"<html><body><p>slow page</p></body></html>",
                                         {"Content-Type": "text/html"}, delay=0.4))
    doc = tmp_path / "doc.txt"
    doc.write_text("\n".join(server.url(f"/slow/{n}") for n in range(6)) + "\n")
    result = sourcekeeper("crawl", str(doc), "--db", str(tmp_path / "a.db"), *FAST,
                          "-s", "PROGRESS_INTERVAL=0.5", "-s", "CONCURRENT_REQUESTS=1")
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("progress: ")]
    assert lines and re.fullmatch(r"progress: \d/6 URLs checked, 0 failed, [\d.]+ pages/s",
                                  lines[-1])
    assert "\x1b[" not in result.stderr, "no terminal codes in a log"
