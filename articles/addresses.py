"""Which addresses newsdiffs may send a packet to: public ones, and those listed in FETCH_ALLOWED_NETWORKS.

Pure judgement of IP addresses, with no resolver and no network: the address guard (fetching/guard.py)
judges every address a hop resolves to with it, and tracking judges a host written as an IP literal
with it before an article is stored (models.trackable_url), without loading the fetcher. IP literals
include inet_aton's spellings such as ``2130706433`` or ``0177.0.0.1`` and any spelling with a trailing
dot. IPv6 addresses that lead to an IPv4 address (6to4, NAT64, IPv4-mapped, -compatible and
-translated) are judged by that IPv4 address; local-use NAT64 and Teredo are refused whole.
"""

import ipaddress
import re
import socket
from collections.abc import Sequence

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# IPv6 prefixes that carry an IPv4 address in their last 32 bits and reach it through a gateway or the
# host's own stack: IPv4-compatible (::a.b.c.d), IPv4-translated (::ffff:0:a.b.c.d, SIIT) and the NAT64
# well-known prefix. (IPv4-mapped ::ffff:a.b.c.d is unwrapped first; 6to4 is read by ``sixtofour``.)
_EMBEDDING_IPV4 = tuple(ipaddress.ip_network(net) for net in ("::/96", "::ffff:0:0:0/96", "64:ff9b::/96"))
# Special-purpose blocks that are not globally reachable (IANA registries) but that some Python releases'
# ipaddress counts as global (3.11.7 does for 192.0.0.8, for instance): refused whatever Python runs us.
# Local-use NAT64 (64:ff9b:1::/48, RFC 8215) is one: its IPv4 address sits where the operator's prefix
# length puts it (bits 48-87 for a /48, the last 32 for a /96), so no one reading of it can be judged and
# the whole block is refused. 2001::/23 holds Teredo (2001::/32), refused whatever it embeds.
_NOT_GLOBAL = tuple(
    ipaddress.ip_network(net)
    for net in ("0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "198.18.0.0/15", "240.0.0.0/4", "2001::/23",
                "2001:db8::/32", "3fff::/20", "5f00::/16", "64:ff9b:1::/48")
)  # fmt: skip


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.sixtofour:
        return address.sixtofour
    if any(address in network for network in _EMBEDDING_IPV4):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_allowed_address(address: IPAddress, allowed: Sequence[str]) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if any(address in ipaddress.ip_network(net, strict=False) for net in allowed):
        return True
    if not address.is_global or address.is_multicast or any(address in net for net in _NOT_GLOBAL):
        return False
    # 6to4, NAT64 and IPv4-compatible addresses count as public IPv6 but lead to their IPv4 address.
    embedded = _embedded_ipv4(address)
    return embedded is None or is_allowed_address(embedded, allowed)


def without_trailing_dots(host: str) -> str:
    """``127.0.0.2.`` is 127.0.0.2 and ``news.example.`` is news.example (the dot only marks the name as
    absolute): judged without it, as canonical_url stores hosts, so that an address so written is not
    missed by the literal check and handed to a resolver instead (the system's fails on it, which read
    as a transient error, retried for ever)."""
    return host.rstrip(".")


def literal_address(host: str) -> IPAddress | None:
    host = without_trailing_dots(host)
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    # getaddrinfo reads inet_aton's spellings (2130706433, 0177.0.0.1, 0x7f.1) as addresses without any
    # DNS query; reading them here means a stub or odd resolver cannot answer something else for them.
    if re.fullmatch(r"[0-9][0-9a-fA-FxX.]*", host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def refused_literal(host: str, allowed: Sequence[str]) -> IPAddress | None:
    """The address ``host`` spells if it is an IP literal the guard would refuse, else None: an article on
    such a host is refused when it is tracked, not only at each check."""
    literal = literal_address(host)
    return literal if literal is not None and not is_allowed_address(literal, allowed) else None
