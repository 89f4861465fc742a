"""Hostile pages through the whole check path: ``run_check`` on a tracked article against a local server.

Each case asserts what a worker and the staff see: the check ends within a bound (big ones also within a
memory bound, by tracemalloc, which sees every Python allocation including zlib's and brotli's output but
not libxml2's own), no version is stored for a page without an article (and the right text is stored for an
odd but valid one), ``last_error`` says why in words, and ``next_check_at`` backs off; repeated permanent
failures end in ``failing``. The fetcher's own unit tests (test_fetching*.py) cover the pieces one by one.

Limits are scaled down so the file runs in seconds: a 1 MB size cap, 0.5 s connect/read timeouts and a
1.5 s total. A trickle of one byte every 0.2 s against a 0.5 s read timeout is the same race as one byte a
second against the default 20 s; one test runs the literal one byte a second.
"""

import codecs
import random
import socket
import threading
import time
import tracemalloc
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import brotli
import pytest
from django.conf import settings
from pytest_django import Settings

from articles.checking import CheckOutcome, run_check
from articles.models import Article
from articles.scheduling import backoff_delay
from articles.tests.support import Behaviour, LocalSite, RawServer, article_html, pause

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
CAP = 1_000_000
MB = 1 << 20
GIB = 1 << 30
STORY = ["The council voted on Tuesday to close the old bridge.", "Repairs will take two years."]
NO_TEXT = "no article text found on the page"
TOO_BIG = f"page larger than {CAP} bytes"
TOO_SLOW = "took too long to download"


@pytest.fixture(autouse=True)
def _hostile_limits(settings: Settings) -> None:
    # robots.txt has its own tests; the raw servers here would answer /robots.txt like the page.
    settings.FETCH_ROBOTS = False
    settings.FETCH_CONNECT_TIMEOUT = 0.5
    settings.FETCH_READ_TIMEOUT = 0.5
    settings.FETCH_TOTAL_TIMEOUT = 1.5
    settings.FETCH_MAX_BYTES = CAP
    settings.TRACK_BACKOFF_MIN = 600
    settings.TRACK_BACKOFF_MAX = 86400
    settings.TRACK_FAILING_AFTER = 2
    settings.TRACK_MAX_FAILURES = 3


@dataclass
class Checked:
    outcome: CheckOutcome
    seconds: float
    peak_bytes: int
    article: Article

    @property
    def versions(self) -> list[tuple[str, list[str]]]:
        return [(v.title, v.paragraphs) for v in self.article.versions.order_by("number")]


def check(url: str, *, article: Article | None = None, memory: bool = False) -> Checked:
    """One check of the article at ``url`` (tracked if need be), timed, and traced for memory if asked."""
    article = article or Article.objects.track(url)[0]
    if memory:
        tracemalloc.start()
    started = time.monotonic()
    try:
        outcome = run_check(article, now=NOW)
    finally:
        seconds = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1] if memory else 0
        if memory:
            tracemalloc.stop()
    article.refresh_from_db()
    return Checked(outcome, seconds, peak, article)


def assert_refused(
    checked: Checked, reason: str, *, transient: bool, within: float, failures: int = 1
) -> None:
    """Nothing stored, the reason recorded as is, and the next check backed off (or given up on)."""
    article = checked.article
    assert (checked.outcome.kind, checked.outcome.reason) == ("error", reason)
    assert article.last_error == reason
    assert article.versions.count() == 0
    assert article.consecutive_failures == failures
    assert checked.seconds < within, f"took {checked.seconds:.2f} s"
    gives_up = failures >= (settings.TRACK_MAX_FAILURES if transient else settings.TRACK_FAILING_AFTER)
    if gives_up:
        assert (article.status, article.next_check_at) == (Article.Status.FAILING, None)
    else:
        assert article.status == Article.Status.ACTIVE
        assert article.next_check_at == NOW + backoff_delay(failures)


def assert_stored(checked: Checked, title: str, paragraphs: list[str], *, within: float) -> None:
    assert checked.outcome.kind == "new_version", checked.outcome
    assert checked.versions == [(title, paragraphs)]
    assert checked.article.last_error == ""
    assert checked.seconds < within, f"took {checked.seconds:.2f} s"


