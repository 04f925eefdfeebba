"""The SSRF guard where the connection is made: a name resolver that vets what it answers.

Checking a host's addresses in a middleware and letting Scrapy resolve the name again to
connect leaves a gap: a resolver that answers a public address to the check and 127.0.0.1
to the connection (DNS rebinding), or that fails the check's lookup, sends the request
inside the network. So the check lives in the resolver Scrapy connects with
(``TWISTED_DNS_RESOLVER``): each name is resolved once per crawl, the answer is refused
whole when any address is not public (crawler.core.addresses), and the connection is made
to exactly the addresses that were vetted. A lookup that fails gives no address: the fetch
fails, closed (and the failure stands for three seconds, so that the check and the
connection see the same answer; a retry, seconds later, asks again). The address guard middleware (crawler.fetch.guard) asks the same resolver,
for the reason it records (``blocked: private address 10.0.0.5``).

Both IPv4 and IPv6 are answered (Scrapy's default resolver is IPv4 only, so
``http://[::1]:8080/`` could not be fetched even when allowed). Hosts allowed by
``FETCH_ALLOWED_HOSTS`` and the configured HTTP proxies (``http_proxy``, ``https_proxy``:
the proxy connects to the target, and the guard checks the target, crawler.fetch.guard)
are answered whatever they resolve to; ``FETCH_ALLOW_PRIVATE`` answers everything.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from scrapy.crawler import Crawler
from twisted.internet import defer
from twisted.internet.interfaces import (
    IAddress,
    IHostnameResolver,
    IHostResolution,
    IResolutionReceiver,
)
from zope.interface import implementer, provider

from crawler import config
from crawler.core.addresses import is_public

__all__ = ["GuardedResolver", "Policy", "installed"]

_CACHE = 10_000  # names kept for the crawl (DNSCACHE_SIZE)
_FAILED_FOR = 3.0  # seconds a failed lookup stands: the guard and the fetch see the same


@dataclass(frozen=True)
class Policy:
    """Which answers pass: everything with ``allow_private``; else only public addresses,
    except for ``allowed`` hosts (``name`` or ``name:port``), and, for the connection
    itself only, the ``proxies`` (exactly their ``host:port``: a proxy on 127.0.0.1:3128
    does not make 127.0.0.1:6379 fetchable)."""

    allow_private: bool = False
    allowed: frozenset[str] = field(default_factory=frozenset)
    proxies: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def from_settings(cls, settings: Any) -> Policy:
        return cls(config.get(settings, "FETCH_ALLOW_PRIVATE"),
                   frozenset(config.get(settings, "FETCH_ALLOWED_HOSTS")),
                   frozenset(config.proxy_hosts()))

    def allows(self, host: str, port: int) -> bool:
        """Whether ``host:port`` may be fetched whatever it resolves to (a target)."""
        return self.allow_private or host in self.allowed or f"{host}:{port}" in self.allowed

    def connects(self, host: str, port: int) -> bool:
        """Whether a connection to ``host:port`` may go whatever it resolves to: an allowed
        target, or a configured proxy."""
        return self.allows(host, port) or f"{host}:{port}" in self.proxies


@implementer(IHostResolution)
class _Resolution:
    def __init__(self, name: str):
        self.name = name

    def cancel(self) -> None:
        pass  # the lookup is shared by every connection to this name: it runs to its end


@provider(IResolutionReceiver)
class _Collector:
    """Receives one lookup's addresses from the resolver underneath."""

    def __init__(self) -> None:
        self.addresses: list[IAddress] = []
        self.done: defer.Deferred[list[IAddress]] = defer.Deferred()

    def resolutionBegan(self, resolution: IHostResolution) -> None:
        pass

    def addressResolved(self, address: IAddress) -> None:
        self.addresses.append(address)

    def resolutionComplete(self) -> None:
        self.done.callback(self.addresses)


