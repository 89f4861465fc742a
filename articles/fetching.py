"""Fetch a page over HTTP: bounded in time and size, refusing private addresses, honouring robots.txt.

httpx is the client: it streams (so the size cap holds while reading, compressed or not), has separate
connect/read timeouts, and lets a request go to a checked IP address while TLS still verifies the host
name (the ``sni_hostname`` extension), which is what the address guard needs.

The address guard. Every hop (the first URL, each redirect target, robots.txt and its redirects) has its
host resolved once here; if any answer is loopback, private, link-local, multicast or otherwise not
public (unless listed in ``FETCH_ALLOWED_NETWORKS``), the hop is refused before a packet is sent. IP
literals, including inet_aton spellings such as ``2130706433`` or ``0177.0.0.1`` and any spelling with a
trailing dot, are judged without asking any resolver. IPv6 addresses that lead to an IPv4 address (6to4,
NAT64, IPv4-mapped, -compatible and -translated) are judged by that IPv4 address; local-use NAT64 and
Teredo are refused whole. Without a proxy the request then goes to the very address that was judged, so
a second DNS answer cannot move it elsewhere (DNS rebinding).

Proxies. ``HTTP_PROXY``/``HTTPS_PROXY``/``ALL_PROXY`` and ``NO_PROXY`` are read from the environment as
other HTTP tools read them (NO_PROXY takes host names and suffixes, not network ranges). When a proxy
applies to a URL, the target's name is still resolved and judged here, and a private or metadata
address is refused as above. But the request has to carry the name, and the proxy resolves it again:
a name whose DNS answers change between our look-up and the proxy's (rebinding) can still reach an
address we refused. So the proxy must enforce its own egress rules (no loopback, private or metadata
ranges); the guard here is a first line, not the only one. The proxy's own address is the operator's
configuration and is not checked.

Limits. A fetch ends by FETCH_TOTAL_TIMEOUT however slowly the server sends, headers included (every
socket read is shortened to the time left: ``_DeadlineStream``). A body is at most FETCH_MAX_BYTES after
its content encodings are undone, which is done here in 64 kB steps, so a compression bomb costs the cap
and not what it inflates to; a declared Content-Length past the cap is refused before reading. A body that
is binary whatever its Content-Type says (an image, a PDF, compressed bytes sent as they are) is refused
rather than read as text. Every failure is a FetchError whose reason a person can read.

robots.txt (see ``articles/robots.py``) is honoured unless ``settings.FETCH_ROBOTS`` or the ``robots``
argument says otherwise. It is fetched through the same guarded path with a small size cap and short
timeouts, and its rules are cached per scheme, host and port.
"""

import codecs
import functools
import hashlib
import ipaddress
import re
import socket
import ssl
import threading
import time
import urllib.request
import zlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, urljoin, urlsplit, urlunsplit

import charset_normalizer
import httpcore
import httpx
from bs4.dammit import EncodingDetector
from django.conf import settings

from articles import robots as robots_txt
from articles.canonical import SCHEMES

try:
    import brotli
except ImportError:  # pragma: no cover - brotli is a runtime requirement; without it br is not offered
    brotli = None