def html_response(body: bytes, content_type: str = "text/html; charset=utf-8", **headers: str) -> bytes:
    lines = [b"HTTP/1.1 200 OK", f"Content-Type: {content_type}".encode(), b"Connection: close"]
    lines += [f"{name.replace('_', '-')}: {value}".encode() for name, value in headers.items()]
    return b"\r\n".join([*lines, b"", b""]) + body


def story_page(headline: str = "Bridge to close", paragraphs: list[str] = STORY, churn: str = "") -> str:
    return article_html(headline, paragraphs, churn=churn)


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


# --- 3. compression bombs ---------------------------------------------------------------------------------


def deflate_blocks(prefix: bytes, total: int) -> bytes:
    """Raw deflate data that inflates to ``prefix`` + ``total`` bytes of "a" (not yet final). Each MiB is
    compressed once and flushed to a byte boundary with no back-reference across it, so the same 1 kB
    block repeated is valid data: a GiB costs a megabyte and no time to make."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(b"a" * MB) + compressor.flush(zlib.Z_FULL_FLUSH)
    return head + block * (total // MB)


# The last, empty, final block. The trailers' checksums are left as zeros: computing them would mean
# inflating it all, and a reader meets them only after producing every byte, which is the bomb.
END = b"\x03\x00"


def gzip_bomb(total: int) -> bytes:
    isize = ((total + 15) % 2**32).to_bytes(4, "little")
    return (
        b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
        + deflate_blocks(b"<html><body><p>", total)
        + END
        + b"\0" * 4
        + isize
    )


def zlib_bomb(total: int) -> bytes:
    return b"\x78\xda" + deflate_blocks(b"<html><body><p>", total) + END + b"\0" * 4


@pytest.fixture(scope="module")
def brotli_bomb() -> bytes:
    """1 GiB of "a" after a paragraph tag, as brotli: about 1.6 kB (compressed a MiB at a time)."""
    compressor = brotli.Compressor(quality=1)
    parts = [compressor.process(b"<html><body><p>")]
    chunk = b"a" * MB
    parts += [compressor.process(chunk) for _ in range(GIB // MB)]
    return b"".join([*parts, compressor.finish()])


BOMBS: dict[str, tuple[Callable[[bytes], bytes], str]] = {
    "gzip-1GiB": (lambda br: gzip_bomb(GIB), "gzip"),
    "x-gzip-1GiB": (lambda br: gzip_bomb(GIB), "x-gzip"),
    "deflate-zlib-1GiB": (lambda br: zlib_bomb(GIB), "deflate"),
    "deflate-raw-1GiB": (lambda br: deflate_blocks(b"<p>", GIB) + END, "deflate"),
    "br-1GiB": (lambda br: br, "br"),
    # Each layer inflates ~1000 times: 8 kB on the wire, 8 MB after one layer, 8 GiB after both.
    "gzip-gzip-8GiB": (lambda br: gzip_bomb_of(gzip_bomb(8 * GIB)), "gzip, gzip"),
    # br outside, gzip inside: 16 MB of gzip data under brotli, 16 GiB in the end.
    "gzip-br-16GiB": (lambda br: brotli.compress(gzip_bomb(16 * GIB), quality=1), "gzip, br"),
}


def gzip_bomb_of(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize("name", list(BOMBS))
def test_a_compression_bomb_is_cut_at_the_cap_without_inflating_it(
    local_site: LocalSite, brotli_bomb: bytes, name: str
) -> None:
    make, encoding = BOMBS[name]
    bomb = make(brotli_bomb)
    assert len(bomb) < 2 * MB
    url = local_site.serve(
        "/story", bomb, headers={"Content-Type": "text/html", "Content-Encoding": encoding}
    )
    checked = check(url, memory=True)
    assert_refused(checked, TOO_BIG, transient=False, within=2)
    assert checked.peak_bytes < 3 * CAP + len(bomb), f"peak {checked.peak_bytes:,} bytes"


def test_stacked_encodings_are_limited(local_site: LocalSite) -> None:
    body = story_page().encode()
    for _ in range(5):
        body = gzip_bomb_of(body)
    url = local_site.serve(
        "/story", body, headers={"Content-Type": "text/html", "Content-Encoding": ", ".join(["gzip"] * 5)}
    )
    assert_refused(
        check(url), "too many content encodings (gzip, gzip, gzip, gzip, gzip)", transient=False, within=1
    )


@pytest.mark.parametrize(
    ("body", "encoding", "reason"),
    [
        (story_page().encode(), "gzip", "could not decompress the page (it says gzip but is not)"),
        (story_page().encode(), "deflate", "could not decompress the page (it says deflate but is not)"),
        (gzip_bomb_of(story_page().encode()), "br", "could not decompress the page (it says br but is not)"),
        (gzip_bomb_of(story_page().encode())[:-300], "gzip", "could not decompress the page (it ends early)"),
        (story_page().encode(), "compress", "cannot decode content encoding 'compress'"),
        # Says nothing, sends gzip: binary bytes, which must not be read as text.
        (
            gzip_bomb_of(story_page().encode()),
            "",
            "not an HTML page (gzip-compressed data served as text/html)",
        ),
    ],
    ids=[
        "plain-as-gzip",
        "plain-as-deflate",
        "gzip-as-br",
        "truncated-gzip",
        "unknown-encoding",
        "gzip-unsaid",
    ],
)
def test_a_lying_content_encoding_is_a_recorded_failure(
    local_site: LocalSite, body: bytes, encoding: str, reason: str
) -> None:
    headers = {"Content-Type": "text/html"} | ({"Content-Encoding": encoding} if encoding else {})
    checked = check(local_site.serve("/story", body, headers=headers))
    # Cut short, the body may come whole next time; a wrong label is the server's setting, and stays.
    assert_refused(checked, reason, transient=reason.endswith("(it ends early)"), within=1)


# --- 4. binary and non-HTML types -------------------------------------------------------------------------

NOISE = random.Random(1).randbytes(70_000)  # what compressed or encrypted data looks like
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00\x00\x00\x01\x00\x08\x06\x00\x00\x00" + NOISE[:4000]
)
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n" + NOISE[:4000]


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (PDF, "application/pdf", "not an HTML page (application/pdf)"),
        (PNG, "image/png", "not an HTML page (image/png)"),
        (b'{"headline": "Bridge to close"}', "application/json", "not an HTML page (application/json)"),
        (NOISE[:5000], "application/octet-stream", "not an HTML page (application/octet-stream)"),
        (PNG, "text/html", "not an HTML page (a PNG image served as text/html)"),
        (PDF, "text/html; charset=utf-8", "not an HTML page (a PDF document served as text/html)"),
        (PNG, None, "not an HTML page (a PNG image served without a content type)"),
        (b"\0" * 70_000, "text/html", "not an HTML page (binary data served as text/html)"),
        (NOISE, "text/html", "not an HTML page (binary data served as text/html)"),
    ],
    ids=[
        "pdf",
        "png",
        "json",
        "octet-stream",
        "png-as-html",
        "pdf-as-html",
        "png-untyped",
        "nul-bytes",
        "random",
    ],
)
def test_binary_or_non_html_is_refused_and_given_up_after_twice(
    local_site: LocalSite, body: bytes, content_type: str | None, reason: str
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    url = local_site.serve("/story", body, headers=headers)
    first = check(url)
    assert_refused(first, reason, transient=False, within=1)
    assert_refused(check(url, article=first.article), reason, transient=False, within=1, failures=2)


def test_html_without_a_content_type_is_read(local_site: LocalSite) -> None:
    checked = check(local_site.serve("/story", story_page().encode(), headers={}))
    assert_stored(checked, "Bridge to close", STORY, within=1)


def test_stray_nul_and_control_bytes_in_html_are_dropped_not_stored(local_site: LocalSite) -> None:
    """Postgres text cannot hold NUL: a page with a few in its text must still store cleanly."""
    page = story_page(
        "Bridge\x00 to close", ["The council\x00 voted\x01 on Tuesday\x1b to close the old bridge.", STORY[1]]
    )
    page = page.replace("<head>", '<head><link rel="canonical" href="/story\x00x">')
    checked = check(local_site.serve("/story", page.encode()))
    assert_stored(checked, "Bridge to close", STORY, within=1)


# --- 5. charsets --------------------------------------------------------------------------------------------

CAFE_TITLE = "Caf\u00e9 cr\u00e8me to close"
CAFE = [
    "The caf\u00e9\u2019s cr\u00e8me br\u00fbl\u00e9e \u2014 \u201cthe best in town\u201d \u2014 goes.",
    "Gr\u00fc\u00dfe aus K\u00f6ln, said the owner, na\u00efvely.",
]
# What changes between loads around the story: a counter and a list of other headlines with accents.
CHURN = [
    "", "1 203 views", "Most read: Z\u00fcrich \u2014 \u201cS\u00e9ance\u201d",
    "Stra\u00dfe 5 \u00b7 \u00a312", "\u00c9t\u00e9 \u2026 caf\u00e9 x",
    "\u00d6l \u2013 n\u00e4chste \u00bbWoche\u00ab", "B\u00f8rsen 9", "a b c",
]  # fmt: skip


def cafe_page(churn: str, meta: str = "") -> str:
    return story_page(CAFE_TITLE, CAFE, churn=churn).replace("<head>", f"<head>{meta}")


@pytest.mark.parametrize(
    ("encode", "content_type", "meta"),
    [
        (lambda page: page.encode("utf-8"), "text/html; charset=x-no-such-charset", ""),
        (lambda page: page.encode("cp1252"), "text/html; charset=utf-8", ""),
        (lambda page: page.encode("cp1252"), "text/html", ""),
        (lambda page: page.encode("utf-8"), "text/html; charset=iso-8859-1", ""),
        (lambda page: page.encode("utf-16-le"), "text/html; charset=utf-16", ""),
        (lambda page: page.encode("utf-16-be"), "text/html; charset=utf-16", ""),
        (lambda page: page.encode("utf-16-le"), "text/html", ""),
        (lambda page: page.encode("utf-16"), "text/html; charset=utf-8", ""),
        (lambda page: page.encode("cp1252"), "text/html; charset=windows-1252", '<meta charset="utf-8">'),
        (lambda page: page.encode("cp1252"), "text/html; charset=utf-8", '<meta charset="iso-8859-1">'),
        (lambda page: page.encode("utf-8"), "text/html; charset=utf-16", ""),
    ],
    ids=[
        "unknown-charset", "cp1252-says-utf8", "cp1252-says-nothing", "utf8-says-latin1", "utf16le-no-bom",
        "utf16be-no-bom", "utf16le-undeclared", "utf16-bom-says-utf8", "header-1252-meta-utf8",
        "header-utf8-meta-latin1", "utf8-says-utf16",
    ],
)  # fmt: skip
def test_a_lying_charset_reads_right_and_never_flip_flops(
    local_site: LocalSite, encode: Callable[[str], bytes], content_type: str, meta: str
) -> None:
    """Checked eight times with the chrome around the story changing each time: one version, readable."""
    url = local_site.serve(
        "/story", encode(cafe_page(CHURN[0], meta)), headers={"Content-Type": content_type}
    )
    first = check(url)
    assert_stored(first, CAFE_TITLE, CAFE, within=1)
    for churn in CHURN[1:]:
        local_site.serve("/story", encode(cafe_page(churn, meta)), headers={"Content-Type": content_type})
        checked = check(url, article=first.article)
        assert checked.outcome.kind == "unchanged", (churn, checked.outcome, checked.versions)
    assert checked.versions == [(CAFE_TITLE, CAFE)]


@pytest.mark.parametrize("content_type", ["text/html; charset=utf-8", "text/html"])
def test_a_short_western_page_in_the_wrong_charset_never_flip_flops(
    local_site: LocalSite, content_type: str
) -> None:
    """Few accented letters give statistical detection little to go on: chardet read this page as
    windows-1252 on some loads and MacRoman ("Stra\ufb02e") on others, as the chrome changed."""
    url = local_site.url("/story")
    article = None
    for churn in CHURN:
        page = story_page("Stra\u00dfe zu", ["Die Stra\u00dfe ist zu."], churn=churn).encode("cp1252")
        local_site.serve("/story", page, headers={"Content-Type": content_type})
        checked = check(url, article=article)
        article = checked.article
    assert checked.versions == [("Stra\u00dfe zu", ["Die Stra\u00dfe ist zu."])]


def test_a_utf8_page_with_a_stray_byte_now_and_then_reads_the_same(local_site: LocalSite) -> None:
    """One bad byte in an ad must not turn the whole page into windows-1252 mojibake on that load only."""
    url = local_site.serve("/story", cafe_page("").encode())
    first = check(url)
    for churn in (b"Ad \xff here", b"", b"\xc3( \xa0 \xe2\x82", b"fine"):
        page = cafe_page("CHURN").encode().replace(b"CHURN", churn)
        local_site.serve("/story", page, headers={"Content-Type": "text/html; charset=utf-8"})
        assert check(url, article=first.article).outcome.kind == "unchanged", churn
    assert first.versions == [(CAFE_TITLE, CAFE)]


RUSSIAN_TITLE = "Мост закроют"
RUSSIAN = ["Совет проголосовал во вторник за закрытие старого моста.", "Ремонт займёт два года."]


def test_an_undeclared_cyrillic_page_is_detected_and_stays_detected(local_site: LocalSite) -> None:
    """Text in runs of non-ASCII bytes is not Western: its charset is detected, and the detection holds
    while the chrome around the story changes."""
    url = local_site.url("/story")
    article = None
    for churn in ("", "Самое читаемое", "12 345", "Москва — 3 часа назад"):
        page = story_page(RUSSIAN_TITLE, RUSSIAN, churn=churn).encode("cp1251")
        local_site.serve("/story", page, headers={"Content-Type": "text/html"})
        checked = check(url, article=article)
        article = checked.article
    assert checked.versions == [(RUSSIAN_TITLE, RUSSIAN)]


@pytest.mark.parametrize(
    "label", ["unicode_escape", "raw_unicode_escape", "utf-7", "rot13", "base64", "idna"]
)
def test_a_charset_only_python_knows_is_ignored(local_site: LocalSite, label: str) -> None:
    """Python's codec registry knows labels no browser does, some of which rewrite the text (escapes,
    UTF-7's +...-): a page must read as a browser would show it."""
    text = r"It said \u00e9 and +AGEAYgBj- and \x41, literally."
    page = story_page(paragraphs=[text])
    checked = check(
        local_site.serve("/story", page.encode(), headers={"Content-Type": f"text/html; charset={label}"})
    )
    assert_stored(checked, "Bridge to close", [text], within=1)


