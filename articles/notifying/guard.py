"""The address guard over every connection a notification opens, whichever library opens it.

Apprise reaches its services through requests, smtplib and others, each resolving names its own way;
webhooks go through httpx. Rather than trust each to ask the guard, an audit hook (``sys.addaudithook``)
watches the one place they all pass, the ``socket.connect`` event, which carries the address about to be
connected to, after any name was resolved. While ``guarded()`` is active in the current context (a
notification being sent; Apprise copies the context into the threads it sends from), an address that
``addresses.is_allowed_address`` refuses makes the connect raise ``RefusedAddress`` before any packet
leaves: the same judgement as the fetcher's guard, on the address actually used, so a DNS answer that
changes between a check and the connect (rebinding) changes nothing. Outside ``guarded()`` the hook does
nothing: the fetcher, the database and Redis are not its business.

The hook is installed once per process, on first use; Python cannot remove an audit hook.
"""

import contextlib
import functools
import ipaddress
import socket
import ssl
import sys
import threading
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import certifi
import httpx

from articles.addresses import is_allowed_address


class RefusedAddress(OSError):
    """A connection the guard refused. An OSError, so that every client library reports it as the failed
    connection it is (requests' ConnectionError, httpx's ConnectError, smtplib's own)."""


@dataclass
class Guard:
    """What one send may connect to, and what it was refused (shared with the threads Apprise starts)."""

    allowed: tuple[str, ...]
    refused: list[str] = field(default_factory=list)


_current: ContextVar[Guard | None] = ContextVar("notification_guard", default=None)
_installed = False
_install_lock = threading.Lock()


def refusal(address: Any, allowed: Sequence[str]) -> str | None:
    """Why a connection to the socket address ``address`` ((host, port) or (host, port, flow, scope)) is
    refused, or None if it is allowed. Only judges: never resolves, never connects."""
    try:
        host = str(address[0]).split("%")[0]  # an IPv6 scope (fe80::1%eth0) is no part of the address
        ip = ipaddress.ip_address(host)
    except (ValueError, TypeError, IndexError):
        # A socket connects only to an address; anything else (a name, which connect would resolve
        # itself, bypassing the guard's judgement) is refused.
        return f"refused: {address!r} is not an IP address"
    if not is_allowed_address(ip, allowed):
        return f"refused: {ip} is a non-public address"
    return None


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event != "socket.connect":
        return
    guard = _current.get()
    if guard is None:
        return
    sock, address = args
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return  # a Unix socket: no network
    reason = refusal(address, guard.allowed)
    if reason is not None:
        guard.refused.append(reason)
        raise RefusedAddress(reason)


def _install() -> None:
    global _installed
    with _install_lock:
        if not _installed:
            sys.addaudithook(_audit)
            _installed = True


@contextlib.contextmanager
def guarded(allowed: Sequence[str]) -> Iterator[Guard]:
    """Every connection opened in this context (and in threads started with a copy of it) until the block
    ends is judged: public addresses and ``allowed`` networks only."""
    _install()
    guard = Guard(tuple(allowed))
    token = _current.set(guard)
    try:
        yield guard
    finally:
        _current.reset(token)


def outbound_client(timeout: float, connect: float) -> httpx.Client:
    """An httpx client for the app's own calls out (webhooks, Save Page Now), to be used inside ``guarded``:
    certifi's CAs, no proxy from the environment (the guard judges the address connected to, which a proxy
    would hide), no redirect followed (each would be a new address to judge), connecting for at most
    ``connect`` of the ``timeout`` seconds."""
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=min(timeout, connect)),
        follow_redirects=False,
        trust_env=False,
        verify=tls_context(),
    )


@functools.cache
def tls_context() -> ssl.SSLContext:
    """httpx's default TLS context (certifi's CAs), made once per process: loading the CAs took 16 of a local
    webhook's 20 ms when each send made its own."""
    return ssl.create_default_context(cafile=certifi.where())
