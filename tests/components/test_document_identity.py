"""Documents with identity, crawled as a person edits, moves and deletes their notes: an
edited note is one document, a moved one is followed, a deleted folder is missing and its
URLs are no longer checked, absolute and relative paths agree, and ``forget`` says what it
keeps or deletes."""

from __future__ import annotations

import os
import shutil

import pytest
import pytest_twisted

from crawler import api
from crawler.errors import NotArchived
from tests.helpers import cite, crawl_here
from tests.server import page


@pytest.fixture
def notes(server, tmp_path):
    for name in ("a", "b", "c", "d"):
        server.route(f"/{name}", page("putin-offers.html"))
    folder = tmp_path / "notes"
    (folder / "old").mkdir(parents=True)
    cite(folder / "story.md", [server.url("/a"), server.url("/b")])
    cite(folder / "old" / "draft.md", [server.url("/c")])
    return folder


async def crawl_all(db) -> list[str]:
    """The URLs a crawl over the whole archive checks (everything, whatever the schedule)."""
    before = {url.url: url.last_checked_at for url in api.list_urls(db=str(db))}
    assert (await crawl_here(db, everything=True)).finished
    return sorted(url.url for url in api.list_urls(db=str(db))
                  if url.last_checked_at != before.get(url.url))


@pytest_twisted.ensureDeferred
async def test_an_edited_note_is_one_document(server, notes, tmp_path):
    db = tmp_path / "archive.db"
    assert (await crawl_here(db, [notes])).finished
    cite(notes / "story.md", [server.url("/a"), server.url("/d")])  # /b replaced by /d
    assert (await crawl_here(db, [notes])).finished
    assert [document.path for document in api.documents(db=str(db))] == [
        "notes/old/draft.md", "notes/story.md"]
    [story] = api.report(db=str(db), document=str(notes / "story.md"))
    assert [source.url for source in story.sources] == [server.url("/a"), server.url("/d")]
    checked = await crawl_all(db)
    assert server.url("/b") not in checked, "the old version's URL is no longer checked"
    assert server.url("/d") in checked


@pytest_twisted.ensureDeferred
async def test_a_moved_note_is_followed(server, notes, tmp_path):
    db = tmp_path / "archive.db"
    assert (await crawl_here(db, [notes])).finished
    (notes / "2026").mkdir()
    shutil.move(notes / "story.md", notes / "2026" / "story-final.md")
    assert (await crawl_here(db, [notes])).finished
    paths = [document.path for document in api.documents(db=str(db))]
    assert paths == ["notes/2026/story-final.md", "notes/old/draft.md"]
    [moved] = [document for document in api.documents(db=str(db))
               if document.path.endswith("story-final.md")]
    assert moved.moved_from == "notes/story.md"
    [report] = api.report(db=str(db), document=str(notes / "2026" / "story-final.md"))
    assert report.path == "notes/2026/story-final.md"


@pytest_twisted.ensureDeferred
async def test_a_deleted_folder_is_missing_and_its_urls_are_not_checked(server, notes,
                                                                           tmp_path):
    db = tmp_path / "archive.db"
    assert (await crawl_here(db, [notes])).finished
    shutil.rmtree(notes / "old")
    result = await crawl_here(db, [notes])
    assert result.finished
    assert [document.path for document in api.documents(db=str(db))] == ["notes/story.md"]
    entries = api.report(db=str(db))
    assert [(entry.path, entry.state) for entry in entries] == [
        ("notes/story.md", "live"), ("notes/old/draft.md", "missing")]
    assert entries[1].missing_since
    assert server.url("/c") not in await crawl_all(db)
    text = (tmp_path / "report.txt")
    api.write_report(str(text), db=str(db))
    assert "Missing documents" in text.read_text()
    assert "  notes/old/draft.md  missing since " in text.read_text()

    # The file comes back: the document is live again.
    (notes / "old").mkdir()
    cite(notes / "old" / "draft.md", [server.url("/c")])
    assert (await crawl_here(db, [notes])).finished
    assert [entry.state for entry in api.report(db=str(db))] == ["live", "live"]


@pytest_twisted.ensureDeferred
async def test_absolute_and_relative_paths_are_the_same_document(server, notes, tmp_path,
                                                                  monkeypatch):
    db = tmp_path / "archive.db"
    assert (await crawl_here(db, [notes.resolve()])).finished  # cron: an absolute path
    monkeypatch.chdir(tmp_path)
    assert (await crawl_here(db, ["notes"])).finished  # a person: a relative one
    assert len(api.documents(db=str(db))) == 2
    [story] = api.report(db=str(db), document="notes/story.md")
    assert story.path == "notes/story.md"
    monkeypatch.chdir(notes)
    [same] = api.report(db=str(db), document="story.md")
    assert same.id == story.id


@pytest_twisted.ensureDeferred
async def test_forget_a_document_and_a_url(server, notes, tmp_path):
    db = tmp_path / "archive.db"
    cite(notes / "other.md", [server.url("/a")])
    assert (await crawl_here(db, [notes])).finished
    done = api.forget(str(notes / "story.md"), db=str(db))
    assert (done.what, done.names, done.unscheduled, done.still_cited, done.purged) == (
        "document", ("notes/story.md",), 1, 1, False)
    assert done.snapshots == 1, "/b's snapshot is kept"
    assert server.url("/b") not in await crawl_all(db)
    assert [snapshot.url for snapshot in api.snapshots(db=str(db), url=server.url("/b"))] == [
        server.url("/b")]

    purged = api.forget(str(notes / "old"), db=str(db), purge=True)
    assert (purged.names, purged.purged, purged.snapshots, purged.versions) == (
        ("notes/old/draft.md",), True, 1, 1)
    with pytest.raises(NotArchived):
        api.history(server.url("/c"), db=str(db))

    url = api.forget(server.url("/a"), db=str(db))
    assert (url.what, url.snapshots, url.purged) == ("url", 1, False)
    assert server.url("/a") not in await crawl_all(db), "a forgotten URL is never checked"
    assert (await crawl_here(db, url=server.url("/a"))).finished
    assert api.list_urls(db=str(db))[0].forgotten_at is None, "a re-fetch brings it back"
    with pytest.raises(NotArchived, match="nope.md: no such document"):
        api.forget(str(notes / "nope.md"), db=str(db))
    assert os.path.exists(db)


@pytest_twisted.ensureDeferred
async def test_documents_read_by_an_older_discovery_are_read_again(server, tmp_path):
    """An archive made before a discovery fix cites what the old discovery found (here the
    garbage a Markdown link whose text is its URL gave); the next crawl reads it again."""
    from crawler.core.models import Mention
    from crawler.core.documents import parse_documents
    from crawler.storage import Archive

    url = server.url("/a")
    server.route("/a", page("putin-offers.html"))
    note = tmp_path / "note.md"
    note.write_text(f"See [{url}]({url}).\n")
    [document] = parse_documents("note.md", note.read_bytes(), 10**6)
    garbage = f"{url}%5D({url})"
    db = tmp_path / "archive.db"
    with Archive(db) as archive:
        archive.write(archive.documents.add, document, [Mention(garbage, garbage, garbage)],
                      "2026-01-01T00:00:00.000Z", 0)
        archive.write(archive.files.put, "note.md", "note.md", document.id,
                      "2026-01-01T00:00:00.000Z")
    assert (await crawl_here(db, [note])).finished
    [report] = api.report(db=str(db))
    assert [source.url for source in report.sources] == [url]
