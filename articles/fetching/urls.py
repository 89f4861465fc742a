"""The URL a hop is sent to, and the proxy it goes through.

Proxies. ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY`` and ``NO_PROXY`` are read from the environment as
other HTTP tools read them (NO_PROXY takes host names and suffixes, not network ranges). When a proxy
applies to a URL, the target's name is still resolved and judged here, and a private or metadata
address is refused as above. But the request has to carry the name, and the proxy resolves it again:
a name whose DNS answers change between our look-up and the proxy's (rebinding) can still reach an
address we refused. So the proxy must enforce its own egress rules (no loopback, private or metadata
ranges); the guard here is a first line, not the only one. The proxy's own address is the operator's
configuration and is not checked.
"""

import urllib.request
from urllib.parse import SplitResult, urlunsplit


def _netloc(host: str, port: int | None) -> str:
    host = f"[{host}]" if ":" in host else host
    return f"{host}:{port}" if port else host


def _url_to(parts: SplitResult, host: str) -> str:
    """``parts`` with ``host`` (a name or the checked address), without user info or fragment."""
    return urlunsplit((parts.scheme, _netloc(host, parts.port), parts.path or "/", parts.query, ""))


def _default_port(parts: SplitResult) -> int:
    return parts.port or (443 if parts.scheme == "https" else 80)


def _proxy_for(parts: SplitResult) -> str | None:
    """The proxy the environment names for this URL, or None when there is none or NO_PROXY matches."""
    proxies = urllib.request.getproxies_environment()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    # urllib's proxy_bypass_environment is undocumented, and typeshed leaves it out.
    if not proxy or urllib.request.proxy_bypass_environment(  # type: ignore[attr-defined]
        _netloc(parts.hostname or "", parts.port), proxies
    ):
        return None
    # curl and urllib accept "proxy:3128"; httpx wants a scheme.
    return proxy if "://" in proxy else f"http://{proxy}"
