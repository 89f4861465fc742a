"""Fetch a page over HTTP: bounded in time and size, refusing private addresses, honouring robots.txt.

httpx is the client: it streams (so the size cap holds while reading, compressed or not), has separate
connect/read timeouts, and lets a request go to a checked IP address while TLS still verifies the host
name (the ``sni_hostname`` extension), which is what the address guard needs.

The address guard. Every hop (the first URL, each redirect target, robots.txt and its redirects) has its
host resolved once here; if any answer is loopback, private, link-local, multicast or otherwise not
public (unless listed in ``FETCH_ALLOWED_NETWORKS``), the hop is refused before a packet is sent. IP
literals, including inet_aton spellings such as ``2130706433`` or ``0177.0.0.1``, are judged without
asking any resolver. Without a proxy the request then goes to the very address that was judged, so a
second DNS answer cannot move it elsewhere (DNS rebinding).

Proxies. ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY`` and ``NO_PROXY`` are read from the environment as
other HTTP tools read them (NO_PROXY takes host names and suffixes, not network ranges). When a proxy
applies to a URL, the target's name is still resolved and judged here, and a private or metadata
address is refused as above. But the request has to carry the name, and the proxy resolves it again:
a name whose DNS answers change between our look-up and the proxy's (rebinding) can still reach an
address we refused. So the proxy must enforce its own egress rules (no loopback, private or metadata
ranges); the guard here is a first line, not the only one. The proxy's own address is the operator's
configuration and is not checked.

robots.txt (see ``articles/robots.py``) is honoured unless ``settings.FETCH_ROBOTS`` or the ``robots``
argument says otherwise. It is fetched through the same guarded path with a small size cap and short
timeouts, and its rules are cached per scheme, host and port.
"""

import functools
import hashlib
import ipaddress
import re
import socket
import ssl
import threading
import time
import urllib.request
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from urllib.parse import SplitResult, urljoin, urlsplit, urlunsplit

import httpx
from bs4.dammit import EncodingDetector, UnicodeDammit
from django.conf import settings

from articles import robots as robots_txt
from articles.canonical import SCHEMES

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]
HTML_TYPES = ("text/html", "application/xhtml+xml")
# What a site's feed is served as; section pages (text/html) are read for links to articles too.
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml", "text/html")
REDIRECT_CODES = (301, 302, 303, 307, 308)
# robots.txt is small and asked for before the page: a slow one must not use up the page's time.
ROBOTS_TIMEOUT = 5.0
ROBOTS_TOTAL_TIMEOUT = 10.0
# IPv6 prefixes that carry an IPv4 address in their last 32 bits and reach it through a gateway or the
# host's own stack: IPv4-compatible (::a.b.c.d) and the NAT64 well-known prefix.
_EMBEDDING_IPV4 = (ipaddress.ip_network("::/96"), ipaddress.ip_network("64:ff9b::/96"))
# Special-purpose blocks that are not globally reachable (IANA registries) but that some Python releases'
# ipaddress counts as global (3.11.7 does for 192.0.0.8, for instance): refused whatever Python runs us.
_NOT_GLOBAL = tuple(
    ipaddress.ip_network(net)
    for net in ("0.0.0.0/8", "100.64.0.0/10", "192.0.0.0/24", "198.18.0.0/15", "240.0.0.0/4", "2001::/23",
                "2001:db8::/32", "3fff::/20", "5f00::/16")
)  # fmt: skip
# WHATWG Encoding: these labels mean windows-1252 in every browser, so smart quotes decode as quotes.
_WINDOWS_1252_LABELS = frozenset({"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "ascii", "us-ascii"})
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))