def test_a_big_undeclared_non_utf8_page_is_decoded_in_bounded_time(local_site: LocalSite) -> None:
    paragraphs = [
        f"Paragraph {i}: le pr\u00e9sident a d\u00e9clar\u00e9 \u00e0 Paris \u2014 \u201cnon\u201d."
        for i in range(9000)
    ]
    page = story_page(paragraphs=paragraphs).encode("cp1252")
    assert 0.5 * CAP < len(page) < CAP
    checked = check(local_site.serve("/story", page, headers={"Content-Type": "text/html"}))
    assert_stored(checked, "Bridge to close", paragraphs, within=3)


# --- 6. malformed HTML ------------------------------------------------------------------------------------

STORY_HTML = "<h1>Bridge to close</h1>" + "".join(f"<p>{p}</p>" for p in STORY)
# Bytes no page should have, none of them visible: control characters, a NUL and a lone surrogate as
# references, invalid UTF-8 in a comment and in an attribute.
JUNK = b"\x00\x1b\x07&#0;&#xD800;<!-- \xff\xfe --><span class='\xc3\x28'></span>"


@pytest.mark.parametrize(
    "page",
    [
        b"<html><body><h1>Bridge to close<p>" + "<p>".join(STORY).encode() + b"<div><span><b>",
        story_page()
        .encode()
        .replace(b"</p>", b"</p>" + JUNK)
        .replace(b"council voted", b"council\x01 voted"),
        b"<html><body>" + STORY_HTML.encode() + b'<script type="application/ld+json">' + b"[" * 200_000,
        b"<html><body>" + STORY_HTML.encode() + b"<p><a href='x' " + b"b='c' " * 30_000 + b">",
        b"<html><body>" + STORY_HTML.encode() + b"<div>" * 250 + b"<p>" + b"</div>" * 250,
    ],
    ids=["unclosed-tags", "junk-bytes", "200k-deep-json-ld", "30k-attributes", "250-nested-divs"],
)
def test_malformed_html_with_a_story_stores_the_story(local_site: LocalSite, page: bytes) -> None:
    checked = check(local_site.serve("/story", page, headers={"Content-Type": "text/html"}), memory=True)
    assert_stored(checked, "Bridge to close", STORY, within=2)
    assert checked.peak_bytes < 20 * len(page) + MB, f"peak {checked.peak_bytes:,} bytes"


