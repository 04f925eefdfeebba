"""Serve the news-pages corpus over HTTP on 127.0.0.1, for benchmarks (run by bench/crawl.py).

    python bench/corpus_server.py CORPUS PORT

Page ``i`` of the manifest is served at ``/p/<i>/<its original path>`` (unusual characters
replaced by ``-``); query strings are
ignored, so ``?v=N`` makes any number of distinct URLs from 295 pages. Answers carry an
``ETag`` and honour ``If-None-Match`` with ``304``, as most news sites do.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

_UNSAFE = re.compile(r"[^A-Za-z0-9/_.~-]")


def load(corpus: Path) -> list[tuple[str, bytes, str]]:
    pages = []
    for index, line in enumerate((corpus / "manifest.jsonl").open()):
        entry = json.loads(line)
        body = gzip.decompress((corpus / entry["file"]).read_bytes())
        path = urlsplit(entry["url"]).path if "://" in entry["url"] else "/" + entry["file"]
        path = _UNSAFE.sub("-", path.strip()) or "/"
        pages.append((f"/p/{index}{path}", body, f'"{hashlib.sha1(body).hexdigest()}"'))
    return pages


def main(corpus: Path, port: int) -> None:
    pages = {path: (body, etag) for path, body, etag in load(corpus)}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path == "/robots.txt":
                self._send(200, b"User-agent: *\nAllow: /\n", "text/plain", None)
                return
            if path not in pages:
                self._send(404, b"not found", "text/plain", None)
                return
            body, etag = pages[path]
            if self.headers.get("If-None-Match") == etag:
                self._send(304, b"", None, etag)
                return
            self._send(200, body, "text/html", etag)

        def _send(self, status: int, body: bytes, kind: str | None, etag: str | None) -> None:
            self.send_response(status)
            if kind:
                self.send_header("Content-Type", kind)
            if etag:
                self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.request_queue_size = 256
    print("ready", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
