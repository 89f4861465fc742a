"""The client pool, and the session of one fetch: every hop through the guard, redirects followed by hand."""

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from urllib.parse import SplitResult, urljoin, urlsplit

import httpx

from articles.canonical import SCHEMES
from articles.fetching.errors import TOO_SLOW, FetchError, TooManyRedirects
from articles.fetching.guard import Resolver, checked_address
from articles.fetching.transport import _BAD_LOCATION, _Budget, _client, _unreadable_redirect
from articles.fetching.urls import _default_port, _netloc, _proxy_for, _url_to
from articles.politeness import host_slot

REDIRECT_CODES = (301, 302, 303, 307, 308)


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

    def __init__(
        self, resolver: Resolver, allowed: Sequence[str], max_redirects: int, polite_wait: float | None = None
    ) -> None:
        self.resolver = resolver
        self.allowed = allowed
        self.max_redirects = max_redirects
        # How long a hop may wait for its host's politeness slot before HostBusy (None: POLITE_MAX_WAIT).
        self.polite_wait = polite_wait
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
            # The proxy connects by name: no pinning is possible here (see articles/fetching/urls.py).
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
            with ExitStack() as hop:
                # The host's politeness slot (articles/politeness.py) is held while this hop talks to it, and
                # only then: a redirect to another host waits for that host's turn, robots.txt (asked above)
                # takes its own, and what the caller does with the page afterwards holds none. Waiting for
                # it is not the server's slowness: it does not count against the deadline.
                with budget.paused():
                    hop.enter_context(host_slot(parts.hostname, self.polite_wait))
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