PARTIAL_DEPTH = "the page nests its elements more than 255 deep and cannot be read whole"


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        # libxml2 stops reading at 256 levels and drops the rest of the page without a word: the start of
        # the story would be stored as the whole of it.
        (b"<html><body>" + STORY_HTML.encode() + b"<div>" * 100_000 + b"<p>More.</p>", PARTIAL_DEPTH),
        (b"<html><body>" + b"<div>" * 100_000 + STORY_HTML.encode(), PARTIAL_DEPTH),
        (b"<html><body>" + STORY_HTML.encode() + b"<span><b><i>" * 33_334 + b"<p>More.</p>", PARTIAL_DEPTH),
        # An old template's unclosed <font> tags do the same.
        (b"<html><body>" + b"<font size=2>A line.<br>" * 300 + STORY_HTML.encode(), PARTIAL_DEPTH),
    ],
    ids=["100k-divs-after-the-start", "100k-divs-around", "100k-inline-tags", "300-unclosed-fonts"],
)  # fmt: skip
def test_a_page_the_parser_reads_only_in_part_stores_nothing(
    local_site: LocalSite, page: bytes, reason: str
) -> None:
    assert len(page) < CAP
    url = local_site.serve("/story", page, headers={"Content-Type": "text/html"})
    checked = check(url, memory=True)
    assert_refused(checked, reason, transient=True, within=2)
    assert checked.peak_bytes < 20 * len(page), f"peak {checked.peak_bytes:,} bytes"


