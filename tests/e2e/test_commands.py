"""End to end: the ``sourcekeeper`` command in a subprocess, as a user runs it."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from crawler import api
from crawler.core.models import Role
from tests.helpers import FAST, PUTIN, RELATED, ROOT, free_port, run_statuses
from tests.server import Reply, page


def test_crawl_of_the_seed_document(sourcekeeper, documents, server, tmp_path):
    db = tmp_path / "archive.db"
    result = sourcekeeper("crawl", str(documents / "moscow-times.txt"), "--db", str(db), *FAST)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ("1 documents read, 2 URLs found (2 due), "
                                     "2 archived (2 new, 0 changed), 0 unchanged, 0 failed")
    assert result.stderr == ""
    [document] = api.report(db=str(db))
    assert [(source.url, source.role) for source in document.sources] == [
        (server.url(PUTIN), Role.ORIGINAL), (server.url(RELATED), Role.RELATED)]


def test_sourcekeeper_db_environment_variable(sourcekeeper, documents, tmp_path):
    db = tmp_path / "from-env.db"
    result = sourcekeeper("crawl", str(documents / "moscow-times.txt"), *FAST,
                          env={"SOURCEKEEPER_DB": str(db)})
    assert result.returncode == 0, result.stderr
    assert api.status(db=str(db)).snapshots == 2


def test_default_db_is_in_the_working_directory(sourcekeeper, documents, tmp_path):
    result = sourcekeeper("crawl", str(documents / "moscow-times.txt"), *FAST)
    assert result.returncode == 0, result.stderr
    assert api.status(db=str(tmp_path / "sourcekeeper.db")).snapshots == 2


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
    [document] = api.documents(db=str(db))
    assert document.text.startswith("Café ")


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


def terminal_output(leader: int) -> bytes:
    """Everything written to a pseudo-terminal, until the process on it closes it."""
    screen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # closed by the other side
            return screen
        if not chunk:
            return screen
        screen += chunk


def test_warnings_under_the_progress_bar_leave_no_bar_behind(server, tmp_path):
    """On a terminal, a failure logged while the bar is drawn is printed above it, whole."""
    import os
    import pty

    import pyte

    for n in range(8):
        server.route(f"/slow/{n}", Reply(200, b"<html><body><p>slow page</p></body></html>",
                                         {"Content-Type": "text/html"}, delay=0.3))
    doc = tmp_path / "doc.txt"
    doc.write_text("\n".join([*(server.url(f"/slow/{n}") for n in range(8)),
                              server.url("/gone")]) + "\n")
    leader, follower = pty.openpty()
    crawl = subprocess.Popen(
        [sys.executable, "-m", "crawler", "crawl", str(doc), "--db", str(tmp_path / "a.db"),
         *FAST, "-s", "CONCURRENT_REQUESTS=1"], stdout=subprocess.PIPE, stderr=follower,
        cwd=tmp_path, env={**os.environ, "COLUMNS": "100", "TERM": "xterm"})
    os.close(follower)
    screen = terminal_output(leader)
    assert crawl.wait(timeout=120) == 0
    terminal = pyte.Screen(100, 40)
    pyte.ByteStream(terminal).feed(screen)
    shown = [line.rstrip() for line in terminal.display if line.strip()]
    assert any(line.startswith("WARNING: failed http") for line in shown), shown
    assert not any("checking URLs" in line or "━" in line for line in shown), (
        "pieces of the bar are left on the screen", shown)


SNAPSHOT = r" \(snapshot (\d+), taken \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \w+\)"


def test_refetch_outcomes(sourcekeeper, server, tmp_path):
    db = tmp_path / "archive.db"
    url = server.url(RELATED)
    first = sourcekeeper("refetch", url, "--db", str(db), *FAST)
    assert first.returncode == 0, first.stderr
    [snapshot] = re.fullmatch(rf"new{SNAPSHOT}", first.stdout.strip()).groups()
    same = sourcekeeper("refetch", url, "--db", str(db), *FAST, "--utc")
    assert same.returncode == 0
    assert re.fullmatch(rf"unchanged \(snapshot {snapshot}, taken [-\d]+ [:\d]+ UTC\)",
                        same.stdout.strip()), "the snapshot it confirmed, and when it was taken"
    server.route(RELATED, page("putin-offers.html"))
    changed = sourcekeeper("refetch", url, "--db", str(db), *FAST)
    assert changed.returncode == 0
    assert re.fullmatch(r"changed: material: headline changed \('Russia to Withdraw .*"
                        rf"\(\d+ of \d+ sentences changed\){SNAPSHOT}", changed.stdout.strip())
    gone = sourcekeeper("refetch", server.url("/gone"), "--db", str(db), *FAST)
    assert (gone.returncode, gone.stdout.strip()) == (1, "failed: HTTP 404 Not Found")
    assert "failed" not in gone.stderr, "the failure is said once, on stdout"
    assert api.report(db=str(db)) == [], "added with no document"
    assert run_statuses(db) == ["finished"] * 4


def test_refetch_answers_at_once_for_several_urls(sourcekeeper, server, tmp_path):
    """A person waits: one try (no retries of the page or of robots.txt), several URLs, -
    for stdin, and a page robots.txt disallows saved only when asked."""
    server.route("/busy", Reply(503, b"busy"))
    server.route("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /private\n",
                                      {"Content-Type": "text/plain"}))
    server.route("/private", page("putin-offers.html"))
    db = str(tmp_path / "archive.db")
    refused = f"http://127.0.0.1:{free_port()}/"
    result = subprocess.run(
        [sys.executable, "-m", "crawler", "refetch", server.url(RELATED), "-", "--db", db,
         *FAST], input=f"{server.url('/busy')}\n{refused}\n{server.url('/private')}\n",
        capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 1
    lines = result.stdout.strip().splitlines()
    assert re.fullmatch(rf"{re.escape(server.url(RELATED))}  new{SNAPSHOT}", lines[0])
    assert lines[1:] == [
        f"{server.url('/busy')}  failed: HTTP 503 Service Unavailable",
        f"{refused}  failed: connection refused",
        f"{server.url('/private')}  failed: blocked: robots.txt; the site asks robots not to "
        "fetch it: --ignore-robots saves it anyway (for this request only)"]
    assert server.hits("/busy") == 1, "not retried"
    assert server.hits("/robots.txt") == 1
    saved = sourcekeeper("refetch", server.url("/private"), "--ignore-robots", "--db", db, *FAST)
    assert saved.returncode == 0 and saved.stdout.startswith("new (snapshot ")


def test_quiet_prints_only_errors(sourcekeeper, documents, server, tmp_path):
    db = str(tmp_path / "archive.db")
    crawl = sourcekeeper("crawl", str(documents / "moscow-times.txt"), "-q", "--db", db, *FAST)
    assert (crawl.returncode, crawl.stdout, crawl.stderr) == (0, "", "")
    same = sourcekeeper("refetch", server.url(RELATED), "--quiet", "--db", db, *FAST)
    assert (same.returncode, same.stdout, same.stderr) == (0, "", "")
    gone = sourcekeeper("refetch", server.url("/gone"), "-q", "--db", db, *FAST)
    assert (gone.returncode, gone.stdout) == (1, "")
    assert gone.stderr == f"sourcekeeper: {server.url('/gone')}: HTTP 404 Not Found\n"
    export = sourcekeeper("export", "-q", "--db", db, "-o", str(tmp_path / "out.jsonl"))
    assert (export.returncode, export.stdout, export.stderr) == (0, "", "")
    assert len((tmp_path / "out.jsonl").read_text().splitlines()) == 2


def test_log_settings_are_read_as_people_write_them(sourcekeeper, documents, tmp_path):
    """A level in lower case is a level (Scrapy's own counter took only capitals and logged
    a traceback); a level or log file that cannot be is one line, before anything starts."""
    db = str(tmp_path / "archive.db")
    doc = str(documents / "moscow-times.txt")
    crawl = sourcekeeper("crawl", doc, "--db", db, "-s", "LOG_LEVEL=info", *FAST)
    assert crawl.returncode == 0 and "Traceback" not in crawl.stderr
    assert "ERROR" not in crawl.stderr and "INFO: new " in crawl.stderr
    loud = sourcekeeper("crawl", doc, "--db", db, "-s", "LOG_LEVEL=loud", *FAST)
    assert (loud.returncode, loud.stderr) == (2, "sourcekeeper: setting LOG_LEVEL='loud': "
                                                  "expected DEBUG, INFO, WARNING, ERROR or "
                                                  "CRITICAL\n")
    nowhere = str(tmp_path / "missing" / "crawl.log")
    unwritable = sourcekeeper("crawl", doc, "--db", db, "-s", f"LOG_FILE={nowhere}", *FAST)
    assert (unwritable.returncode, unwritable.stderr) == (
        2, f"sourcekeeper: setting LOG_FILE={nowhere!r}: No such file or directory\n")


def test_recheck_a_part_of_the_archive(sourcekeeper, server, tmp_path):
    """crawl --failing, --url, --document check what they name now, due or not."""
    server.route("/down", Reply(503, b"busy"))
    server.route("/fine", page("putin-offers.html"))
    server.route("/other", page("russia-withdraw.html"))
    (tmp_path / "a.txt").write_text(f"See {server.url('/down')} and {server.url('/fine')}.\n")
    (tmp_path / "b.txt").write_text(f"See {server.url('/other')}.\n")
    db = str(tmp_path / "archive.db")
    first = sourcekeeper("crawl", "a.txt", "b.txt", "--db", db, *FAST, "-s", "RETRY_TIMES=0")
    assert first.returncode == 0 and "1 failed" in first.stdout, first.stdout
    hits = {path: server.hits(path) for path in ("/down", "/fine", "/other")}
    server.route("/down", page("russia-withdraw.html"))
    failing = sourcekeeper("crawl", "--failing", "--db", db, *FAST)
    assert failing.returncode == 0, failing.stderr
    assert "1 archived (1 new" in failing.stdout
    assert (server.hits("/fine"), server.hits("/other")) == (hits["/fine"], hits["/other"])
    one = sourcekeeper("crawl", "--url", server.url("/other"), "--db", db, *FAST)
    assert "0 archived (0 new, 0 changed), 1 unchanged" in one.stdout, one.stdout
    assert server.hits("/other") == hits["/other"] + 1 and server.hits("/fine") == hits["/fine"]
    document = sourcekeeper("crawl", "--document", "a.txt", "--db", db, *FAST)
    assert "2 unchanged" in document.stdout, document.stdout
    assert server.hits("/other") == hits["/other"] + 1
    unknown = sourcekeeper("crawl", "--url", "https://nowhere.example/", "--db", db)
    assert (unknown.returncode, unknown.stderr) == (
        1, "sourcekeeper: https://nowhere.example/: not in the archive\n")


def test_an_ipv6_literal_url_is_fetched(sourcekeeper, tmp_path):
    """Scrapy's default resolver is IPv4 only: "DNS lookup failed" for [::1] even allowed."""
    from tests.server import FixtureServer

    with FixtureServer("::1") as six:
        six.route("/story", page("putin-offers.html"))
        result = sourcekeeper("refetch", six.url("/story"), "--db", str(tmp_path / "a.db"),
                              *FAST)
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.startswith("new (snapshot 1, ")
        refused = sourcekeeper("refetch", six.url("/story"), "--db", str(tmp_path / "a.db"))
        assert refused.stdout.strip() == "failed: blocked: private address ::1"


