"""A web archive on 127.0.0.1 for tests: the Wayback Machine's APIs and a Memento TimeMap.

It serves captures a test gives it (``add(url, timestamp, html)``) the ways sourcekeeper asks
for them: the CDX API (JSON rows, ``collapse=digest``), the availability API (the closest
capture), raw replay (``/web/<ts>id_/<url>``, with ``Memento-Datetime``), a TimeMap in link
format (``/timemap/link/<url>``), and Save Page Now (``GET /save/<url>`` and the
authenticated ``POST /save``). It can answer ``429`` with ``Retry-After`` for a while,
answer slowly, and records when each request came and how many were in flight at once, so
that tests can hold sourcekeeper to its rate limit.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, unquote, urlsplit

from tests.server import LocalServer


@dataclass
class Capture:
    url: str
    timestamp: str  # 14 digits
    body: bytes

    @property
    def digest(self) -> str:
        return hashlib.sha1(self.body).hexdigest().upper()

    @property
    def http_date(self) -> str:
        moment = datetime.strptime(self.timestamp, "%Y%m%d%H%M%S").replace(tzinfo=UTC)
        return format_datetime(moment, usegmt=True)


class WebArchive(LocalServer):
    def __init__(self) -> None:
        self.captures: list[Capture] = []
        self.requests: list[tuple[float, str, str]] = []  # (monotonic, method, path)
        self.throttle = 0  # answer this many requests with 429 first
        self.retry_after = 1
        self.delay = 0.0
        self.save_status = 200  # what Save Page Now answers
        self.cdx_status = 200  # the CDX server overloaded: 503
        self.in_flight = 0
        self.most_in_flight = 0
        super().__init__()

    def add(self, url: str, timestamp: str, html: str) -> Capture:
        capture = Capture(url, timestamp, html.encode("utf-8"))
        self.captures.append(capture)
        return capture

    def of(self, url: str) -> list[Capture]:
        return sorted((c for c in self.captures if c.url == url), key=lambda c: c.timestamp)

    def paths(self, start: str = "") -> list[str]:
        return [path for _, _, path in self.requests if path.startswith(start)]

    def _answer(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        if self.throttle > 0:
            self.throttle -= 1
            return 429, {"Retry-After": str(self.retry_after)}, b"slow down"
        if parts.path == "/cdx/search/cdx" and self.cdx_status != 200:
            return self.cdx_status, {"Content-Type": "text/html"}, b"<h1>overloaded</h1>"
        if parts.path == "/cdx/search/cdx":
            rows = [["timestamp", "original", "statuscode", "digest", "mimetype"]]
            seen = set()
            since = query.get("from", "").ljust(14, "0")
            for capture in self.of(query.get("url", "")):
                if capture.digest in seen or capture.timestamp < since:
                    continue
                if len(rows) > int(query.get("limit", 10**6)):
                    break
                seen.add(capture.digest)
                rows.append([capture.timestamp, capture.url, "200", capture.digest,
                             "text/html"])
            return 200, {"Content-Type": "application/json"}, json.dumps(rows).encode()
        if parts.path == "/wayback/available":
            found = self.of(query.get("url", ""))
            wanted = query.get("timestamp", "99999999999999")
            closest = min(found, key=lambda c: abs(int(c.timestamp) - int(wanted.ljust(14, "0"))),
                          default=None)
            answer = {"url": query.get("url"), "archived_snapshots": {} if closest is None else {
                "closest": {"available": True, "status": "200", "timestamp": closest.timestamp,
                            "url": f"{self.base}/web/{closest.timestamp}/{closest.url}"}}}
            return 200, {"Content-Type": "application/json"}, json.dumps(answer).encode()
        if parts.path.startswith("/timemap/link/"):
            url = unquote(path[len("/timemap/link/"):])
            found = self.of(url)
            if not found:
                return 404, {}, b""
            links = [f'<{url}>; rel="original"']
            links += [f'<{self.base}/web/{c.timestamp}/{c.url}>; rel="memento"; '
                      f'datetime="{c.http_date}"' for c in found]
            return 200, {"Content-Type": "application/link-format"}, ",\n".join(links).encode()
        if parts.path.startswith("/web/"):
            stamp, _, url = path[len("/web/"):].partition("/")
            mode = "id_" if stamp.endswith("id_") else ""
            stamp = stamp.removesuffix("id_")
            found = self.of(url)
            for capture in found:
                if capture.timestamp == stamp:
                    return 200, {"Content-Type": "text/html; charset=utf-8",
                                 "Memento-Datetime": capture.http_date,
                                 "Link": f'<{url}>; rel="original"'}, capture.body
            if found and stamp.isdigit():  # as the Wayback Machine: to the nearest capture
                wanted = int(stamp.ljust(14, "0"))
                nearest = min(found, key=lambda c: abs(int(c.timestamp) - wanted))
                return 302, {"Location": f"/web/{nearest.timestamp}{mode}/{url}"}, b""
            return 404, {"Content-Type": "text/html"}, b"<h1>not archived</h1>"
        if parts.path.startswith("/save"):
            if self.save_status != 200:
                return self.save_status, {"Content-Type": "application/json"}, json.dumps(
                    {"status": "error", "message": "You cannot make more captures"}).encode()
            stamp = "20261126000000"
            if method == "POST":
                url = parse_qs(body.decode())["url"][0]
                return 200, {"Content-Type": "application/json"}, json.dumps(
                    {"url": url, "job_id": "spn2-abc", "timestamp": stamp,
                     "original_url": url}).encode()
            url = path[len("/save/"):]
            return 200, {"Content-Location": f"/web/{stamp}/{url}"}, b"<html>saved</html>"
        return 404, {}, b""

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        archive = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                with archive._lock:
                    archive.requests.append((time.monotonic(), method, self.path))
                    archive.in_flight += 1
                    archive.most_in_flight = max(archive.most_in_flight, archive.in_flight)
                    status, headers, payload = archive._answer(method, self.path, body)
                try:
                    time.sleep(archive.delay)
                    self.send_response(status)
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                finally:
                    with archive._lock:
                        archive.in_flight -= 1

            def do_GET(self) -> None:
                self._serve("GET")

            def do_POST(self) -> None:
                self._serve("POST")

            def log_message(self, *args: object) -> None:
                pass

        return Handler