def test_a_huge_attribute_past_the_cap_is_refused(local_site: LocalSite, settings: Settings) -> None:
    settings.FETCH_MAX_BYTES = 5 * MB  # the default
    page = b'<html data-x="' + b"A" * (10 * MB) + b'"><body>' + STORY_HTML.encode()
    checked = check(local_site.serve("/story", page, headers={"Content-Type": "text/html"}), memory=True)
    assert_refused(checked, f"page larger than {5 * MB} bytes", transient=False, within=2)
    assert checked.peak_bytes < 3 * MB, f"peak {checked.peak_bytes:,} bytes"  # refused by its length header


def test_a_huge_attribute_within_the_cap_leaves_the_story_readable(
    local_site: LocalSite, settings: Settings
) -> None:
    settings.FETCH_MAX_BYTES = 5 * MB
    page = b'<html><body><img src="data:image/png;base64,' + b"A" * (4 * MB) + b'">' + STORY_HTML.encode()
    checked = check(local_site.serve("/story", page, headers={"Content-Type": "text/html"}), memory=True)
    assert_stored(checked, "Bridge to close", STORY, within=3)
    assert checked.peak_bytes < 8 * len(page), f"peak {checked.peak_bytes:,} bytes"


def test_an_attribute_past_the_parsers_limit_once_decoded_stores_nothing(
    local_site: LocalSite, settings: Settings
) -> None:
    """4 MB of windows-1252 curly quotes are 12 MB as UTF-8, past libxml2's 10 MB for one attribute."""
    settings.FETCH_MAX_BYTES = 5 * MB
    page = b'<html><body><img alt="' + b"\x92" * (4 * MB) + b'">' + STORY_HTML.encode()
    url = local_site.serve("/story", page, headers={"Content-Type": "text/html; charset=windows-1252"})
    reason = "the page has a text or attribute over 10 MB and cannot be read whole"
    assert_refused(check(url), reason, transient=True, within=3)


