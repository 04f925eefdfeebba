"""Usage errors and unusable archives: one ``sourcekeeper:`` line and the right exit code,
before anything is fetched; every command's help ends with an example."""

from __future__ import annotations

import pytest

from crawler.cli import cli
from tests.helpers import help_examples


def test_unusable_archive_is_a_one_line_error(invoke, tmp_path):
    not_a_db = tmp_path / "notes.db"
    not_a_db.write_text("these are my notes, not a database\n" * 100)
    result = invoke("crawl", str(tmp_path), "--db", str(not_a_db))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"sourcekeeper: cannot open archive {not_a_db}: file is not a database")
    assert not_a_db.read_text().startswith("these are my notes")

    missing = tmp_path / "no" / "such" / "folder.db"
    result = invoke("export", "--db", str(missing))
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"sourcekeeper: cannot open archive {missing}: its folder does not exist")


def test_usage_errors_exit_2(invoke, tmp_path):
    result = invoke("crawl", str(tmp_path / "missing-folder"))
    assert result.exit_code == 2 and "does not exist" in result.stderr
    result = invoke("crawl", str(tmp_path), "-s", "NOEQUALS")
    assert result.exit_code == 2 and "expected KEY=VALUE" in result.stderr
    result = invoke("export", "--format", "pdf")
    assert result.exit_code == 2 and "Invalid value for '--format'" in result.stderr
    result = invoke("schedule", "--every", "often")
    assert result.exit_code == 2 and "expected a number and a unit" in result.stderr


@pytest.mark.parametrize("args, line", [
    (["schedule", "--every", "10"], "sourcekeeper: Invalid value for '--every': '10': expected "
     "a number and a unit (s, m, h, d, w), e.g. 6h (see 'sourcekeeper schedule --help')"),
    (["export", "--since", "yesterday"], "sourcekeeper: Invalid value for '--since': "
     "'yesterday' is not an ISO date or date-time (e.g. 2026-11-01 or 2026-11-01T08:30) "
     "(see 'sourcekeeper export --help')"),
    (["crawl", "--frob"], "sourcekeeper: No such option '--frob'. Did you mean '--db'? "
     "(see 'sourcekeeper crawl --help')"),
    (["nope"], "sourcekeeper: No such command 'nope'. (see 'sourcekeeper --help')")])
def test_usage_errors_are_one_line_naming_the_option(invoke, args, line):
    result = invoke(*args)
    assert (result.exit_code, result.stderr.strip()) == (2, line)


@pytest.mark.parametrize("setting, message", [
    ("SCHEDULE_MIN_INTERVAL=abc", "setting SCHEDULE_MIN_INTERVAL='abc': expected seconds or a "
                                  "duration such as 30m, 6h, 1d"),
    ("SCHEDULE_MIN_INTERVAL=40d", "settings SCHEDULE_MIN_INTERVAL (3.456e+06 s) and "
                                  "SCHEDULE_MAX_INTERVAL (2.592e+06 s): the minimum must be "
                                  "more than 0 and at most the maximum"),
    ("DOCUMENT_MAX_BYTES=lots", "setting DOCUMENT_MAX_BYTES='lots': expected a whole number"),
])
def test_a_bad_setting_is_a_usage_error_before_anything_runs(invoke, tmp_path, setting,
                                                             message):
    db = tmp_path / "a.db"
    result = invoke("crawl", str(tmp_path), "--db", str(db), "-s", setting)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"sourcekeeper: {message}"
    assert not db.exists(), "nothing was started"


def test_an_unknown_setting_warns_with_the_nearest_name(invoke, tmp_path):
    result = invoke("refetch", "not a url", "--db", str(tmp_path / "a.db"),
                    "-s", "SCHEDULE_MIN_INTERVALL=1s")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == ("sourcekeeper: warning: unknown setting "
                                             "SCHEDULE_MIN_INTERVALL (did you mean "
                                             "SCHEDULE_MIN_INTERVAL?): ignored")


def test_refetch_rejects_what_is_not_a_url(invoke, tmp_path):
    db = tmp_path / "a.db"
    result = invoke("refetch", "file:///etc/passwd", "--db", str(db))
    assert result.exit_code == 2
    assert result.stderr.strip() == "sourcekeeper: file:///etc/passwd: not an http(s) URL"
    assert not db.exists()


def test_worker_without_redis_answering_is_one_line(invoke):
    from tests.helpers import free_port

    url = f"redis://127.0.0.1:{free_port()}/0"
    result = invoke("worker", "--redis", url, "-s", "RELAY_CONNECT_WAIT=0.2")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"sourcekeeper: {url}: Redis does not answer")


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_help_ends_with_an_example(invoke, name):
    """tests/e2e/test_help_examples.py runs every one of them."""
    found = help_examples(name)
    assert found, f"sourcekeeper {name} --help does not end with an example"
    assert all(line.startswith(f"sourcekeeper {name} ") for line in found), found
    shown = invoke(name, "--help").stdout
    assert all(line in shown for line in found), "click rewrapped the example"


def test_reading_commands_never_create_an_archive(invoke, tmp_path):
    typo = tmp_path / "typo.db"
    for command in (["status"], ["list"], ["search", "x"], ["history", "https://a.example/"],
                    ["export"], ["changes"]):
        result = invoke(*command, "--db", str(typo))
        assert result.exit_code == 1, command
        assert result.stderr == (f"sourcekeeper: cannot open archive {typo}: no such archive "
                                 "(a crawl creates it)\n"), command
    assert list(tmp_path.iterdir()) == []


def test_another_applications_database_is_refused_untouched(invoke, tmp_path, documents):
    import sqlite3

    theirs = tmp_path / "photos.db"
    conn = sqlite3.connect(theirs)
    conn.execute("CREATE TABLE albums (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO albums (name) VALUES ('holidays')")
    conn.commit()
    conn.close()
    before = theirs.read_bytes()
    for command in (["status"], ["list"], ["report"], ["crawl", str(documents)]):
        result = invoke(*command, "--db", str(theirs))
        assert result.exit_code == 1, command
        assert result.stderr.startswith(f"sourcekeeper: cannot open archive {theirs}: not a "
                                        "sourcekeeper archive"), (command, result.stderr)
    assert theirs.read_bytes() == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["docs", "photos.db"], \
        "no -wal, no -shm, no lock file left"


def test_a_damaged_archive_is_one_line(invoke, crawled):
    data = bytearray(crawled.read_bytes())
    page = 4096
    for start in range(3 * page, len(data) - page, 2 * page):  # every other page, past the schema
        data[start:start + page] = b"\xde\xad\xbe\xef" * (page // 4)
    crawled.write_bytes(bytes(data))
    for wal in crawled.parent.glob(crawled.name + "-*"):
        wal.unlink()
    for command in (["status"], ["list"], ["search", "Ukraine"], ["export"], ["report"]):
        result = invoke(*command, "--db", str(crawled))
        assert result.exit_code == 1, (command, result.stdout[-300:])
        assert result.stderr.startswith("sourcekeeper: ") and "Traceback" not in result.stderr
        assert len(result.stderr.splitlines()) == 1, (command, result.stderr)


def test_an_empty_file_is_not_made_an_archive_by_reading(invoke, tmp_path):
    empty = tmp_path / "notes.txt"
    empty.write_bytes(b"")
    result = invoke("status", "--db", str(empty))
    assert result.exit_code == 1 and "not a sourcekeeper archive (an empty file)" in result.stderr
    assert empty.read_bytes() == b"" and sorted(p.name for p in tmp_path.iterdir()) == [
        "notes.txt"]
