"""The SSRF guard's address rule: private, loopback and link-local addresses are never
fetched (the guard on whole crawls and redirects is exercised by crawls)."""

from __future__ import annotations

import pytest

from crawler.fetch.guard import is_public


@pytest.mark.parametrize("address", [
    "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0",
    "100.64.0.1", "224.0.0.1", "255.255.255.255", "::1", "fe80::1", "fc00::1", "::",
    "::ffff:127.0.0.1", "ff02::1", "not an address",
])
def test_not_public(address):
    assert not is_public(address)


@pytest.mark.parametrize("address", ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111"])
def test_public(address):
    assert is_public(address)