@pytest.mark.parametrize(
    "page",
    [
        "<html><head><title>Bridge to close</title></head><script>document.write('<p>"
        + STORY[0]
        + "</p>')</script>",
        '<html><head><title>Bridge to close</title></head><frameset cols="50%,50%"><frame src="/a">'
        '<frame src="/b"></frameset><noframes><p>Your browser does not support frames.</p></noframes></html>',
        "<html><body><!-- " + STORY_HTML,
        "<html><body><template>" + STORY_HTML + "</template></body></html>",
    ],
    ids=["only-script", "frameset", "unterminated-comment", "template-only"],
)
def test_malformed_html_without_a_story_stores_nothing(local_site: LocalSite, page: str) -> None:
    url = local_site.serve("/story", page)
    assert_refused(check(url), NO_TEXT, transient=True, within=1)


# --- 7. empty -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [b"", b" \r\n\t  \n" * 1000, b"<html></html>", b"<html><body><h1>Bridge to close</h1></body></html>",
     b"\xef\xbb\xbf", b"<!doctype html>"],
    ids=["zero-bytes", "whitespace", "empty-html", "headline-only", "bom-only", "doctype-only"],
)  # fmt: skip
def test_an_empty_page_stores_no_version_and_backs_off(local_site: LocalSite, body: bytes) -> None:
    url = local_site.serve("/story", body)
    article = None
    for failures in (1, 2, 3):
        checked = check(url, article=article)
        assert_refused(checked, NO_TEXT, transient=True, within=1, failures=failures)
        article = checked.article


