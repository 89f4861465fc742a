"""Fetch an article page over HTTP: bounded in time and size, refusing private addresses, conditional.

httpx is the client: it streams (so the size cap holds while reading, compressed or not), has separate
connect/read timeouts, and lets a request go to a checked IP address while TLS still verifies the host
name (the ``sni_hostname`` extension), which is what the address guard needs.
"""

import hashlib
import ipaddress
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import SplitResult, urljoin, urlsplit, urlunsplit

import httpx
from bs4.dammit import UnicodeDammit
from django.conf import settings

from articles.canonical import SCHEMES

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]
HTML_TYPES = ("text/html", "application/xhtml+xml")
REDIRECT_CODES = (301, 302, 303, 307, 308)


class FetchError(Exception):
    """A check that produced no page. ``transient`` errors are retried sooner than permanent ones."""

    def __init__(self, reason: str, *, transient: bool, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient
        self.status = status


@dataclass(frozen=True)
class FetchResult:
    url: str
    status: int
    not_modified: bool
    body: bytes = b""
    text: str = ""
    content_type: str = ""
    etag: str = ""
    last_modified: str = ""

    @property
    def body_hash(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


def resolve(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def is_allowed_address(address: IPAddress, allowed: Sequence[str]) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if any(address in ipaddress.ip_network(net, strict=False) for net in allowed):
        return True
    return address.is_global and not address.is_multicast


def checked_address(host: str, port: int, resolver: Resolver, allowed: Sequence[str]) -> str:
    """Resolve ``host`` once and return the address to connect to; refuse if any answer is not public."""
    try:
        addresses = [ipaddress.ip_address(a.split("%")[0]) for a in resolver(host, port)]
    except (OSError, UnicodeError) as exc:
        raise FetchError(f"cannot resolve {host}: {exc}", transient=True) from None
    if not addresses:
        raise FetchError(f"cannot resolve {host}", transient=True)
    for address in addresses:
        if not is_allowed_address(address, allowed):
            raise FetchError(f"refused: {host} resolves to non-public address {address}", transient=False)
    return str(addresses[0])


def _netloc(host: str, port: int | None) -> str:
    host = f"[{host}]" if ":" in host else host
    return f"{host}:{port}" if port else host


def _pinned_url(parts: SplitResult, address: str) -> str:
    return urlunsplit((parts.scheme, _netloc(address, parts.port), parts.path or "/", parts.query, ""))


def decode_html(body: bytes, declared: str | None) -> str:
    """Charset from the Content-Type header (``declared``), then the document's own meta, then detection."""
    dammit = UnicodeDammit(body, known_definite_encodings=[declared] if declared else [], is_html=True)
    if dammit.unicode_markup is None:
        return body.decode("utf-8", errors="replace")
    return dammit.unicode_markup


def fetch(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    resolver: Resolver = resolve,
    allowed_networks: Sequence[str] | None = None,
    max_bytes: int | None = None,
) -> FetchResult:
    allowed = settings.FETCH_ALLOWED_NETWORKS if allowed_networks is None else allowed_networks
    limit = settings.FETCH_MAX_BYTES if max_bytes is None else max_bytes
    deadline = time.monotonic() + settings.FETCH_TOTAL_TIMEOUT
    timeout = httpx.Timeout(settings.FETCH_READ_TIMEOUT, connect=settings.FETCH_CONNECT_TIMEOUT)
    headers = {
        "User-Agent": settings.FETCH_USER_AGENT,
        "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified

    # trust_env=False: a proxy would resolve the name itself and bypass the address check.
    with httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False) as client:
        for _hop in range(settings.FETCH_MAX_REDIRECTS + 1):
            parts = urlsplit(url)
            if parts.scheme not in SCHEMES or not parts.hostname:
                raise FetchError(f"refused: cannot fetch {url!r}", transient=False)
            port = parts.port or (443 if parts.scheme == "https" else 80)
            address = checked_address(parts.hostname, port, resolver, allowed)
            request = client.build_request(
                "GET",
                _pinned_url(parts, address),
                headers={**headers, "Host": _netloc(parts.hostname, parts.port)},
                extensions={"sni_hostname": parts.hostname},
            )
            try:
                response = client.send(request, stream=True)
            except httpx.TimeoutException:
                raise FetchError("timed out connecting", transient=True) from None
            except httpx.TransportError as exc:
                raise FetchError(f"connection failed: {exc}", transient=True) from None
            try:
                if response.status_code in REDIRECT_CODES and "location" in response.headers:
                    url = urljoin(url, response.headers["location"])
                    continue
                return _read_response(url, response, limit, deadline)
            finally:
                response.close()
    raise FetchError(f"more than {settings.FETCH_MAX_REDIRECTS} redirects", transient=False)


def _read_response(url: str, response: httpx.Response, limit: int, deadline: float) -> FetchResult:
    status = response.status_code
    validators = {
        "etag": response.headers.get("etag", ""),
        "last_modified": response.headers.get("last-modified", ""),
    }
    if status == 304:
        return FetchResult(url=url, status=status, not_modified=True, **validators)
    if status >= 400:
        transient = status >= 500 or status in (408, 425, 429)
        raise FetchError(f"HTTP {status}", transient=transient, status=status)
    if status != 200:
        raise FetchError(f"unexpected HTTP {status}", transient=True, status=status)
    content_type = response.headers.get("content-type", "")
    media_type = content_type.split(";")[0].strip().lower()
    if media_type and media_type not in HTML_TYPES:
        raise FetchError(f"not an HTML page ({media_type})", transient=False, status=status)

    chunks: list[bytes] = []
    size = 0
    try:
        # iter_bytes yields decompressed bytes, so the cap also stops compression bombs.
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                raise FetchError(f"page larger than {limit} bytes", transient=False, status=status)
            if time.monotonic() > deadline:
                raise FetchError("took too long to download", transient=True, status=status)
            chunks.append(chunk)
    except httpx.TimeoutException:
        raise FetchError("timed out reading the page", transient=True, status=status) from None
    except httpx.HTTPError as exc:
        raise FetchError(f"broken response: {exc}", transient=True, status=status) from None
    body = b"".join(chunks)
    return FetchResult(
        url=url,
        status=status,
        not_modified=False,
        body=body,
        text=decode_html(body, response.charset_encoding),
        content_type=content_type,
        **validators,
    )
