"""Time and size limits: a server that is slow, never finishes, or never stops cannot hold a worker."""

import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from pytest_django import Settings

from articles.fetching import FetchError, fetch
from articles.tests.support import Behaviour, RawServer, pause


@pytest.fixture
def short_timeouts(settings: Settings) -> None:
    settings.FETCH_CONNECT_TIMEOUT = 0.5
    settings.FETCH_READ_TIMEOUT = 0.3
    settings.FETCH_TOTAL_TIMEOUT = 0.8


CHUNKED_HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"


def timed(url: str, **kwargs: Any) -> tuple[FetchError, float]:
    started = time.monotonic()
    with pytest.raises(FetchError) as caught:
        fetch(url, robots=False, **kwargs)
    return caught.value, time.monotonic() - started


@pytest.mark.usefixtures("short_timeouts")
def test_a_server_that_never_answers_times_out(raw_server: Callable[[Behaviour], RawServer]) -> None:
    server = raw_server(lambda conn, stop: pause(stop, 5))
    error, elapsed = timed(server.url)
    assert error.reason == "timed out waiting for a response"
    assert error.transient
    assert elapsed < 1.5


@pytest.mark.usefixtures("short_timeouts")
def test_an_endless_trickle_is_cut_by_the_total_timeout(raw_server: Callable[[Behaviour], RawServer]) -> None:
    """Each chunk comes well within the read timeout, so only the total deadline can stop it."""

    def trickle(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(CHUNKED_HEADERS)
        while not pause(stop, 0.02):
            conn.sendall(b"3\r\n<p>\r\n")

    error, elapsed = timed(raw_server(trickle).url)
    assert error.reason == "took too long to download"
    assert error.transient
    assert error.status == 200
    assert 0.7 < elapsed < 1.5


@pytest.mark.usefixtures("short_timeouts")
def test_a_body_that_stops_midway_times_out(raw_server: Callable[[Behaviour], RawServer]) -> None:
    def stall(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\n\r\n<p>half")
        pause(stop, 5)

    error, elapsed = timed(raw_server(stall).url)
    assert error.reason == "timed out reading the page"
    assert error.transient
    assert elapsed < 1.5


def test_an_endless_fast_stream_is_cut_by_the_size_cap(raw_server: Callable[[Behaviour], RawServer]) -> None:
    def flood(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(CHUNKED_HEADERS)
        chunk = b"%x\r\n%s\r\n" % (16384, b"a" * 16384)
        while not stop.is_set():
            conn.sendall(chunk)

    error, elapsed = timed(raw_server(flood).url, max_bytes=1_000_000)
    assert error.reason == "page larger than 1000000 bytes"
    assert error.permanent
    assert elapsed < 2


def test_a_response_cut_short_is_a_transient_error(raw_server: Callable[[Behaviour], RawServer]) -> None:
    def hang_up(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\n\r\n<p>half")

    error, _ = timed(raw_server(hang_up).url)
    assert error.reason.startswith("broken response")
    assert error.transient


def test_a_server_that_is_not_http_is_a_transient_error(raw_server: Callable[[Behaviour], RawServer]) -> None:
    error, _ = timed(raw_server(lambda conn, stop: conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")).url)
    assert error.reason.startswith("connection failed")
    assert error.transient


@pytest.mark.usefixtures("short_timeouts")
def test_the_total_timeout_spans_redirects(raw_server: Callable[[Behaviour], RawServer]) -> None:
    """Each hop is quick, but together they may not exceed FETCH_TOTAL_TIMEOUT."""

    def slow_redirect(conn: socket.socket, stop: threading.Event) -> None:
        pause(stop, 0.25)
        conn.sendall(
            b"HTTP/1.1 302 Found\r\nLocation: /story\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        )

    error, elapsed = timed(raw_server(slow_redirect).url)
    assert error.transient
    assert error.reason in ("took too long to download", "timed out waiting for a response")
    assert elapsed < 1.5


@pytest.mark.usefixtures("short_timeouts")
def test_a_robots_txt_that_never_answers_is_unavailable_quickly(
    raw_server: Callable[[Behaviour], RawServer],
) -> None:
    server = raw_server(lambda conn, stop: pause(stop, 5))
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"^robots\.txt unavailable \(timed out waiting for a response\)$"):
        fetch(server.url)
    assert time.monotonic() - started < 1.5
