"""The SSRF guard where the connection is made (crawler.fetch.resolver), with a resolver
stub in this process standing in for DNS (never real DNS): a name that rebinds, a lookup
that fails, IPv6, a proxy on a private address."""

from __future__ import annotations

import pytest
import pytest_twisted
from twisted.internet import reactor
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.interfaces import IHostnameResolver
from zope.interface import implementer

from crawler.fetch.resolver import GuardedResolver, Policy
from tests.helpers import cite, crawl_here, failure_reasons, snapshots_by_path
from tests.server import FixtureServer, page


@implementer(IHostnameResolver)
class StubDNS:
    """Answers each name from a script: one answer per query (the last one repeats); an
    empty answer is a failed lookup; an IP address is its own answer, as getaddrinfo's.
    Counts the queries."""

    def __init__(self, answers: dict[str, list[list[str]]]):
        self.answers = answers
        self.queries: list[str] = []

    def resolveHostName(self, receiver, hostName, portNumber=0, addressTypes=None,
                        transportSemantics="TCP"):
        self.queries.append(hostName)
        literal = [[hostName]] if hostName.replace(".", "").isdigit() or ":" in hostName \
            else [[]]
        script = self.answers.get(hostName, literal)
        answer = script[min(self.queries.count(hostName), len(script)) - 1]
        receiver.resolutionBegan(None)
        for address in answer:
            kind = IPv6Address if ":" in address else IPv4Address
            receiver.addressResolved(kind("TCP", address, portNumber))
        receiver.resolutionComplete()


@pytest.fixture
def dns():
    """Install a stub as the reactor's resolver, guarded as a crawl guards it; put the
    reactor's own back afterwards."""
    original = reactor.nameResolver
    original = original.inner if isinstance(original, GuardedResolver) else original

    def install(answers):
        stub = StubDNS(answers)
        reactor.installNameResolver(stub)
        GuardedResolver(reactor).install_on_reactor()
        return stub

    yield install
    reactor.installNameResolver(original)


class Receiver:
    def __init__(self):
        self.addresses, self.done = [], False

    def resolutionBegan(self, resolution):
        pass

    def addressResolved(self, address):
        self.addresses.append(address.host)

    def resolutionComplete(self):
        self.done = True


def resolve(resolver, name, port=80):
    receiver = Receiver()
    resolver.resolveHostName(receiver, name, port)
    assert receiver.done
    return receiver.addresses


def test_one_lookup_per_name_and_only_vetted_answers(dns):
    stub = dns({"rebind.test": [["93.184.216.34"], ["127.0.0.1"]],
                "inside.test": [["8.8.8.8", "10.0.0.5"]]})
    resolver = reactor.nameResolver
    assert resolve(resolver, "rebind.test") == ["93.184.216.34"]
    assert resolve(resolver, "rebind.test", 8080) == ["93.184.216.34"], "not asked again"
    assert stub.queries == ["rebind.test"]
    assert resolve(resolver, "inside.test") == [], "one private answer refuses them all"
    assert resolver.refusal("inside.test", 80, [IPv4Address("TCP", "10.0.0.5", 80)]) == (
        "private address 10.0.0.5")
    resolver.policy = Policy(allowed=frozenset({"inside.test:8080"}))
    assert resolve(resolver, "inside.test", 8080) == ["8.8.8.8", "10.0.0.5"]
    assert resolve(resolver, "inside.test", 80) == []


@pytest_twisted.ensureDeferred
async def test_a_name_that_rebinds_or_fails_never_reaches_the_network_inside(
        dns, server, tmp_path):
    """The guard's lookup fails (it failed open before) or answers 127.0.0.1: not even
    robots.txt is asked of the server inside."""
    port = server.httpd.server_address[1]
    stub = dns({"rebind.test": [[], ["127.0.0.1"]], "inside.test": [["127.0.0.1"]]})
    admin = f"http://rebind.test:{port}/internal-admin?action=delete-all"
    inside = f"http://inside.test:{port}/climate"
    db = tmp_path / "archive.db"
    result = await crawl_here(db, [cite(tmp_path / "doc.txt", [admin, inside])],
                              FETCH_ALLOW_PRIVATE=False, RETRY_TIMES=0)
    assert result.finished
    assert failure_reasons(db) == {admin: "DNS lookup failed",
                                   inside: "blocked: private address 127.0.0.1"}
    assert server.requests == []
    assert stub.queries.count("rebind.test") == 1, "resolved once, for the guard and the fetch"


@pytest_twisted.ensureDeferred
async def test_ipv6_literal_urls_are_fetched_when_allowed(tmp_path):
    with FixtureServer("::1") as six:
        six.route("/climate", page("putin-offers.html"))
        db = tmp_path / "archive.db"
        result = await crawl_here(db, [cite(tmp_path / "doc.txt", [six.url("/climate")])])
        assert result.finished and failure_reasons(db) == {}
        assert "/climate" in snapshots_by_path(db, six.base) and six.hits("/climate") == 1


@pytest_twisted.ensureDeferred
async def test_through_a_proxy_on_a_private_address_the_target_is_checked(
        dns, server, tmp_path, monkeypatch):
    """A corporate proxy on 127.0.0.1 fetches public pages; a target inside is still
    refused, before anything is sent to the proxy."""
    dns({"news.example": [["93.184.216.34"]], "intranet.example": [["10.1.2.3"]]})
    monkeypatch.setenv("http_proxy", server.base)
    monkeypatch.setenv("no_proxy", "127.0.0.1")  # the proxy's host, another port, direct
    server.route("http://news.example/story", page("putin-offers.html"))
    db = tmp_path / "archive.db"
    with FixtureServer() as beside:
        beside.route("/internal-admin", page("putin-offers.html"))
        urls = ["http://news.example/story", "http://intranet.example/payroll",
                beside.url("/internal-admin")]
        result = await crawl_here(db, [cite(tmp_path / "doc.txt", urls)],
                                  FETCH_ALLOW_PRIVATE=False, RETRY_TIMES=0,
                                  ROBOTSTXT_OBEY=False)
        assert beside.requests == [], "the proxy's host is no exemption for other ports"
    assert result.finished
    assert failure_reasons(db) == {
        "http://intranet.example/payroll": "blocked: private address 10.1.2.3",
        beside.url("/internal-admin"): "blocked: private address 127.0.0.1"}
    assert server.hits("http://news.example/story") == 1
    assert not [path for path, _ in server.requests if "intranet" in path]
