"""The answers of the queries reshaped for a million snapshots (bench/scale.py): the same
answers as before, on archives small enough to check by hand. Their speed is bench work."""

from __future__ import annotations

from crawler import config
from crawler.core.documents import parse_document
from crawler.core.discovery import discover_text
from crawler.core.hashing import text_sha256
from crawler.core.models import Extraction
from crawler.fetch.items import FailureItem, PageItem
from crawler.jobs.record import record
from crawler.storage import Archive

SCHEDULE = config.schedule({})
NOW = "2026-01-01T00:00:00.000Z"


def at(day: int) -> str:
    return f"2026-01-{day:02d}T00:00:00.000Z"


def fetched(archive: Archive, url: str, text: str, day: int) -> None:
    url_id = archive.write(archive.urls.add, url, url, NOW)
    item = PageItem(url_id=url_id, requested_url=url, final_url=url, fetched_at=at(day),
                    status=200, headers=[["Content-Type", "text/html"]],
                    content_type="text/html", kind="html", body=text.encode(),
                    extraction=Extraction(text, text_sha256(text), title=url.rsplit("/")[-1]))
    record(archive, item, None, SCHEDULE)


def read(archive: Archive, path: str, text: str, day: int = 1) -> str:
    document = parse_document(path, text.encode(), 1_000_000)
    archive.write(archive.documents.add, document, discover_text(document.text), at(day))
    archive.write(archive.files.put, path, path, document.id, at(day))
    return document.id


def test_search_shows_each_page_once_its_newest_matching_version(tmp_path):
    with Archive(tmp_path / "a.db") as archive:
        fetched(archive, "https://example.org/a", "The harbour strike ended on Monday.", 1)
        fetched(archive, "https://example.org/a", "The harbour strike ended on Tuesday.", 2)
        fetched(archive, "https://example.org/a", "Nothing about it any more.", 3)
        fetched(archive, "https://example.org/b", "A harbour strike, a strike again, strike.",
                1)
        fetched(archive, "https://example.org/c", "The weather was fine.", 1)
        read(archive, "notes.md", "Notes on the harbour strike: https://example.org/a\n")
        hits = archive.reads.search("harbour strike", 20)
        pages = {hit.where: hit for hit in hits if hit.kind == "snapshot"}
        assert set(pages) == {"https://example.org/a", "https://example.org/b"}
        newest_a = list(archive.snapshots.records())[1].id
        assert (pages["https://example.org/a"].snapshot_id,
                pages["https://example.org/a"].versions) == (newest_a, 2)
        assert pages["https://example.org/a"].snippet.count("[") == 2
        assert [hit.rank for hit in hits] == sorted(hit.rank for hit in hits)
        assert [hit.where for hit in hits if hit.kind == "document"] == ["notes.md"]
        every = archive.reads.search("harbour strike", 20, all_versions=True)
        assert sorted(hit.snapshot_id for hit in every if hit.kind == "snapshot") == [1, 2, 4]
        assert {hit.versions for hit in every if hit.where.endswith("/a")} == {2}
        [best] = archive.reads.search("harbour strike", 1)
        assert best.rank == hits[0].rank


def test_due_urls_skip_those_only_gone_documents_cite(tmp_path):
    with Archive(tmp_path / "a.db") as archive:
        read(archive, "notes/a.md", "https://example.org/kept https://example.org/shared\n")
        gone = read(archive, "notes/b.md", "https://example.org/gone https://example.org/shared")
        read(archive, "notes/b.md", "https://example.org/new\n", day=2)  # b.md edited
        archive.write(archive.urls.add, "https://example.org/asked", "https://example.org/asked",
                      NOW)  # a re-fetch by hand: cited by no document
        later = "2026-02-01T00:00:00.000Z"
        due = [target.url for target in archive.urls.due(now=later, page=2)]
        assert due == ["https://example.org/kept", "https://example.org/shared",
                       "https://example.org/new", "https://example.org/asked"]
        assert archive.urls.count_due(now=later) == 4
        assert archive.reads.status(later, 1).due == 4
        assert [t.url for t in archive.urls.due(now=later, document_ids=[gone])] == [
            "https://example.org/shared", "https://example.org/gone"]


def test_due_urls_come_never_checked_first_then_most_overdue(tmp_path):
    with Archive(tmp_path / "a.db") as archive:
        ids = archive.write(lambda: [archive.urls.add(f"https://example.org/{n}",
                                                     f"https://example.org/{n}", NOW)
                                     for n in range(6)])
        for url_id, day in zip(ids[:4], (9, 3, 5, 3)):
            archive.write(archive.urls.set_next_check, url_id, at(day))
        record(archive, FailureItem(ids[4], "https://example.org/4", at(1), "timeout"), None,
               SCHEDULE)  # due again on the 2nd
        order = [target.id for target in archive.urls.due(now=at(8), page=2)]
        assert order == [ids[5], ids[4], ids[1], ids[3], ids[2]]
        fetched(archive, "https://example.org/0", "Archived once.", 7)
        status = archive.reads.status(at(8), 1)
        assert (status.urls, status.failing, status.never_archived) == (6, 1, 5)


def test_a_folder_names_the_documents_under_it_only(tmp_path):
    with Archive(tmp_path / "a.db") as archive:
        a = read(archive, "notes/a.md", "https://example.org/a\n")
        b = read(archive, "notes/sub/b.md", "https://example.org/b\n")
        read(archive, "notes2/c.md", "https://example.org/c\n")
        read(archive, "notes.md", "https://example.org/d\n")
        assert sorted(archive.documents.ids("notes", "notes")) == sorted([a, b])
        assert archive.documents.ids("notes/a.md", "notes/a.md") == [a]
        assert [info.path for info in archive.files.under("notes/")] == [
            "notes/a.md", "notes/sub/b.md"]
        assert [info.path for info in archive.documents.info([b])] == ["notes/sub/b.md"]
        assert len(list(archive.documents.info())) == 4


def test_a_url_is_found_by_any_form_of_it(tmp_path):
    with Archive(tmp_path / "a.db") as archive:
        url_id = archive.write(archive.urls.add, "https://example.org/a?x=1&y=2",
                               "https://Example.org/a?y=2&x=1#top", NOW)
        assert archive.urls.find("https://EXAMPLE.org/a?y=2&x=1").id == url_id
        assert archive.urls.find("https://Example.org/a?y=2&x=1#top").id == url_id
        # Stored under a canonical form an older sourcekeeper made (not today's): found as
        # written.
        older = archive.write(archive.urls.add, "https://example.org/b?old-form",
                              "https://example.org/b?z=1&a=2", NOW)
        assert archive.urls.find("https://example.org/b?z=1&a=2").id == older
