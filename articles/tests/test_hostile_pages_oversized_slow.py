"""Hostile pages, oversized and slow: a body past the size cap however it comes (a length of 1 TB, no
length, endless chunks, one 50 MB line) is refused at the cap, a long line within it is stored whole;
trickles, stalls and slow redirect chains are cut by the deadline for the whole download; a redirect to an
address that cannot be read is refused. What each case asserts, and the limits scaled down for it, are in
hostile_pages_support.py."""

import socket
import threading
from collections.abc import Callable

import pytest
from pytest_django import Settings

from articles.tests.hostile_pages_support import (
    CAP,
    MB,
    STORY,
    TOO_BIG,
    TOO_SLOW,
    assert_refused,
    assert_stored,
    check,
    html_response,
    story_page,
)
from articles.tests.support import Behaviour, LocalSite, RawServer, pause

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_hostile_limits")]


# --- 1. oversized -----------------------------------------------------------------------------------------


def stream_forever(
    head: bytes, chunk: bytes, *, chunked: bool = False, total: int | None = None
) -> Behaviour:
    """Send ``head``, then ``chunk`` again and again (up to ``total`` bytes, else until the client leaves).
    The same small buffer each time: the server's own memory must not count against the fetcher's."""
    frame = b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk

    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(head)
        sent = 0
        while not stop.is_set() and (total is None or sent < total):
            conn.sendall(frame)
            sent += len(chunk)

    return behaviour


PARAGRAPHS = b"<p>" + b"A sentence of the story that goes on and on. " * 1400 + b"</p>\n"


@pytest.mark.parametrize(
    "behaviour",
    [
        # Declares 1 TB and means it.
        stream_forever(html_response(b"<html><body>", Content_Length=str(10**12)), PARAGRAPHS),
        # No length at all: the body ends when the connection does, 20 MB later.
        stream_forever(html_response(b"<html><body>"), PARAGRAPHS, total=20 * MB),
        # Chunked, never ending.
        stream_forever(
            html_response(b"", Transfer_Encoding="chunked").replace(b"close", b"keep-alive"),
            PARAGRAPHS,
            chunked=True,
        ),
        # One 50 MB line with no space or newline in it.
        stream_forever(html_response(b"<html><body><p>"), b"x" * 65536, total=50 * MB),
    ],
    ids=["content-length-1TB", "no-length-20MB", "endless-chunked", "one-50MB-line"],
)
def test_an_oversized_page_is_refused_at_the_cap(
    raw_server: Callable[[Behaviour], RawServer], behaviour: Behaviour
) -> None:
    url = raw_server(behaviour).url
    first = check(url, memory=True)
    assert_refused(first, TOO_BIG, transient=False, within=1.5)
    assert first.peak_bytes < 3 * CAP, f"peak {first.peak_bytes:,} bytes"
    # The same page again is no glitch: a permanent error twice in a row gives up on the article.
    assert_refused(check(url, article=first.article), TOO_BIG, transient=False, within=1.5, failures=2)
    assert "checks kept failing (page larger than" in first.article.standing().summary


def test_a_long_line_within_the_cap_is_stored_whole(local_site: LocalSite) -> None:
    word = "x" * 600_000  # a single line and a single "word" of 600 kB
    page = story_page(paragraphs=[STORY[0], word]).replace("\n", "")
    checked = check(local_site.serve("/story", page.encode()), memory=True)
    assert_stored(checked, "Bridge to close", [STORY[0], word], within=3)
    # Body, text and tree are each a few copies of the page; nothing grows with the line's length squared.
    assert checked.peak_bytes < 15 * len(page), f"peak {checked.peak_bytes:,} bytes"


# --- 2. slow ----------------------------------------------------------------------------------------------


def trickle(head: bytes, body: bytes, every: float) -> Behaviour:
    """Send ``head`` at once, then ``body`` one byte every ``every`` seconds: always within the read
    timeout, so only a deadline for the whole download can stop it."""

    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(head)
        for byte in body:
            if pause(stop, every):
                return
            conn.sendall(bytes([byte]))

    return behaviour


ENDLESS_HEADER = b"X-Padding: " + b"a" * 100_000
SLOW_BODY = story_page().encode() * 100


