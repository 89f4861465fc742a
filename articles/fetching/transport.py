"""The deadline transport: httpx clients whose every socket operation ends by the fetch's deadline."""

import functools
import ssl
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import httpcore
import httpx

from articles.fetching.errors import TOO_SLOW, FetchError


@dataclass
class _Budget:
    """How long one download may take, in total and per connect or read. Time spent waiting for a host's
    politeness slot is not the server's and is not counted (``paused``)."""

    deadline: float
    connect: float
    read: float
    # The budget this one was cut from (robots.txt's from its page's): a pause moves that deadline too.
    parent: "_Budget | None" = field(default=None, repr=False)

    @classmethod
    def starting_now(cls, total: float, connect: float, read: float) -> "_Budget":
        return cls(time.monotonic() + total, connect, read)

    def within(self, total: float, connect: float, read: float) -> "_Budget":
        return _Budget(
            min(self.deadline, time.monotonic() + total),
            min(self.connect, connect),
            min(self.read, read),
            parent=self,
        )

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Add the time the block takes to this deadline and to those of the budgets it was cut from."""
        started = time.monotonic()
        try:
            yield
        finally:
            elapsed = time.monotonic() - started
            budget: _Budget | None = self
            while budget is not None:
                budget.deadline += elapsed
                budget = budget.parent

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
    deadline: float | None = getattr(_deadline, "at", None)
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