# Only a brotli that can stop its output at a size we choose (1.2's output_buffer_limit) is used at all.
_BOUNDED_BROTLI = brotli is not None and hasattr(brotli.Decompressor(), "can_accept_more_data")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]
HTML_TYPES = ("text/html", "application/xhtml+xml")
# What a site's feed is served as; section pages (text/html) are read for links to articles too.
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml", "text/html")
REDIRECT_CODES = (301, 302, 303, 307, 308)
# Content encodings are undone this many bytes at a time, and at most this many layers deep ("gzip, gzip"
# happens when a proxy compresses again; five layers is an attack).
DECODE_STEP = 64 * 1024
MAX_CONTENT_CODINGS = 3
TOO_SLOW = "took too long to download"
# robots.txt is small and asked for before the page: a slow one must not use up the page's time.
ROBOTS_TIMEOUT = 5.0
ROBOTS_TOTAL_TIMEOUT = 10.0
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
# WHATWG Encoding: these labels mean windows-1252 in every browser, so smart quotes decode as quotes.
_WINDOWS_1252_LABELS = frozenset({"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "ascii", "us-ascii"})
_BOMS = ((b"\xef\xbb\xbf", "utf-8"), (b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"))
# Codecs Python has and no browser does; as a page's charset they would rewrite its text (\\u escapes,
# UTF-7's +...- runs) rather than decode it.
_NOT_WEB_CHARSETS = frozenset(
    {"unicode-escape", "raw-unicode-escape", "utf-7", "idna", "punycode", "undefined", "mbcs", "oem"}
)
_HIGH_BYTE_RUNS = re.compile(rb"[\x80-\xff]+")
# What an undeclared page in a non-Latin script is detected among: the legacy charsets of the web.
_DETECTED_CHARSETS = (
    "cp1251", "koi8_r", "koi8_u", "cp866", "iso8859_5", "cp1253", "iso8859_7", "cp1255", "iso8859_8",
    "cp1256", "cp874", "cp932", "euc_jp", "iso2022_jp", "gb18030", "big5", "cp949", "cp1250", "cp1252",
    "cp1254", "cp1257", "cp1258",
)  # fmt: skip


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


def _without_trailing_dots(host: str) -> str:
    """``127.0.0.2.`` is 127.0.0.2 and ``news.example.`` is news.example (the dot only marks the name as
    absolute): judged without it, as canonical_url stores hosts, so that an address so written is not
    missed by the literal check and handed to a resolver instead (the system's fails on it, which read
    as a transient error, retried for ever)."""
    return host.rstrip(".")


def _literal_address(host: str) -> IPAddress | None:
    host = _without_trailing_dots(host)
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
    elif not (name := _without_trailing_dots(host)):
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
    """The codec a charset label names, or None for a label no browser would use: Python also knows codecs
    such as ``unicode_escape``, ``utf-7`` or ``base64`` that would rewrite or refuse a page's text."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    if label in _WINDOWS_1252_LABELS:
        return "windows-1252"
    try:
        codec = codecs.lookup(label)
    except (LookupError, ValueError):
        return None
    if not getattr(codec, "_is_text_encoding", True) or codec.name in _NOT_WEB_CHARSETS:
        return None
    return "windows-1252" if codec.name == "cp1252" else codec.name


def sniff_utf16(body: bytes) -> str | None:
    """UTF-16 without a byte-order mark, told by its zero bytes: HTML markup is ASCII, which UTF-16 writes
    with a zero byte on one side of every character. None for anything else (binary data has zeros on both
    sides, or few)."""
    sample = body[:1024]
    pairs = len(sample) // 2
    if pairs < 4:
        return None
    even, odd = sample[0 : pairs * 2 : 2].count(0), sample[1 : pairs * 2 : 2].count(0)
    if odd >= 0.3 * pairs and even <= 0.05 * pairs:
        return "utf-16-le"
    if even >= 0.3 * pairs and odd <= 0.05 * pairs:
        return "utf-16-be"
    return None


def _mostly_utf8(body: bytes) -> str | None:
    """The text if ``body`` is UTF-8 but for a few stray bytes (a pasted byte, a broken ad): one bad byte must
    not turn a whole UTF-8 page into mojibake on the loads it appears in. Other charsets' text makes valid
    UTF-8 sequences only by accident (windows-1252 practically never; EUC-KR or GBK for a fifth of its
    characters at most), so as many valid sequences as invalid bytes is UTF-8."""
    text = body.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - body.count(b"\xef\xbf\xbd")
    wide = len(text) - len(text.encode("ascii", "ignore")) - bad
    return text if wide >= bad else None


def _undeclared(body: bytes) -> str:
    """Text in a charset the page does not name (or names wrongly). Western European text has its
    non-ASCII bytes alone or in pairs inside ASCII words, and is read as windows-1252, as browsers do by
    default: statistical detection flips between Latin charsets when the chrome around the story changes
    (a "most read" box with other accents), and each flip would be stored as an edit. Cyrillic, Greek,
    Arabic, Hebrew, Thai and CJK text is written in runs of non-ASCII bytes, which detection tells apart
    better, among the charsets web pages use (allowed Mac and DOS code pages too, it takes cp1251 Russian
    for x-mac-cyrillic on some loads and not others). charset_normalizer (a runtime requirement) is asked
    explicitly: bs4 would pick whichever detector happens to be installed, and chardet takes seconds on a
    large page."""
    runs = [len(run) for run in _HIGH_BYTE_RUNS.findall(body)]
    if sum(n for n in runs if n >= 3) * 2 < sum(runs):
        return body.decode("windows-1252", errors="replace")
    best = charset_normalizer.from_bytes(body, cp_isolation=list(_DETECTED_CHARSETS)).best()
    return body.decode(best.encoding if best else "windows-1252", errors="replace")


def decode_html(body: bytes, declared: str | None) -> str:
    """Text of an HTML page. A byte-order mark decides; then the zero bytes of UTF-16; then bytes that are
    valid UTF-8 and not plain ASCII are UTF-8 (a page in another charset is practically never valid UTF-8,
    while headers that still say ISO-8859-1 for a UTF-8 page are common); then the Content-Type charset
    (``declared``) and the document's own meta, if the bytes are valid in them; then UTF-8 with a few stray
    bytes; then ``_undeclared``. Every step depends on the bytes alone, so the same bytes read the same."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, errors="replace")
    if utf16 := sniff_utf16(body):
        return body.decode(utf16, errors="replace")
    if not body.isascii():
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError:
            pass
    meta = EncodingDetector.find_declared_encoding(body, is_html=True)
    for label in (_charset_label(declared), _charset_label(meta)):
        # UTF-8 was tried above. A UTF-16 or UTF-32 label on bytes without their zero bytes is a lie
        # (WHATWG reads it as UTF-8).
        if label is None or label == "utf-8" or label.startswith(("utf-16", "utf-32")):
            continue
        try:
            # windows-1252 leaves five bytes undefined; browsers show them rather than give up the page.
            return body.decode(label, errors="replace" if label == "windows-1252" else "strict")
        except UnicodeDecodeError:
            continue
    if body.isascii():
        return body.decode("ascii")
    if (text := _mostly_utf8(body)) is not None:
        return text
    return _undeclared(body)


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
            raise FetchError(TOO_SLOW, transient=True)
        return httpx.Timeout(min(self.read, remaining), connect=min(self.connect, remaining))

    def expired(self) -> bool:
        # A socket timeout set to the time remaining may wake a hair early.
        return time.monotonic() >= self.deadline - 0.01

    @contextmanager
    def enforced(self) -> Iterator[None]:
        """Make every socket operation of this thread end by the deadline (see ``_DeadlineStream``)."""
        before = getattr(_deadline, "at", None)
        _deadline.at = self.deadline if before is None else min(before, self.deadline)
        try:
            yield
        finally:
            _deadline.at = before


# httpx's timeouts bound each socket operation, not a whole response: a server that sends its headers or
# body one byte at a time, each within the read timeout, would hold a worker for hours (h11 waits for up to
# 64 kB of headers). Every socket of the fetcher goes through these wrappers, which shorten each read,
# write and connect to what is left of the current fetch's deadline: a thread-local, since a fetch runs on
# one thread from first byte to last while connections are shared between threads.
_deadline = threading.local()


def _left(timeout: float | None, timed_out: type[Exception]) -> float | None:
    deadline = getattr(_deadline, "at", None)
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise timed_out("past the fetch's deadline")
    return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None, timeout: float | None = None
    ) -> httpcore.NetworkStream:
        stream = self._stream.start_tls(ssl_context, server_hostname, _left(timeout, httpcore.ConnectTimeout))
        return _DeadlineStream(stream)

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        timeout = _left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._backend.connect_tcp(host, port, timeout, local_address, socket_options))

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        timeout = _left(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._backend.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def _client(proxy: str | None = None, limits: httpx.Limits | None = None) -> httpx.Client:
    """An httpx client whose connections keep to the fetch's deadline. trust_env=False: proxies are chosen
    in _proxy_for, after the guard, never by httpx alone; redirects are followed by hand, through it."""
    transport = httpx.HTTPTransport(
        verify=_tls_context(),
        proxy=proxy,
        limits=limits or httpx.Limits(max_connections=100, max_keepalive_connections=20),
    )
    # httpx has no parameter for httpcore's network backend; its pool reads this attribute per connection.
    pool = transport._pool
    if not isinstance(getattr(pool, "_network_backend", None), httpcore.SyncBackend):
        raise RuntimeError("httpcore's pool has changed: the fetch deadline cannot be enforced")
    pool._network_backend = _DeadlineBackend()
    return httpx.Client(
        follow_redirects=False,
        trust_env=False,
        transport=transport,
        event_hooks={"response": [_keep_location]},
    )


# httpx reads a redirect's Location itself, to offer the next request, even when it does not follow
# redirects, and raises for one it cannot read ("http:x", "javascript:…", "http:\\host/"): InvalidURL, or
# RemoteProtocolError with this prefix. A response hook, which runs before that, keeps the Location on the
# request so that the refusal can say what it was.
_LOCATION = "newsdiffs.location"
_BAD_LOCATION = "Invalid URL in location header: "


def _keep_location(response: httpx.Response) -> None:
    response.request.extensions[_LOCATION] = response.headers.get("location", "")


def _unreadable_redirect(request: httpx.Request, detail: str) -> FetchError:
    location = request.extensions.get(_LOCATION, "")
    shown = repr(location if len(location) <= 200 else location[:200] + "…")
    detail = detail.removeprefix(_BAD_LOCATION).rstrip(".")
    return FetchError(f"refused: unreadable redirect to {shown} ({detail})", transient=False)


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
            client = _clients[hostname] = _client(
                limits=httpx.Limits(max_connections=16, max_keepalive_connections=4, keepalive_expiry=5)
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
            self._clients[proxy] = self._stack.enter_context(_client(proxy))
        return self._clients[proxy]

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
            with budget.enforced():
                return client.send(request, stream=True)
        except httpx.InvalidURL as exc:
            raise _unreadable_redirect(request, str(exc)) from None
        except httpx.TimeoutException as exc:
            if budget.expired():
                raise FetchError(TOO_SLOW, transient=True) from None
            if isinstance(exc, httpx.ConnectTimeout):
                raise FetchError("timed out connecting", transient=True) from None
            raise FetchError("timed out waiting for a response", transient=True) from None
        except httpx.RemoteProtocolError as exc:
            if str(exc).startswith(_BAD_LOCATION):  # see _keep_location
                raise _unreadable_redirect(request, str(exc)) from None
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
            try:
                # A redirect may name anything: "http://[::1", a port past 65535.
                parts = urlsplit(url)
                port = _default_port(parts)
            except ValueError:
                raise FetchError(f"refused: cannot fetch {url!r}", transient=False) from None
            if parts.scheme not in SCHEMES or not parts.hostname:
                raise FetchError(f"refused: cannot fetch {url!r}", transient=False)
            # Refusing a private address comes first: it needs no robots.txt and sends nothing.
            address = checked_address(parts.hostname, port, self.resolver, self.allowed)
            if before_hop is not None:
                before_hop(parts)
            response = self._send(parts, address, headers, budget)
            if response.status_code in REDIRECT_CODES and "location" in response.headers:
                response.close()
                location = response.headers["location"]
                try:
                    url = urljoin(url, location)
                except ValueError:
                    raise FetchError(f"refused: cannot fetch {location!r}", transient=False) from None
                continue
            try:
                yield url, response
            finally:
                response.close()
            return
        raise TooManyRedirects(f"more than {self.max_redirects} redirects", transient=False)


class _Undecodable(Exception):
    """The body is not in the content encoding its header names."""


def _inflate(chunks: Iterator[bytes], coding: str) -> Iterator[bytes]:
    """gzip or deflate, at most DECODE_STEP bytes out per step: zlib alone inflates a whole network chunk
    at once, and 64 kB of a bomb is 64 MB of output (64 GB under a second layer)."""
    gzip = coding in ("gzip", "x-gzip")
    decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16 if gzip else zlib.MAX_WBITS)
    # Some servers send deflate without its zlib wrapper (RFC 1951 rather than 1950): until the first byte
    # comes out, what went in is kept to start again that way.
    head: bytes | None = None if gzip else b""
    received = False
    for chunk in chunks:
        data = chunk
        received = received or bool(chunk)
        while data and not decompressor.eof:
            try:
                out = decompressor.decompress(data, DECODE_STEP)
            except zlib.error:
                if head is None:
                    raise _Undecodable("is not") from None
                decompressor, data, head = zlib.decompressobj(-zlib.MAX_WBITS), head + data, None
                continue
            if head is not None:
                head = None if out or len(head) > DECODE_STEP else head + data
            if out:
                yield out
            data = decompressor.unconsumed_tail
            # All the input taken in but the output cut at the step: zlib may hold more of it.
            while not data and len(out) == DECODE_STEP and not decompressor.eof:
                if out := decompressor.decompress(b"", DECODE_STEP):
                    yield out
            if decompressor.eof and gzip and decompressor.unused_data.startswith(b"\x1f\x8b"):
                # A gzip body may be several members one after another.
                data = decompressor.unused_data
                decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
    if received and not decompressor.eof:
        raise _Undecodable("ends early")


def _unbrotli(chunks: Iterator[bytes], coding: str) -> Iterator[bytes]:
    """br, about DECODE_STEP bytes out per step at most (brotli 1.2's output_buffer_limit)."""
    decompressor = brotli.Decompressor()
    received = False
    try:
        for chunk in chunks:
            received = received or bool(chunk)
            out = decompressor.process(chunk, output_buffer_limit=DECODE_STEP)
            yield out
            # Past the limit, brotli takes no more input until what it holds has been taken out.
            while out and not decompressor.can_accept_more_data():
                out = decompressor.process(b"", output_buffer_limit=DECODE_STEP)
                yield out
        while received and not decompressor.is_finished():
            if not (out := decompressor.process(b"", output_buffer_limit=DECODE_STEP)):
                raise _Undecodable("ends early")
            yield out
    except brotli.error:
        raise _Undecodable("is not") from None


_DECODERS: dict[str, Callable[[Iterator[bytes], str], Iterator[bytes]]] = {
    "gzip": _inflate,
    "x-gzip": _inflate,
    "deflate": _inflate,
}
if _BOUNDED_BROTLI:
    _DECODERS["br"] = _unbrotli
ACCEPT_ENCODING = ", ".join(coding for coding in _DECODERS if coding != "x-gzip")


def _raw_chunks(response: httpx.Response, limit: int | None) -> Iterator[bytes]:
    """The body as sent; more than ``limit`` bytes of it decode to more than ``limit`` (compression does not
    grow data worth the name), and an endless stream of empty compressed blocks is stopped here."""
    size = 0
    for chunk in response.iter_raw():
        size += len(chunk)
        if limit is not None and size > limit:
            raise FetchError(f"page larger than {limit} bytes", transient=False, status=response.status_code)
        yield chunk


def _decoded_chunks(response: httpx.Response, limit: int | None) -> Iterator[bytes]:
    """The body with its content encodings undone, layer by layer, each bounded (see ``_inflate``).
    httpx's own decoders inflate each network chunk whole, so the body is read raw and decoded here."""
    status = response.status_code
    header = response.headers.get("content-encoding", "")
    codings = [c.strip().lower() for c in header.split(",") if c.strip().lower() not in ("", "identity")]
    if len(codings) > MAX_CONTENT_CODINGS:
        raise FetchError(f"too many content encodings ({', '.join(codings)})", transient=False, status=status)
    for coding in codings:
        if coding not in _DECODERS:
            raise FetchError(f"cannot decode content encoding {header!r}", transient=False, status=status)
    chunks = _raw_chunks(response, limit)
    # Listed in the order they were applied: undone from the last.
    for coding in reversed(codings):
        chunks = _decode_as(coding, _DECODERS[coding](chunks, coding), status)
    return chunks


def _decode_as(coding: str, chunks: Iterator[bytes], status: int) -> Iterator[bytes]:
    try:
        yield from chunks
    except _Undecodable as exc:
        what = "it ends early" if str(exc) == "ends early" else f"it says {coding} but is not"
        # A body cut short may come whole next time; a wrong label is the server's setting.
        raise FetchError(
            f"could not decompress the page ({what})", transient=str(exc) == "ends early", status=status
        ) from None


def _declared_length(response: httpx.Response) -> int | None:
    try:
        return int(response.headers.get("content-length", ""))
    except ValueError:
        return None


def _read_body(response: httpx.Response, limit: int, budget: _Budget, *, cut: bool) -> bytes:
    """The (decompressed) body; past ``limit`` bytes it is an error, or with ``cut`` just the first bytes.
    Memory stays within about ``limit`` plus a step per content encoding, whatever the body inflates to;
    time within the budget's deadline, however slowly the bytes come."""
    status = response.status_code
    declared = _declared_length(response)
    if not cut and declared is not None and declared > limit:
        raise FetchError(f"page larger than {limit} bytes", transient=False, status=status)
    chunks: list[bytes] = []
    size = 0
    try:
        with budget.enforced():
            # Cut short, a body need not be read to its end: only the deadline bounds the bytes read then.
            for chunk in _decoded_chunks(response, None if cut else limit):
                size += len(chunk)
                if size > limit:
                    if cut:
                        chunks.append(chunk[: limit - size])
                        break
                    raise FetchError(f"page larger than {limit} bytes", transient=False, status=status)
                chunks.append(chunk)
    except httpx.TimeoutException:
        reason = TOO_SLOW if budget.expired() else "timed out reading the page"
        raise FetchError(reason, transient=True, status=status) from None
    except httpx.HTTPError as exc:
        raise FetchError(f"broken response: {exc}", transient=True, status=status) from None
    return b"".join(chunks)


# The first bytes of formats that are never a page, and what to call them in the reason.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x1f\x8b", "gzip-compressed data"),
    (b"\x28\xb5\x2f\xfd", "zstd-compressed data"),
    (b"\xfd7zXZ\x00", "xz-compressed data"),
    (b"\x7fELF", "a program"),
)
# WHATWG MIME sniffing's "binary data bytes": control characters text does not use.
_BINARY_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20)])