def test_a_page_that_empties_keeps_its_last_version(local_site: LocalSite) -> None:
    url = local_site.serve("/story", story_page())
    first = check(url)
    assert_stored(first, "Bridge to close", STORY, within=1)
    local_site.serve("/story", "<html><body><h1>Bridge to close</h1></body></html>")
    checked = check(url, article=first.article)
    assert (checked.outcome.kind, checked.article.last_error) == ("error", NO_TEXT)
    assert checked.versions == [("Bridge to close", STORY)]
    assert checked.article.next_check_at == NOW + backoff_delay(1)


def test_no_content_is_a_transient_failure(local_site: LocalSite) -> None:
    url = local_site.serve("/story", "", status=204, headers={})
    assert_refused(check(url), "unexpected HTTP 204", transient=True, within=1)


# --- odd headers ------------------------------------------------------------------------------------------


def test_oversized_validators_are_dropped_not_stored(local_site: LocalSite) -> None:
    """The article keeps an ETag of up to 512 characters and a Last-Modified of up to 64 (Postgres refuses
    longer): a longer one cannot be sent back usefully anyway, and must not fail the check."""
    headers = {"Content-Type": "text/html", "ETag": '"' + "e" * 4000 + '"', "Last-Modified": "x" * 200}
    checked = check(local_site.serve("/story", story_page(), headers=headers))
    assert_stored(checked, "Bridge to close", STORY, within=1)
    assert (checked.article.etag, checked.article.last_modified) == ("", "")
    check(checked.article.url, article=checked.article)
    assert "If-None-Match" not in local_site.requests[-1][1]


def test_a_robots_txt_bomb_is_read_only_as_far_as_robots_txt_goes(
    local_site: LocalSite, settings: Settings
) -> None:
    settings.FETCH_ROBOTS = True
    headers = {"Content-Type": "text/plain", "Content-Encoding": "gzip"}
    local_site.serve("/robots.txt", gzip_bomb(GIB), headers=headers)
    checked = check(local_site.serve("/story", story_page()), memory=True)
    assert_stored(checked, "Bridge to close", STORY, within=2)
    assert checked.peak_bytes < 3 * CAP, f"peak {checked.peak_bytes:,} bytes"


def test_the_cases_above_are_hostile() -> None:
    """The bombs and lying charsets are what they claim to be, so no test above passes by accident."""
    # The deflate data of every bomb is valid and inflates to exactly what it says (here, 4 MiB of it).
    inflater = zlib.decompressobj(-15)
    assert inflater.decompress(deflate_blocks(b"<p>", 4 * MB) + END) == b"<p>" + b"a" * (4 * MB)
    assert inflater.eof
    assert len(deflate_blocks(b"<p>", GIB)) < 1.1 * MB
    assert len(gzip_bomb(GIB)) < 1.1 * MB
    start = zlib.decompressobj(31).decompress(gzip_bomb(GIB)[:4096], 100)
    assert start.startswith(b"<html><body><p>aaa")
    assert zlib.decompressobj(31).decompress(gzip_bomb_of(gzip_bomb(8 * GIB)), 20) == gzip_bomb(8 * GIB)[:20]
    assert not cafe_page("").encode("cp1252").isascii()
    with pytest.raises(UnicodeDecodeError):
        cafe_page("").encode("cp1252").decode("utf-8")
    assert codecs.lookup("unicode_escape")  # Python would decode with it if asked
