"""Serve the news-pages corpus over HTTP on 127.0.0.1, for benchmarks (run by bench/crawl.py).

    python bench/corpus_server.py CORPUS PORT

Page ``i`` of the manifest is served at ``/p/<i>/<its original path>`` (unusual characters
replaced by ``-``); query strings are
ignored, so ``?v=N`` makes any number of distinct URLs from 295 pages. Answers carry an
``ETag`` and honour ``If-None-Match`` with ``304``, as most news sites do. One asyncio
process with every answer prepared in memory (HTTP/1.1, keep-alive), so that the server
takes as little as possible of the CPU the crawl under test needs: 0.05 ms a page
(http.server, a thread per connection and its header parsing: 0.13 ms; bench/crawl.py
measures it).
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import re
import sys
from http import HTTPStatus
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
    """Serve until killed. Every answer is prepared once, as bytes: serving a page is a
    dictionary look-up and one write, so the server takes little of the CPU the crawl under
    test needs (bench/crawl.py measures its share)."""
    answers = {"/robots.txt": (_answer(200, b"User-agent: *\nAllow: /\n", "text/plain"), None,
                               None)}
    for path, body, etag in load(corpus):
        answers[path] = (_answer(200, body, "text/html", etag), etag.encode(),
                         _answer(304, b"", None, etag))
    missing = _answer(404, b"not found", "text/plain")

    class Connection(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport = transport
            self.buffer = b""

        def data_received(self, data: bytes) -> None:
            self.buffer += data
            while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
                head, self.buffer = self.buffer[:end], self.buffer[end + 4:]
                lines = head.split(b"\r\n")
                parts = lines[0].split(b" ")
                if len(parts) != 3:
                    self.transport.close()
                    return
                target = urlsplit(parts[1].decode("latin-1")).path
                full, etag, not_modified = answers.get(target, (missing, None, None))
                if etag is not None:
                    for line in lines[1:]:
                        name, _, value = line.partition(b":")
                        if name.strip().lower() == b"if-none-match" and value.strip() == etag:
                            full = not_modified
                            break
                self.transport.write(full)

    async def serve() -> None:
        server = await asyncio.get_running_loop().create_server(
            Connection, "127.0.0.1", port, backlog=256)
        print("ready", flush=True)
        async with server:
            await server.serve_forever()

    asyncio.run(serve())


def _answer(status: int, body: bytes, kind: str | None, etag: str | None = None) -> bytes:
    head = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}", "Server: corpus"]
    if kind:
        head.append(f"Content-Type: {kind}")
    if etag:
        head.append(f"ETag: {etag}")
    head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]))