def test_terminal_escapes_from_pages_are_shown_not_obeyed(sourcekeeper, server, tmp_path):
    """An OSC 52 clipboard write in a plain-text page: printed to a terminal, it is
    made visible (U+FFFD) instead of run; to a pipe, it is the text as archived."""
    import os
    import pty

    osc52 = "\x1b]52;c;cm0gLXJmIH4=\x07"
    server.route("/trap", Reply(200, (
        f"Budget {osc52} news\n\n"
        + f"The council budget {osc52}was approved after a long debate on the line items. " * 8
        ).encode(), {"Content-Type": "text/plain; charset=utf-8"}))
    db = str(tmp_path / "a.db")
    assert sourcekeeper("refetch", server.url("/trap"), "--db", db, *FAST).returncode == 0
    leader, follower = pty.openpty()
    search = subprocess.Popen([sys.executable, "-m", "crawler", "search", "budget", "--db", db],
                              stdout=follower, stderr=subprocess.PIPE, cwd=tmp_path)
    os.close(follower)
    screen = terminal_output(leader)
    assert search.wait(timeout=60) == 0
    shown = screen.decode()
    assert "budget" in shown.lower() and "\x1b" not in shown and "\x07" not in shown
    assert "\ufffd]52;c;" in shown
    piped = sourcekeeper("search", "budget", "--db", db, "--json")
    assert "\x1b]52" in piped.stdout or "\\u001b]52" in piped.stdout, "pipes get the archive as is"


