"""WARC 1.1 export, checked by warcio itself."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator

from tests.conftest import FAST, PUTIN
from tests.server import page


def test_warc_export_passes_warcio_check(sourcekeeper, documents, server, tmp_path):
    # The same page under a second URL gives a revisit record; /loneliest is gzip-encoded.
    server.route("/copy", page("putin-offers.html"))
    doc = documents / "notes.md"
    doc.write_text(doc.read_text() + f"\nA mirror: {server.url('/copy')}\n")
    db = tmp_path / "archive.db"
    assert sourcekeeper("crawl", str(documents), "--db", str(db), *FAST).returncode == 0
    warc = tmp_path / "out.warc.gz"
    result = sourcekeeper("export", "--db", str(db), "--format", "warc", "-o", str(warc))
    assert result.returncode == 0, result.stderr

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
                            record.rec_headers, record.http_headers, record.content_stream().read()))
    kinds = [kind for kind, *_ in records]
    # 8 snapshots; /copy repeats the Putin page and /flaky the related one: 2 revisits.
    assert kinds[0] == "warcinfo" and kinds.count("revisit") == 2
    assert kinds.count("response") == 6 and kinds.count("request") == 8
    revisits = [headers for kind, _, headers, *_ in records if kind == "revisit"]
    assert all(h.get_header("WARC-Profile").endswith("identical-payload-digest")
               and h.get_header("WARC-Refers-To") for h in revisits)
    responses = {uri: (http, body) for kind, uri, _, http, body in records if kind == "response"}
    http, body = responses[server.url(PUTIN)]
    assert http.get_statuscode() == "200" and b"welcome in Moscow" in body
    http, body = responses[server.url("/loneliest")]
    assert http.get_header("Content-Encoding") == "gzip", "raw body as received"
    assert body.startswith(b"<"), "warcio decodes the stored gzip payload"
    by_id = {headers.get_header("WARC-Record-ID"): (kind, uri) for kind, uri, headers, *_ in records}
    conversions = [(headers, body) for kind, _, headers, _, body in records if kind == "conversion"]
    assert conversions and all(by_id[h.get_header("WARC-Refers-To")][0] in ("response", "revisit")
                               for h, _ in conversions)
    [meta] = [json.loads(body) for kind, uri, _, _, body in records
              if kind == "metadata" and uri == server.url(PUTIN)]
    assert meta["title"].startswith("Putin Offers") and meta["documents"][0]["role"]
