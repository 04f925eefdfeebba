"""The WACZ export as a person opens it: valid for webrecorder's own validator (py-wacz, in a
venv of its own), and every capture found through its CDXJ index by the SURT replay tools
compute, at the offset the index gives, with the exact body the archive holds."""

from __future__ import annotations

import io
import json
import subprocess
import zipfile

from warcio.archiveiterator import ArchiveIterator

from crawler import api
from tests.helpers import FAST, PUTIN, PYWB, tool
from tests.server import page


def test_wacz_validates_and_every_capture_is_found_through_its_index(
        sourcekeeper, documents, server, tmp_path):
    server.route("/copy", page("putin-offers.html"))  # the same page again: a revisit
    notes = documents / "notes.md"
    notes.write_text(notes.read_text() + f"\nA mirror: {server.url('/copy')}\n")
    db = str(tmp_path / "a.db")
    assert sourcekeeper("crawl", str(documents), "--db", db, *FAST).returncode == 0
    wacz = tmp_path / "sources.wacz"
    result = sourcekeeper("export", "--format", "wacz", "-o", str(wacz), "--db", db)
    assert result.returncode == 0, result.stderr

    validator = tool("wacz", "wacz==0.6.0", "wacz")
    checked = subprocess.run([validator, "validate", "-f", str(wacz)], capture_output=True,
                             text=True, timeout=300)
    assert checked.returncode == 0, checked.stdout + checked.stderr

    with zipfile.ZipFile(wacz) as archive:
        assert archive.getinfo("archive/data.warc.gz").compress_type == zipfile.ZIP_STORED
        warc = archive.read("archive/data.warc.gz")
        index = archive.read("indexes/index.cdx").decode().splitlines()
        pages = [json.loads(line) for line in archive.read("pages/pages.jsonl").splitlines()]
    assert pages[0]["format"] == "json-pages-1.0"
    assert {entry["url"] for entry in pages[1:]} >= {server.url(PUTIN), server.url("/copy")}
    assert index == sorted(index)

    # Replay tools look a URL up by its SURT, as the surt package computes it (pywb's).
    snapshots = {record.final_url or record.url: record
                 for record in api.snapshots(db=db)}
    urls = sorted(snapshots)
    computed = subprocess.run(
        [str(tool("pywb", PYWB, "wayback").parent / "python"), "-c",
         "import sys, surt\nfor url in sys.argv[1:]: print(surt.surt(url))", *urls],
        capture_output=True, text=True, timeout=60).stdout.split()
    keys = {line.split(" ", 1)[0] for line in index}
    assert set(computed) <= keys, "every capture is found by the key replay tools compute"

    kinds = []
    for line in index:
        key, stamp, fields = line.split(" ", 2)
        entry = json.loads(fields)
        chunk = warc[int(entry["offset"]):int(entry["offset"]) + int(entry["length"])]
        read = [(record.rec_type, record.rec_headers.get_header("WARC-Target-URI"),
                 record.raw_stream.read()) for record in ArchiveIterator(io.BytesIO(chunk))]
        [(kind, uri, payload)] = read
        assert uri == entry["url"]
        kinds.append(kind)
        snapshot = snapshots.get(entry["url"])
        if kind == "response" and snapshot and entry.get("status") == "200":
            stored = api.body(snapshot.raw_sha256 or snapshot.body_sha256, db=db)
            assert payload == stored, entry["url"]
    assert "revisit" in kinds and kinds.count("response") >= 6


def test_a_documents_wacz_carries_the_document_itself(sourcekeeper, documents, server,
                                                      tmp_path):
    story = documents / "moscow times (draft).txt"  # a space breaks a naive CDXJ line
    (documents / "moscow-times.txt").rename(story)
    db = str(tmp_path / "a.db")
    assert sourcekeeper("crawl", str(documents), "--db", db, *FAST).returncode == 0
    wacz = tmp_path / "story.wacz"
    result = sourcekeeper("export", "--format", "wacz", "--document", str(story), "-o",
                          str(wacz), "--db", db)
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(wacz) as archive:
        warc = archive.read("archive/data.warc.gz")
    records = {record.rec_headers.get_header("WARC-Target-URI"): record.content_stream().read()
               for record in ArchiveIterator(io.BytesIO(warc))
               if record.rec_type in ("resource", "response")}
    [document] = [uri for uri in records if uri.startswith("urn:sourcekeeper:document:")]
    assert document.endswith("moscow%20times%20%28draft%29.txt")
    with zipfile.ZipFile(wacz) as archive:
        lines = archive.read("indexes/index.cdx").decode().splitlines()
    assert all(len(line.split(" ", 2)) == 3 and line.split(" ", 2)[1].isdigit()
               for line in lines), "key, 14-digit time, JSON on every line"
    assert records[document].decode() == story.read_text()
    assert server.url(PUTIN) in records and server.url("/climate") not in records