@implementer(IHostnameResolver)
class GuardedResolver:
    """Resolves each name once (per crawl, up to ``DNSCACHE_SIZE`` names) through the
    reactor's own resolver and answers only what :class:`Policy` allows."""

    def __init__(self, reactor: Any, policy: Policy | None = None, cache_size: int = _CACHE):
        self.reactor = reactor
        current = reactor.nameResolver
        self.inner: IHostnameResolver = current.inner if isinstance(current, GuardedResolver) \
            else current
        self.policy = policy or Policy()
        self.cache_size = cache_size
        self._answers: OrderedDict[str, list[IAddress]] = OrderedDict()
        self._failed: dict[str, float] = {}
        self._pending: dict[str, list[defer.Deferred[list[IAddress]]]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler, reactor: Any) -> GuardedResolver:
        size = crawler.settings.getint("DNSCACHE_SIZE") or _CACHE
        return cls(reactor, Policy.from_settings(crawler.settings), size)

    def install_on_reactor(self) -> None:
        self.reactor.installNameResolver(self)

    def lookup(self, host: str) -> defer.Deferred[list[IAddress]]:
        """Every address ``host`` resolves to, looked up once per crawl (not vetted)."""
        if host in self._answers:
            self._answers.move_to_end(host)
            return defer.succeed(self._answers[host])
        if time.monotonic() - self._failed.get(host, -_FAILED_FOR) < _FAILED_FOR:
            return defer.succeed([])
        waiter: defer.Deferred[list[IAddress]] = defer.Deferred()
        if host in self._pending:
            self._pending[host].append(waiter)
            return waiter
        self._pending[host] = [waiter]
        collector = _Collector()
        try:
            self.inner.resolveHostName(collector, host, 0)
        except Exception:  # a name the resolver underneath refuses outright
            collector.resolutionComplete()
        collector.done.addBoth(self._answered, host)
        return waiter

    def _answered(self, result: Any, host: str) -> None:
        addresses = result if isinstance(result, list) else []
        if addresses:
            self._answers[host] = addresses
            while len(self._answers) > self.cache_size:
                self._answers.popitem(last=False)
        else:  # a retry after a while asks again
            self._failed[host] = time.monotonic()
        for waiter in self._pending.pop(host, []):
            waiter.callback(addresses)

    def refusal(self, host: str, port: int, addresses: Sequence[IAddress]) -> str | None:
        """Why ``addresses`` may not be connected to for ``host:port`` (None: they may)."""
        if self.policy.connects(host.lower(), port):
            return None
        for address in addresses:
            if not is_public(address.host):
                return f"private address {address.host}"
        return None

    def resolveHostName(self, resolutionReceiver: IResolutionReceiver, hostName: str,
                        portNumber: int = 0,
                        addressTypes: Sequence[type[IAddress]] | None = None,
                        transportSemantics: str = "TCP") -> IHostResolution:
        resolution = _Resolution(hostName)
        resolutionReceiver.resolutionBegan(resolution)

        def answer(addresses: list[IAddress]) -> None:
            if self.refusal(hostName, portNumber, addresses) is None:
                for address in addresses:
                    if addressTypes is None or isinstance(address, tuple(addressTypes)):
                        resolutionReceiver.addressResolved(
                            type(address)("TCP", address.host, portNumber))
            resolutionReceiver.resolutionComplete()

        self.lookup(hostName).addCallback(answer)
        return resolution


def installed(crawler: Crawler) -> GuardedResolver:
    """The guarded resolver of this process, with this crawl's policy. A crawl started by
    ``sourcekeeper`` has it already (``TWISTED_DNS_RESOLVER``); one started otherwise (an
    in-process runner, ``scrapy crawl`` with other settings) gets it installed here, so that
    no crawl connects through an unguarded resolver."""
    from twisted.internet import reactor

    resolver = reactor.nameResolver
    if not isinstance(resolver, GuardedResolver):
        resolver = GuardedResolver.from_crawler(crawler, reactor)
        resolver.install_on_reactor()
    resolver.policy = Policy.from_settings(crawler.settings)
    return resolver
