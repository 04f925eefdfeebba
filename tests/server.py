"""A real HTTP server on 127.0.0.1 for tests: routes map a path to a sequence of replies.

Each request to a path takes the next reply in its sequence and the last one repeats, so
"503, then 200" or "an article, then an edited article" are one line in a test. Every request
is recorded (path and headers) so tests can assert on what the crawler sent.
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self

FIXTURES = Path(__file__).parent / "fixtures"


@dataclass
class Reply:
    """One answer. With an ``ETag`` or ``Last-Modified`` header, a matching conditional
    request gets ``304 Not Modified``; ``delay`` seconds pass before answering."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drip: float = 0.0  # seconds between single bytes of the body
    cut: int | None = None  # close the connection after this many bytes of the body

    def not_modified(self, request_headers) -> bool:
        etag, modified = self.headers.get("ETag"), self.headers.get("Last-Modified")
        return bool(
            (etag and request_headers.get("If-None-Match") == etag)
            or (modified and not etag and request_headers.get("If-Modified-Since") == modified)
        )


def page(name: str, content_type: str = "text/html; charset=utf-8", **headers: str) -> Reply:
    """A fixture page from ``tests/fixtures/pages`` (``.gz`` files are served decompressed)."""
    data = (FIXTURES / "pages" / name).read_bytes()
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    return Reply(200, data, {"Content-Type": content_type, **headers})


def redirect(location: str, status: int = 301) -> Reply:
    return Reply(status, b"", {"Location": location})


def gzipped(reply: Reply) -> Reply:
    """The same reply sent with ``Content-Encoding: gzip``."""
    return Reply(reply.status, gzip.compress(reply.body),
                 {**reply.headers, "Content-Encoding": "gzip"})


class _IPv6Server(ThreadingHTTPServer):
    address_family = socket.AF_INET6


class LocalServer:
    """A threaded HTTP server on a free port of ``host``, serving ``_handler()``'s class;
    used as a context manager (started on enter, shut down on exit)."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._lock = threading.Lock()
        server = _IPv6Server if ":" in host else ThreadingHTTPServer
        self.httpd = server((host, 0), self._handler())
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,),
                                       daemon=True)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class FixtureServer(LocalServer):
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.times: dict[str, list[float]] = {}
        super().__init__(host)

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, *replies: Reply) -> None:
        with self._lock:
            self.routes[path] = list(replies)

    def hits(self, path: str) -> int:
        return sum(1 for seen, _ in self.requests if seen == path)

    def _next(self, path: str) -> Reply:
        with self._lock:
            replies = self.routes.get(path)
            if not replies:
                return Reply(404, b"<h1>Not Found</h1>", {"Content-Type": "text/html"})
            return replies.pop(0) if len(replies) > 1 else replies[0]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server.requests.append((self.path, dict(self.headers.items())))
                server.times.setdefault(self.path, []).append(time.monotonic())
                reply = server._next(self.path)
                time.sleep(reply.delay)
                if reply.status == 200 and reply.not_modified(self.headers):
                    self.send_response(304)
                    for key in ("ETag", "Last-Modified"):
                        if key in reply.headers:
                            self.send_header(key, reply.headers[key])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(reply.status)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                body = reply.body if reply.cut is None else reply.body[: reply.cut]
                try:
                    if reply.drip:
                        for byte in body:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            time.sleep(reply.drip)
                    else:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass
                if reply.cut is not None:
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True

            def log_message(self, *args: object) -> None:
                pass

        return Handler
