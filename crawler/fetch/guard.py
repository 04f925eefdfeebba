"""Never fetch loopback, private or otherwise non-public addresses (SSRF guard).

Documents come from anywhere and may cite ``http://169.254.169.254/`` (cloud metadata),
``http://localhost:6379/`` or a name that resolves inside the network; redirects may lead
there too. The guard is enforced where connections are made, by the resolver Scrapy
connects with (crawler.fetch.resolver: one lookup per name, a refused answer gives no
address, a failed lookup fails the fetch). This middleware, which every request passes
through (each redirect hop and robots.txt included), refuses non-http(s) URLs and asks that
same resolver first, so that a refusal is recorded with its reason (``blocked: private
address 10.0.0.5``) instead of as a DNS failure; and it checks the address a response came
from once more.

Through an HTTP proxy (``http_proxy``, ``https_proxy``) the proxy connects to the target:
the target's name is checked here as we resolve it (when we can: a network where only the
proxy resolves outside names is let through), and the response's address, the proxy's, is
not held against it.

Settings:

- ``FETCH_ALLOW_PRIVATE`` (default off): turn the guard off (tests, intranet archives);
- ``FETCH_ALLOWED_HOSTS``: hosts (``name`` or ``name:port``) fetched whatever they resolve to.
"""

from __future__ import annotations

import ipaddress

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.httpobj import urlparse_cached

from crawler import config
from crawler.core.addresses import is_public
from crawler.fetch.resolver import GuardedResolver, installed

SCHEMES = {"http", "https"}


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


class AddressGuardMiddleware:
    def __init__(self, resolver: GuardedResolver, stats):
        self.resolver = resolver
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AddressGuardMiddleware:
        resolver = installed(crawler)  # with this crawl's policy, even when it allows all
        if config.get(crawler.settings, "FETCH_ALLOW_PRIVATE"):
            raise NotConfigured
        return cls(resolver, crawler.stats)

    def _refuse(self, reason: str) -> None:
        self.stats.inc_value("guard/blocked")
        raise IgnoreRequest(f"blocked: {reason}")

    async def process_request(self, request: Request) -> None:
        parts = urlparse_cached(request)
        if parts.scheme not in SCHEMES:
            self._refuse(f"not an http(s) URL ({parts.scheme or 'no scheme'})")
        host = (parts.hostname or "").lower()
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if _is_literal(host):
            addresses = [host]
        else:
            found = await maybe_deferred_to_future(self.resolver.lookup(host))
            addresses = [address.host for address in found]
        if not self.resolver.policy.allows(host, port):
            for address in addresses:
                if not is_public(address):
                    self._refuse(f"private address {address}")

    def process_response(self, request: Request, response: Response) -> Response:
        if request.meta.get("proxy"):
            return response  # the address is the proxy's; the target was checked above
        parts = urlparse_cached(request)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = response.ip_address
        host = (parts.hostname or "").lower()
        if address is not None and not self.resolver.policy.allows(host, port):
            if not is_public(str(address)):
                self._refuse(f"private address {address}")
        return response
