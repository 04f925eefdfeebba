"""The SSRF guard's address rule, an explicit deny-list: private, loopback, link-local and
other special-purpose addresses are never fetched, nor IPv6 addresses that lead to them (the
guard on whole crawls and redirects is exercised by crawls)."""

from __future__ import annotations

import pytest

from crawler.core.addresses import is_public


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0",
    "100.64.0.1", "224.0.0.1", "255.255.255.255", "::1", "fe80::1", "fc00::1", "::",
    "::ffff:127.0.0.1", "ff02::1", "not an address",
    # Python 3.11.7's is_global calls these public; each leads inside.
    "192.0.0.8", "::ffff:0:7f00:1", "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1",
    "2002:7f00:1::", "::127.0.0.1", "2001::1", "2001:db8::1", "198.18.0.1", "192.0.2.1",
    "fe80::1%eth0", "[::1]",
])
def test_not_public(address):
    assert not is_public(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111",
                                     "64:ff9b::808:808", "2002:808:808::1", "::ffff:8.8.8.8"])
def test_public(address):
    assert is_public(address)
