"""A web archive's copy in the archive: beside our own snapshots, never mistaken for one.

Copies go in the way crawler.jobs.recovery stores them (jobs.record.memento_capture, then a
snapshot with its memento); our own fetches through jobs.record, the one write path."""

from __future__ import annotations

import pytest

from crawler.core.mementos import Lookup, Memento, Reason, Scored
from crawler.core.models import Document, Mention, Outcome, Role
from crawler.core.views import QuoteStatus
from crawler.jobs.report import build
from crawler.storage import Archive
from crawler.storage.snapshots import SnapshotFilter
from tests.helpers import COPY, NOW, QUOTE, SAID, URL, at, outcome, page_item as page, store_copy


@pytest.fixture
def archive(tmp_path):
    with Archive(tmp_path / "a.db") as opened:
        document = Document("d" * 64, "note.txt", "text", "utf-8", 100,
                            f"{SAID}\n\nSource: {URL}\n")
        opened.write(opened.documents.add, document,
                     [Mention(URL, URL, URL, Role.ORIGINAL)], NOW)
        opened.write(opened.files.put, "note.txt", "note.txt", document.id, NOW)
        opened.write(opened.mementos.date_document, document.id, "2025-07-03T00:00:00.000Z",
                     "metadata")
        yield opened


def test_a_copy_is_never_the_latest_version_our_fetches_are_judged_against(archive):
    url_id = archive.urls.find(URL).id
    assert outcome(archive, page(url_id, URL, b"<p>live</p>", "The page as it is now.")) is \
        Outcome.NEW
    live = archive.snapshots.latest(url_id).id
    copy = store_copy(archive, url_id, SAID)
    assert archive.snapshots.latest(url_id).id == live
    assert archive.snapshots.ends(url_id)[1].id == live
    # The same page fetched again is unchanged: the copy in between is not compared.
    assert outcome(archive, page(url_id, URL, b"<p>live</p>", "The page as it is now.",
                                 fetched_at=at(40))) is Outcome.UNCHANGED
    [latest] = archive.snapshots.records(SnapshotFilter(latest=True))
    assert latest.id == live and latest.memento is None
    records = {record.id: record for record in archive.snapshots.records()}
    assert records[copy].memento == COPY
    assert [entry.memento is not None for entry in archive.checks.history(url_id)] == [
        False, True, False]


def test_a_url_known_only_from_a_copy_exports_the_copy_as_its_latest(archive):
    copy = store_copy(archive, archive.urls.find(URL).id, SAID)
    [latest] = archive.snapshots.records(SnapshotFilter(latest=True))
    assert (latest.id, latest.memento.datetime) == (copy, COPY.datetime)


def test_the_report_shows_the_copy_and_the_quote_it_confirms(archive):
    url_id = archive.urls.find(URL).id
    store_copy(archive, url_id, SAID)
    [document] = build(archive)
    [source] = document.sources
    copy = source.recovered
    assert (copy.archive, copy.taken, copy.quotes, copy.quotes_total) == (
        "web.archive.org", COPY.datetime, (QUOTE,), 1)
    assert (copy.written, copy.written_from) == ("2025-07-03T00:00:00.000Z", "metadata")
    [quote] = document.quotes
    assert (quote.status, quote.url) == (QuoteStatus.ARCHIVED, URL)


def test_the_copy_a_look_up_chose_is_the_one_kept(archive):
    url_id = archive.urls.find(URL).id
    later = Memento("web.archive.org", f"https://web.archive.org/web/20250801000000/{URL}",
                    "2025-08-01T00:00:00.000Z", URL)
    chosen = store_copy(archive, url_id, SAID)
    store_copy(archive, url_id, "A later version without the quote.", later)
    lookup = Lookup(url_id, Reason.BROKEN, NOW, "2025-07-03T00:00:00.000Z", (COPY, later),
                    (Scored(COPY, 0.9, (QUOTE,), 1), Scored(later, 0.1, (), 1)), COPY.uri,
                    chosen, ("timetravel: DNS lookup failed",))
    archive.write(archive.mementos.save_lookup, lookup)
    assert archive.mementos.lookup(url_id) == Lookup(**{**lookup.__dict__, "url": URL})
    assert archive.mementos.kept(url_id)[0] == COPY
    assert archive.mementos.lookups_since(NOW) == [archive.mementos.lookup(url_id)]
    assert archive.mementos.looked_up_since([url_id, 999], NOW) == {url_id}
    assert archive.mementos.looked_up_since([url_id], at(1)) == set()


def test_cited_copies_wait_until_fetched_or_failed(archive):
    url_id = archive.urls.find(URL).id
    archive.write(archive.mementos.cite, url_id, COPY)
    archive.write(archive.mementos.cite, url_id, COPY)  # cited twice: once
    assert archive.mementos.cited_pending() == [(url_id, COPY)]
    snapshot = store_copy(archive, url_id, SAID)
    archive.write(archive.mementos.cited_fetched, url_id, COPY.uri, snapshot, None)
    assert archive.mementos.cited_pending() == []
    assert archive.mementos.snapshot_of(url_id, COPY.uri) == snapshot


def test_forgetting_a_url_with_purge_takes_its_look_ups_and_copies_too(archive):
    from crawler.jobs.forgetting import forget

    url_id = archive.urls.find(URL).id
    snapshot = store_copy(archive, url_id, SAID)
    archive.write(archive.mementos.cite, url_id, COPY)
    archive.write(archive.mementos.save_lookup,
                  Lookup(url_id, Reason.ASKED, NOW, None, (COPY,), (), COPY.uri, snapshot))
    archive.write(archive.mementos.add_save, url_id, snapshot, NOW, "saved", COPY.uri, None)
    forgotten = forget(archive, URL, purge=True)
    assert forgotten.snapshots == 1
    assert archive.mementos.lookup(url_id) is None
    assert archive.mementos.cited_pending() == []
    assert archive.checks.history(url_id) == []
    # cited_pending leaves forgotten URLs out anyway: the rows themselves must be gone.
    for table in ("cited_mementos", "wayback_saves", "memento_lookups"):
        left = archive.database.conn.execute(
            f"SELECT count(*) FROM {table} WHERE url_id = ?", [url_id]).fetchone()[0]
        assert left == 0, f"{table} kept {left} rows of a purged URL"
