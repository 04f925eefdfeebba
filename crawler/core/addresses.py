"""Which IP addresses may be fetched: the SSRF guard's rule, as an explicit deny-list.

Python's ``ipaddress.is_global`` changes between releases and, in 3.11.7, calls
``192.0.0.8``, ``::ffff:0:7f00:1``, ``64:ff9b::a9fe:a9fe`` and ``2002:a9fe:a9fe::1`` public:
the last three carry 127.0.0.1 and 169.254.169.254 (cloud metadata) inside them. So the rule
is written out here, from IANA's special-purpose address registries, and an IPv6 address
that embeds an IPv4 one (mapped, translated, NAT64, 6to4) is judged by the IPv4 address it
leads to.
"""

from __future__ import annotations

import ipaddress

__all__ = ["is_public"]

_V4_DENIED = [ipaddress.IPv4Network(block) for block in (
    "0.0.0.0/8",        # "this network"
    "10.0.0.0/8",       # private
    "100.64.0.0/10",    # carrier-grade NAT
    "127.0.0.0/8",      # loopback
    "169.254.0.0/16",   # link-local, cloud metadata
    "172.16.0.0/12",    # private
    "192.0.0.0/24",     # IETF protocol assignments
    "192.0.2.0/24",     # documentation
    "192.88.99.0/24",   # 6to4 relay anycast
    "192.168.0.0/16",   # private
    "198.18.0.0/15",    # benchmarking
    "198.51.100.0/24",  # documentation
    "203.0.113.0/24",   # documentation
    "224.0.0.0/4",      # multicast
    "240.0.0.0/4",      # reserved, broadcast
)]
_V6_DENIED = [ipaddress.IPv6Network(block) for block in (
    "::/127",           # unspecified, loopback
    "64:ff9b:1::/48",   # local-use NAT64
    "100::/64",         # discard
    "2001::/23",        # IETF protocol assignments (Teredo, ORCHID, ...)
    "2001:db8::/32",    # documentation
    "3fff::/20",        # documentation
    "5f00::/16",        # segment routing
    "fc00::/7",         # unique local
    "fe80::/10",        # link-local
    "fec0::/10",        # site-local
    "ff00::/8",         # multicast
)]
_EMBEDDING = {  # IPv6 blocks that carry an IPv4 address in their last 32 bits
    ipaddress.IPv6Network("::ffff:0:0/96"),       # IPv4-mapped
    ipaddress.IPv6Network("::ffff:0:0:0/96"),     # IPv4-translated
    ipaddress.IPv6Network("64:ff9b::/96"),        # NAT64
    ipaddress.IPv6Network("::/96"),               # IPv4-compatible (deprecated)
}
_SIX_TO_FOUR = ipaddress.IPv6Network("2002::/16")  # the IPv4 address in bits 16-48


def _ipv4_inside(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if any(ip in block for block in _EMBEDDING):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _SIX_TO_FOUR:
        return ipaddress.IPv4Address((int(ip) >> 80) & 0xFFFFFFFF)
    return None


def is_public(address: str) -> bool:
    """Whether an IP address (text; an IPv6 zone is ignored) may be fetched: not in any
    special-purpose block, nor leading to an IPv4 address that is."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0].strip("[]"))
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if (inner := _ipv4_inside(ip)) is not None:
            ip = inner
        else:
            return not any(ip in block for block in _V6_DENIED)
    return not any(ip in block for block in _V4_DENIED)