class FetchError(Exception):
    """A fetch that produced no page. ``transient`` errors (timeouts, connection failures, 5xx, 408, 425,
    429, robots.txt unavailable) are retried sooner; permanent ones (404, 410, other 4xx, wrong content
    type, refused address, robots.txt disallow, redirect loops, oversized body) back off further."""

    def __init__(self, reason: str, *, transient: bool, status: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.transient = transient
        self.status = status

    @property
    def permanent(self) -> bool:
        return not self.transient


class TooManyRedirects(FetchError):
    """Separate so that robots.txt can read a redirect loop as RFC 9309 says: as no robots.txt."""


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


def _literal_address(host: str) -> IPAddress | None:
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
    literal = _literal_address(host)
    return literal if literal is not None and not is_allowed_address(literal, allowed) else None


def checked_address(host: str, port: int, resolver: Resolver, allowed: Sequence[str]) -> str:
    """Resolve ``host`` once and return the address to connect to; refuse if any answer is not public."""
    literal = _literal_address(host)
    if literal is not None:
        addresses = [literal]
    else:
        try:
            addresses = [ipaddress.ip_address(a.split("%")[0]) for a in resolver(host, port)]
        except (OSError, UnicodeError) as exc:
            raise FetchError(f"cannot resolve {host}: {exc}", transient=True) from None
    if not addresses:
        raise FetchError(f"cannot resolve {host}", transient=True)
    for address in addresses:
        if not is_allowed_address(address, allowed):
            verb = "is" if literal is not None else "resolves to"
            raise FetchError(f"refused: {host} {verb} non-public address {address}", transient=False)
    return str(addresses[0])


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
    if not proxy or urllib.request.proxy_bypass_environment(
        _netloc(parts.hostname or "", parts.port), proxies
    ):
        return None
    # curl and urllib accept "proxy:3128"; httpx wants a scheme.
    return proxy if "://" in proxy else f"http://{proxy}"


def _charset_label(label: str | None) -> str | None:
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    return "windows-1252" if label in _WINDOWS_1252_LABELS else label


def decode_html(body: bytes, declared: str | None) -> str:
    """Text of an HTML page. A byte-order mark decides; then bytes that are valid UTF-8 and not plain ASCII
    are UTF-8 (a page in another charset is practically never valid UTF-8, while headers that still say
    ISO-8859-1 for a UTF-8 page are common); then the Content-Type charset (``declared``), the document's
    own meta, and detection."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, errors="replace")
    header = _charset_label(declared)
    wide = header is not None and header.replace("-", "").startswith(("utf16", "utf32"))
    if not wide and not body.isascii():
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            pass
    meta = _charset_label(EncodingDetector.find_declared_encoding(body, is_html=True))
    candidates = [label for label in (header, meta) if label]
    dammit = UnicodeDammit(body, known_definite_encodings=candidates, is_html=True)
    if dammit.unicode_markup is None:
        return body.decode("utf-8", errors="replace")
    return dammit.unicode_markup


@dataclass(frozen=True)
class _Budget:
    """How long one download may take, in total and per connect or read."""

    deadline: float
    connect: float
    read: float

    @classmethod
    def starting_now(cls, total: float, connect: float, read: float) -> "_Budget":
        return cls(time.monotonic() + total, connect, read)

    def within(self, total: float, connect: float, read: float) -> "_Budget":
        return _Budget(
            min(self.deadline, time.monotonic() + total), min(self.connect, connect), min(self.read, read)
        )

    def timeout(self) -> httpx.Timeout:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise FetchError("took too long to download", transient=True)
        return httpx.Timeout(min(self.read, remaining), connect=min(self.connect, remaining))


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """One verifying TLS context for every fetch: loading the CA bundle costs ~14 ms, more than a whole
    check of a page otherwise; a context is safe to share between connections and threads."""
    return httpx.create_ssl_context()


# Direct requests reuse connections (keep-alive) through one client per host name: a client is pinned to
# one name, so a TLS connection verified for one site never carries a request for another that happens to
# share its address. Requests go to the address the guard checked, which is part of the pool's key, so a
# host that moves gets new connections. httpx clients are safe to share between threads.
_clients: OrderedDict[str, httpx.Client] = OrderedDict()
_clients_lock = threading.Lock()
MAX_CLIENTS = 256


def _direct_client(hostname: str) -> httpx.Client:
    with _clients_lock:
        client = _clients.get(hostname)
        if client is None:
            client = _clients[hostname] = httpx.Client(
                follow_redirects=False,
                trust_env=False,
                verify=_tls_context(),
                limits=httpx.Limits(max_connections=16, max_keepalive_connections=4, keepalive_expiry=5),
            )
            if len(_clients) > MAX_CLIENTS:
                _clients.popitem(last=False)[1].close()
        _clients.move_to_end(hostname)
        return client


def close_clients() -> None:
    """Close every pooled connection (tests between cases; a process that is done fetching)."""
    with _clients_lock:
        while _clients:
            _clients.popitem()[1].close()


class _Session:
    """The clients of one fetch (direct, or one per proxy) and the guard every hop goes through."""

    def __init__(self, resolver: Resolver, allowed: Sequence[str], max_redirects: int) -> None:
        self.resolver = resolver
        self.allowed = allowed
        self.max_redirects = max_redirects
        self._clients: dict[str | None, httpx.Client] = {}
        self._stack = ExitStack()

    def __enter__(self) -> "_Session":
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stack.close()

    def client(self, proxy: str | None, hostname: str) -> httpx.Client:
        if proxy is None:
            return _direct_client(hostname)
        if proxy not in self._clients:
            # trust_env=False: proxies are chosen in _proxy_for, after the guard, never by httpx alone.
            client = httpx.Client(follow_redirects=False, trust_env=False, proxy=proxy, verify=_tls_context())
            self._clients[proxy] = self._stack.enter_context(client)
        return self._clients[proxy]

    def decodable(self, response: httpx.Response) -> bool:
        """False when the body is compressed in a way this httpx cannot undo (br without brotli…): httpx
        would pass such bytes through as they are, and they would be stored as if they were the page."""
        offered = response.request.headers.get("accept-encoding", "")
        known = {"identity", *(e.strip().lower() for e in offered.split(","))}
        used = [e.strip().lower() for e in response.headers.get("content-encoding", "").split(",")]
        return all(e in known for e in used if e)

    def _send(
        self, parts: SplitResult, address: str, headers: dict[str, str], budget: _Budget
    ) -> httpx.Response:
        proxy = _proxy_for(parts)
        if proxy:
            # The proxy connects by name: no pinning is possible here (see the module docstring).
            url, extensions = _url_to(parts, parts.hostname or ""), {}
        else:
            url, extensions = _url_to(parts, address), {"sni_hostname": parts.hostname or ""}
        client = self.client(proxy, parts.hostname or "")
        request = client.build_request(
            "GET",
            url,
            headers={**headers, "Host": _netloc(parts.hostname or "", parts.port)},
            extensions=extensions,
            timeout=budget.timeout(),
        )
        try:
            return client.send(request, stream=True)
        except httpx.ConnectTimeout:
            raise FetchError("timed out connecting", transient=True) from None
        except httpx.TimeoutException:
            raise FetchError("timed out waiting for a response", transient=True) from None
        except httpx.RemoteProtocolError as exc:
            # httpx parses Location even when it is not following redirects, and fails on a URL it cannot
            # read (an octal IP address, say): a target no request could be sent to.
            if str(exc).startswith("Invalid URL in location header"):
                raise FetchError(f"refused: unreadable redirect ({exc})", transient=False) from None
            raise FetchError(f"connection failed: {exc}", transient=True) from None
        except httpx.TransportError as exc:
            raise FetchError(f"connection failed: {exc}", transient=True) from None

    @contextmanager
    def final_response(
        self,
        url: str,
        headers: dict[str, str],
        budget: _Budget,
        before_hop: Callable[[SplitResult], None] | None = None,
    ) -> Iterator[tuple[str, httpx.Response]]:
        """Follow redirects to the last response (open while the block runs) and the URL it came from."""
        for _hop in range(self.max_redirects + 1):
            parts = urlsplit(url)
            if parts.scheme not in SCHEMES or not parts.hostname:
                raise FetchError(f"refused: cannot fetch {url!r}", transient=False)
            # Refusing a private address comes first: it needs no robots.txt and sends nothing.
            address = checked_address(parts.hostname, _default_port(parts), self.resolver, self.allowed)
            if before_hop is not None:
                before_hop(parts)
            response = self._send(parts, address, headers, budget)
            if response.status_code in REDIRECT_CODES and "location" in response.headers:
                response.close()
                url = urljoin(url, response.headers["location"])
                continue
            try:
                yield url, response
            finally:
                response.close()
            return
        raise TooManyRedirects(f"more than {self.max_redirects} redirects", transient=False)


def _read_body(
    response: httpx.Response, session: _Session, limit: int, budget: _Budget, *, cut: bool
) -> bytes:
    """The (decompressed) body; past ``limit`` bytes it is an error, or with ``cut`` just the first bytes."""
    status = response.status_code
    if not session.decodable(response):
        encoding = response.headers.get("content-encoding", "")
        raise FetchError(f"cannot decode content encoding {encoding!r}", transient=False, status=status)
    chunks: list[bytes] = []
    size = 0
    try:
        # iter_bytes yields decompressed bytes, so the cap also stops compression bombs.
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > limit:
                if cut:
                    chunks.append(chunk[: limit - size])
                    break
                raise FetchError(f"page larger than {limit} bytes", transient=False, status=status)
            if time.monotonic() > budget.deadline:
                raise FetchError("took too long to download", transient=True, status=status)
            chunks.append(chunk)
    except httpx.TimeoutException:
        raise FetchError("timed out reading the page", transient=True, status=status) from None
    except httpx.HTTPError as exc:
        raise FetchError(f"broken response: {exc}", transient=True, status=status) from None
    return b"".join(chunks)


def _robots_rules(session: _Session, origin: str, token: str, budget: _Budget) -> robots_txt.RobotsRules:
    headers = {"User-Agent": settings.FETCH_USER_AGENT, "Accept": "text/plain,*/*;q=0.1"}
    budget = budget.within(ROBOTS_TOTAL_TIMEOUT, ROBOTS_TIMEOUT, ROBOTS_TIMEOUT)
    try:
        with session.final_response(f"{origin}/robots.txt", headers, budget) as (_url, response):
            status = response.status_code
            body = (
                _read_body(response, session, robots_txt.MAX_BYTES, budget, cut=True) if status < 300 else b""
            )
    except TooManyRedirects:
        return robots_txt.ALLOW_ALL  # RFC 9309 §2.3.1.2: may be read as "no robots.txt"
    except FetchError as error:
        raise robots_txt.RobotsUnavailable(error.reason) from None
    return robots_txt.rules_from_response(status, body, token)


def _obey_robots(session: _Session, parts: SplitResult, budget: _Budget) -> None:
    origin = f"{parts.scheme}://{_netloc(parts.hostname or '', _default_port(parts))}"
    token = robots_txt.product_token(settings.FETCH_USER_AGENT)
    try:
        rules = robots_txt.cached_rules(
            origin,
            token,
            lambda: _robots_rules(session, origin, token, budget),
            settings.FETCH_ROBOTS_CACHE_SECONDS,
        )
    except robots_txt.RobotsUnavailable as exc:
        # RFC 9309 §2.3.1.4: an unreachable robots.txt means "assume disallowed", which lasts only until
        # it can be read again.
        raise FetchError(f"robots.txt unavailable ({exc})", transient=True) from None
    if not rules.allows(urlunsplit(("", "", parts.path or "/", parts.query, ""))):
        raise FetchError("disallowed by robots.txt", transient=False)


def _accept_header(media_types: Sequence[str]) -> str:
    first, *others = media_types
    # */* last: some servers answer 406 to a request that does not accept everything.
    return ",".join([first, *(f"{t};q=0.9" for t in others), "*/*;q=0.1"])


def fetch(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    resolver: Resolver = resolve,
    allowed_networks: Sequence[str] | None = None,
    max_bytes: int | None = None,
    media_types: Sequence[str] = HTML_TYPES,
    robots: bool | None = None,
) -> FetchResult:
    """GET ``url`` (following redirects) and return the page, or raise FetchError. ``media_types`` are the
    content types accepted (a response without one is accepted too); ``robots`` overrides FETCH_ROBOTS."""
    allowed = settings.FETCH_ALLOWED_NETWORKS if allowed_networks is None else allowed_networks
    limit = settings.FETCH_MAX_BYTES if max_bytes is None else max_bytes
    obey_robots = settings.FETCH_ROBOTS if robots is None else robots
    budget = _Budget.starting_now(
        settings.FETCH_TOTAL_TIMEOUT, settings.FETCH_CONNECT_TIMEOUT, settings.FETCH_READ_TIMEOUT
    )
    headers = {"User-Agent": settings.FETCH_USER_AGENT, "Accept": _accept_header(media_types)}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified

    with _Session(resolver, allowed, settings.FETCH_MAX_REDIRECTS) as session:

        def before_hop(parts: SplitResult) -> None:
            _obey_robots(session, parts, budget)

        hook = before_hop if obey_robots else None
        with session.final_response(url, headers, budget, hook) as (final_url, response):
            return _read_response(final_url, response, session, limit, budget, media_types)


def _read_response(
    url: str,
    response: httpx.Response,
    session: _Session,
    limit: int,
    budget: _Budget,
    media_types: Sequence[str],
) -> FetchResult:
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
    if media_type and media_type not in media_types:
        what = "an HTML page" if tuple(media_types) == HTML_TYPES else "an accepted content type"
        raise FetchError(f"not {what} ({media_type})", transient=False, status=status)
    body = _read_body(response, session, limit, budget, cut=False)
    return FetchResult(
        url=url,
        status=status,
        not_modified=False,
        body=body,
        text=decode_html(body, response.charset_encoding),
        content_type=content_type,
        **validators,
    )