def binary_kind(body: bytes) -> str | None:
    """What ``body`` is if it cannot be a page: a known binary format, or bytes of which more than one in
    twenty of the first 4 kB are control characters (random or compressed data has one in ten; a page with
    a stray NUL or escape has far fewer). UTF-16 text, with its zero bytes, is text."""
    if any(body.startswith(bom) for bom, _codec in _BOMS) or sniff_utf16(body):
        return None
    for signature, kind in _SIGNATURES:
        if body.startswith(signature):
            return kind
    if body[4:8] == b"ftyp":
        return "an MP4 video"
    if body[:4] == b"RIFF" and body[8:12] in (b"WEBP", b"AVI ", b"WAVE"):
        return "a RIFF media file"
    sample = body[:4096]
    controls = len(sample) - len(sample.translate(None, _BINARY_BYTES))
    return "binary data" if controls * 20 > len(sample) else None


def _robots_rules(session: _Session, origin: str, token: str, budget: _Budget) -> robots_txt.RobotsRules:
    headers = {
        "User-Agent": settings.FETCH_USER_AGENT,
        "Accept": "text/plain,*/*;q=0.1",
        "Accept-Encoding": ACCEPT_ENCODING,
    }
    budget = budget.within(ROBOTS_TOTAL_TIMEOUT, ROBOTS_TIMEOUT, ROBOTS_TIMEOUT)
    try:
        with session.final_response(f"{origin}/robots.txt", headers, budget) as (_url, response):
            status = response.status_code
            body = _read_body(response, robots_txt.MAX_BYTES, budget, cut=True) if status < 300 else b""
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
    headers = {
        "User-Agent": settings.FETCH_USER_AGENT,
        "Accept": _accept_header(media_types),
        # Only what _decoded_chunks can undo within bounds (httpx would offer whatever it has installed).
        "Accept-Encoding": ACCEPT_ENCODING,
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified

    with _Session(resolver, allowed, settings.FETCH_MAX_REDIRECTS) as session:

        def before_hop(parts: SplitResult) -> None:
            _obey_robots(session, parts, budget)

        hook = before_hop if obey_robots else None
        with session.final_response(url, headers, budget, hook) as (final_url, response):
            return _read_response(final_url, response, limit, budget, media_types)


def _read_response(
    url: str,
    response: httpx.Response,
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
    body = _read_body(response, limit, budget, cut=False)
    if kind := binary_kind(body):
        what = "an HTML page" if tuple(media_types) == HTML_TYPES else "an accepted content type"
        served = f"served as {media_type}" if media_type else "served without a content type"
        raise FetchError(f"not {what} ({kind} {served})", transient=False, status=status)
    return FetchResult(
        url=url,
        status=status,
        not_modified=False,
        body=body,
        text=decode_html(body, response.charset_encoding),
        content_type=content_type,
        **validators,
    )