@pytest.mark.parametrize(
    "behaviour",
    [
        # Slowloris on the headers: the status line, then a header that never ends.
        trickle(b"", b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n" + ENDLESS_HEADER, 0.2),
        trickle(b"HTTP/1.1 200 OK\r\n", ENDLESS_HEADER, 0.2),
        # Slowloris on the body, with and without a length.
        trickle(html_response(b"", Content_Length=str(len(SLOW_BODY))), SLOW_BODY, 0.2),
        trickle(html_response(b""), SLOW_BODY, 0.05),
    ],
    ids=["status-line-trickle", "header-trickle", "body-trickle-with-length", "body-trickle-no-length"],
)
def test_a_trickle_is_cut_by_the_total_deadline(
    raw_server: Callable[[Behaviour], RawServer], behaviour: Behaviour
) -> None:
    checked = check(raw_server(behaviour).url)
    assert_refused(checked, TOO_SLOW, transient=True, within=2.5)
    assert checked.seconds > 1.4  # it was the deadline, not a read timeout, that ended it


def test_one_byte_a_second_is_cut_by_the_total_deadline(
    raw_server: Callable[[Behaviour], RawServer], settings: Settings
) -> None:
    settings.FETCH_READ_TIMEOUT = 1.5
    settings.FETCH_TOTAL_TIMEOUT = 2.5
    checked = check(raw_server(trickle(b"HTTP/1.1 200 OK\r\n", ENDLESS_HEADER, 1.0)).url)
    assert_refused(checked, TOO_SLOW, transient=True, within=3.5)


def stall(head: bytes) -> Behaviour:
    def behaviour(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(head)
        pause(stop, 10)

    return behaviour


@pytest.mark.parametrize(
    ("head", "reason"),
    [
        (b"", "timed out waiting for a response"),
        (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n", "timed out waiting for a response"),
        (html_response(b"<html><body><p>Half a", Content_Length="5000"), "timed out reading the page"),
    ],
    ids=["silent", "stalls-in-headers", "stalls-after-headers"],
)
def test_a_server_that_stalls_backs_off_and_fails_after_many_in_a_row(
    raw_server: Callable[[Behaviour], RawServer], head: bytes, reason: str
) -> None:
    url = raw_server(stall(head)).url
    article = None
    for failures in (1, 2, 3):
        checked = check(url, article=article)
        assert_refused(checked, reason, transient=True, within=1.5, failures=failures)
        article = checked.article


def test_a_slow_redirect_chain_is_bounded_in_total(raw_server: Callable[[Behaviour], RawServer]) -> None:
    """Five hops, each answered in 0.4 s (well within the read timeout): 2 s in all, past the deadline."""
    hops = iter(range(1, 100))

    def slow_redirect(conn: socket.socket, stop: threading.Event) -> None:
        pause(stop, 0.4)
        location = f"/hop{next(hops)}".encode()
        conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: " + location + b"\r\nContent-Length: 0\r\n\r\n")

    checked = check(raw_server(slow_redirect).url)
    assert_refused(checked, TOO_SLOW, transient=True, within=2.5)


# Locations httpx cannot read at all: a scheme with no "//" and a path that does not start with "/". A
# browser would read some (http:x as a relative link, http:\\host as http://host): refused, not guessed at.
UNREADABLE = ["http:x", "javascript:alert(1)", "mailto:x", "http:\\\\127.0.0.2:8310/r"]
NOT_ABSOLUTE = "For absolute URLs, path must be empty or begin with '/'"


@pytest.mark.parametrize(
    ("location", "reason"),
    [
        ("http://127.0.0.1:99999/story", "refused: cannot fetch 'http://127.0.0.1:99999/story'"),
        # httpx reads the Location header itself (even when it does not follow it), and words these.
        ("http://[::1/story", "refused: unreadable redirect to 'http://[::1/story' (Invalid port: ':1')"),
        *[
            (location, f"refused: unreadable redirect to {location!r} ({NOT_ABSOLUTE})")
            for location in UNREADABLE
        ],
        ("file:///etc/passwd", "refused: cannot fetch 'file:///etc/passwd'"),
    ],
    ids=["port-out-of-range", "broken-ipv6-host", *UNREADABLE, "file-scheme"],
)
def test_a_redirect_to_an_unreadable_address_is_refused(
    local_site: LocalSite, location: str, reason: str
) -> None:
    url = local_site.serve("/story", "", status=302, headers={"Location": location})
    checked = check(url)
    assert_refused(checked, reason, transient=False, within=1)
    assert_refused(check(url, article=checked.article), reason, transient=False, within=1, failures=2)


@pytest.mark.parametrize("location", UNREADABLE)
def test_a_robots_txt_redirect_to_an_unreadable_address_is_a_recorded_failure(
    local_site: LocalSite,
    settings: Settings,
    location: str,
) -> None:
    """As for any robots.txt that cannot be read (RFC 9309 §2.3.1.4): the page is not fetched, and the
    check backs off as for an unreachable robots.txt."""
    settings.FETCH_ROBOTS = True
    local_site.serve("/robots.txt", "", status=301, headers={"Location": location})
    checked = check(local_site.serve("/story", story_page()))
    reason = f"robots.txt unavailable (refused: unreadable redirect to {location!r} ({NOT_ABSOLUTE}))"
    assert_refused(checked, reason, transient=True, within=1)
    assert [path for path, _ in local_site.requests] == ["/robots.txt"]
