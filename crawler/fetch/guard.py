"""Never fetch loopback, private or otherwise non-public addresses (SSRF guard).

Documents come from anywhere and may cite ``http://169.254.169.254/`` (cloud metadata),
``http://localhost:6379/`` or a name that resolves inside the network; redirects may lead
there too. Every request, each redirect hop and robots.txt included, passes through here:
the host is resolved and refused unless every address is public, and the address the
response actually came from is checked again (a name that resolves differently the second
time). Only http and https are ever fetched.

Settings:

- ``FETCH_ALLOW_PRIVATE`` (default off): turn the guard off (tests, intranet archives);
- ``FETCH_ALLOWED_HOSTS``: hosts (``name`` or ``name:port``) fetched whatever they resolve to.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached

from crawler import config

SCHEMES = {"http", "https"}


def is_public(address: str) -> bool:
    """Whether an IP address is globally routable unicast (IPv4-mapped IPv6 unwrapped)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class AddressGuardMiddleware:
    def __init__(self, allowed_hosts: set[str], stats):
        self.allowed_hosts = allowed_hosts
        self.stats = stats
        self._resolved: dict[tuple[str, int], list[str]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuardMiddleware:
        if config.get(crawler.settings, "FETCH_ALLOW_PRIVATE"):
            raise NotConfigured
        hosts = set(config.get(crawler.settings, "FETCH_ALLOWED_HOSTS"))
        return cls(hosts, crawler.stats)

    def _allowed(self, host: str, port: int) -> bool:
        return host in self.allowed_hosts or f"{host}:{port}" in self.allowed_hosts

    def _refuse(self, reason: str) -> None:
        self.stats.inc_value("guard/blocked")
        raise IgnoreRequest(f"blocked: {reason}")

    async def _addresses(self, host: str, port: int) -> list[str]:
        key = (host, port)
        if key not in self._resolved:
            loop = asyncio.get_running_loop()
            try:
                infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except (socket.gaierror, UnicodeError):
                return []  # the download fails with a precise DNS error of its own
            self._resolved[key] = sorted({info[4][0] for info in infos})
        return self._resolved[key]

    async def process_request(self, request: Request) -> None:
        parts = urlparse_cached(request)
        if parts.scheme not in SCHEMES:
            self._refuse(f"not an http(s) URL ({parts.scheme or 'no scheme'})")
        host = (parts.hostname or "").lower()
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if self._allowed(host, port):
            return
        for address in await self._addresses(host, port):
            if not is_public(address):
                self._refuse(f"private address {address}")

    def process_response(self, request: Request, response: Response) -> Response:
        parts = urlparse_cached(request)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = response.ip_address
        if address is not None and not self._allowed((parts.hostname or "").lower(), port):
            if not is_public(str(address)):
                self._refuse(f"private address {address}")
        return response
