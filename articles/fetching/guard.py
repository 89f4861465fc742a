"""The address guard.

Every hop (the first URL, each redirect target, robots.txt and its redirects) has its host resolved once
here; if any answer is loopback, private, link-local, multicast or otherwise not public (unless listed in
``FETCH_ALLOWED_NETWORKS``), the hop is refused before a packet is sent (what counts as public: see
articles/addresses.py). IP literals are judged without asking any resolver. Without a proxy the request
then goes to the very address that was judged, so a second DNS answer cannot move it elsewhere (DNS
rebinding).
"""

import ipaddress
import socket
from collections.abc import Callable, Sequence

from articles.addresses import is_allowed_address, literal_address, without_trailing_dots
from articles.fetching.errors import FetchError

Resolver = Callable[[str, int], list[str]]


def resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def checked_address(host: str, port: int, resolver: Resolver, allowed: Sequence[str]) -> str:
    """Resolve ``host`` once and return the address to connect to; refuse if any answer is not public."""
    literal = literal_address(host)
    if literal is not None:
        addresses = [literal]
    elif not (name := without_trailing_dots(host)):
        raise FetchError(f"refused: no host name in {host!r}", transient=False)
    else:
        try:
            addresses = [ipaddress.ip_address(a.split("%")[0]) for a in resolver(name, port)]
        except (OSError, UnicodeError) as exc:
            raise FetchError(f"cannot resolve {host}: {exc}", transient=True) from None
    if not addresses:
        raise FetchError(f"cannot resolve {host}", transient=True)
    for address in addresses:
        if not is_allowed_address(address, allowed):
            verb = "is" if literal is not None else "resolves to"
            raise FetchError(f"refused: {host} {verb} non-public address {address}", transient=False)
    return str(addresses[0])