def test_schedule_command_runs_crawls_one_after_another(sourcekeeper, documents, tmp_path):
    db = tmp_path / "a.db"
    result = sourcekeeper("schedule", str(documents / "moscow-times.txt"), "--db", str(db),
                          "--every", "1s", "--max-runs", "2", *FAST)
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("documents read") == 2
    assert all(re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} 1 documents read", line)
               for line in result.stdout.splitlines()), "log lines say when"
    assert "run 2 ended with exit code 0" in result.stderr
    assert run_statuses(db) == ["finished", "finished"]


def test_print_cron(sourcekeeper, documents, tmp_path):
    result = sourcekeeper("schedule", str(documents), "--db", "a.db", "--every", "6h",
                          "--print-cron")
    assert result.returncode == 0
    line = result.stdout.strip()
    assert line.startswith("0 */6 * * * ") and " -m crawler crawl " in line
    assert str(documents) in line and f"--db {tmp_path / 'a.db'}" in line
    assert line.endswith(f">> {tmp_path / 'a.db'}.log 2>&1")


def test_scrapy_crawl_from_the_project_root(server, documents, tmp_path):
    db = tmp_path / "scrapy-way.db"
    scrapy = shutil.which("scrapy", path=str(Path(sys.executable).parent))
    result = subprocess.run(
        [scrapy, "crawl", "sources", "-a", f"documents={documents / 'moscow-times.txt'}",
         "-s", f"ARCHIVE_DB={db}", "-s", "FETCH_ALLOW_PRIVATE=1",
         "-s", "AUTOTHROTTLE_START_DELAY=0", "-s", "EXTRACT_WORKERS=0"],
        cwd=ROOT, capture_output=True, text=True, timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "'archive/snapshots/new': 2" in result.stderr
    [document] = api.report(db=str(db))
    assert {source.role for source in document.sources} == {Role.ORIGINAL, Role.RELATED}
    assert run_statuses(db) == ["finished"]


def test_unreachable_hosts_are_one_line_each_not_tracebacks(sourcekeeper, tmp_path):
    from tests.helpers import cite, free_port

    refused = f"http://127.0.0.1:{free_port()}/nothing-here"
    doc = cite(tmp_path / "doc.txt", [refused])
    result = sourcekeeper("crawl", str(doc), "--db", str(tmp_path / "a.db"), *FAST, "-v",
                          "-s", "RETRY_TIMES=0")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr == f"WARNING: failed {refused}: connection refused\n", \
        "one line, said once, with -v too"


def test_a_document_from_stdin(server, tmp_path):
    import subprocess
    import sys

    db = tmp_path / "a.db"
    result = subprocess.run([sys.executable, "-m", "crawler", "crawl", "-", "--db", str(db),
                             *FAST], input=f"Original url: {server.url(PUTIN)}\n",
                            capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("1 documents read, 1 URLs found (1 due), 1 archived")
    [document] = api.report(db=str(db))
    assert document.path == f"stdin ({document.id[:12]})" and document.sources[0].role == Role.ORIGINAL


def test_binary_output_is_not_written_to_a_terminal(sourcekeeper, tmp_path):
    import os
    import pty

    db = tmp_path / "a.db"
    assert sourcekeeper("crawl", "--db", str(db)).returncode == 0, "an empty archive"
    leader, follower = pty.openpty()
    try:
        result = subprocess.run([sys.executable, "-m", "crawler", "export", "--db", str(db),
                                 "--format", "warc"], stdout=follower, stderr=subprocess.PIPE,
                                text=True, cwd=tmp_path, timeout=60)
    finally:
        os.close(follower)
        os.close(leader)
    assert result.returncode == 2
    assert result.stderr.strip() == ("sourcekeeper: WARC is binary: not written to a terminal "
                                     "(use -o FILE, or a pipe) (see 'sourcekeeper export "
                                     "--help')")


def test_verbose_shows_our_lines_and_very_verbose_scrapys(sourcekeeper, documents, tmp_path):
    doc = str(documents / "moscow-times.txt")
    verbose = sourcekeeper("crawl", doc, "--db", str(tmp_path / "a.db"), "-v", *FAST)
    assert verbose.returncode == 0, verbose.stderr
    lines = verbose.stderr.splitlines()
    assert sum(line.startswith("INFO: new http") for line in lines) == 2
    assert not any("Scrapy" in line and "started" in line for line in lines)
    assert "Dumping Scrapy stats" not in verbose.stderr and len(lines) < 20
    chatty = sourcekeeper("crawl", doc, "--db", str(tmp_path / "b.db"), "-vv", *FAST)
    assert "Dumping Scrapy stats" in chatty.stderr


def test_credentials_are_stored_and_printed_nowhere(sourcekeeper, server, tmp_path):
    """A password in a URL asked for, in a redirect's Location, in a Redis URL: grep every
    byte of the archive and every output for it."""
    from tests.server import redirect

    server.route("/story", page("putin-offers.html"))
    server.route("/login-hop", redirect(f"http://reader:s3cretPW2@{server.base[7:]}/story", 302))
    (tmp_path / "doc.txt").write_text(f"See {server.url('/login-hop')} today.\n")
    db = str(tmp_path / "a.db")
    outputs = [
        sourcekeeper("refetch", f"http://reader:s3cretPW1@{server.base[7:]}/story", "--db", db,
                     *FAST),
        sourcekeeper("crawl", "doc.txt", "--db", db, *FAST),
        sourcekeeper("crawl", "--db", db, "--redis",
                     f"redis://:s3cretPW3@127.0.0.1:{free_port()}/0", "--no-ingest",
                     "-s", "RELAY_CONNECT_WAIT=0.2"),
        sourcekeeper("history", server.url("/login-hop"), "--db", db),
        sourcekeeper("export", "--db", db, "--checks"),
        sourcekeeper("export", "--db", db),
        sourcekeeper("report", "--db", db, "--format", "json"),
        sourcekeeper("status", "--db", db, "--json"),
    ]
    assert outputs[0].returncode == 0 and outputs[1].returncode == 0, outputs[1].stderr
    assert outputs[2].returncode == 1 and "Redis does not answer" in outputs[2].stderr
    assert "redirected:" in outputs[3].stdout, "the redirect was followed and recorded"
    assert sourcekeeper("export", "--db", db, "--format", "warc", "-o",
                        str(tmp_path / "a.warc.gz")).returncode == 0
    import gzip
    stored = b"".join(path.read_bytes() for path in tmp_path.glob("a.db*"))
    stored += gzip.decompress((tmp_path / "a.warc.gz").read_bytes())
    printed = "".join(result.stdout + result.stderr for result in outputs)
    assert b"s3cretPW" not in stored and "s3cretPW" not in printed
    assert b"reader:" not in stored, "the user name neither"


def test_pipes_and_links_out_of_the_folder_are_not_read(sourcekeeper, server, tmp_path):
    """A FIFO named like a document hung the crawl forever; a link to /etc/... was archived
    and indexed."""
    import os

    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "story.txt").write_text(f"See {server.url('/climate')}.\n")
    os.mkfifo(notes / "pipe.txt")
    secret = tmp_path / "private" / "diary.txt"
    secret.parent.mkdir()
    secret.write_text(f"My secret diary cites {server.url('/loneliest')}.\n")
    (notes / "leak.txt").symlink_to(secret)
    (notes / "inside.txt").symlink_to(notes / "story.txt")
    db = str(tmp_path / "a.db")
    result = sourcekeeper("crawl", "notes", "--db", db, *FAST, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("2 documents read (2 skipped), 1 URLs found")
    warnings = sorted(line for line in result.stderr.splitlines() if "skipped" in line)
    assert warnings == [
        f"WARNING: skipped notes/leak.txt: a link to {secret}, outside notes "
        "(DOCUMENT_FOLLOW_LINKS or --follow-links reads it)",
        "WARNING: skipped notes/pipe.txt: not a regular file (a pipe, a device or a socket)"]
    assert api.search("secret diary", db=db) == []
    listed = sourcekeeper("urls", "notes", "--format", "json", timeout=60)
    assert "diary" not in listed.stdout and "loneliest" not in listed.stdout
    followed = sourcekeeper("crawl", "notes", "--follow-links", "--db", db, *FAST, timeout=60)
    assert followed.returncode == 0 and "(1 skipped)" in followed.stdout
    assert api.search("secret diary", db=db)


def test_a_crawl_with_nothing_due_ends_without_starting_scrapy(sourcekeeper, documents,
                                                                 tmp_path):
    db = str(tmp_path / "a.db")
    assert sourcekeeper("crawl", str(documents / "moscow-times.txt"), "--db", db,
                        *FAST).returncode == 0
    again = sourcekeeper("crawl", "--db", db, "-v", *FAST)
    assert again.returncode == 0, again.stderr
    assert again.stdout.strip() == ("0 documents read, 2 URLs found (0 due), 0 archived "
                                    "(0 new, 0 changed), 0 unchanged, 0 failed")
    assert "Spider opened" not in again.stderr and "extraction" not in again.stderr.lower()
    assert run_statuses(Path(db)) == ["finished", "finished"]
