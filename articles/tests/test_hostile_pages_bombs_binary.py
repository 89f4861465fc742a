"""Hostile pages, by what their headers say: compression bombs (gzip, deflate, brotli, stacked) cut at the
cap without inflating them, and lying content encodings; binary and non-HTML types refused and given up on;
odd headers (oversized validators, a robots.txt bomb). The last test checks that the bombs here and the
lying charsets of test_hostile_pages_charsets.py are what they claim to be. What each case asserts, and the
limits scaled down for it, are in hostile_pages_support.py."""

import codecs
import random
import zlib
from collections.abc import Callable

import brotli
import pytest
from pytest_django import Settings

from articles.tests.hostile_pages_support import (
    CAP,
    GIB,
    MB,
    STORY,
    TOO_BIG,
    assert_refused,
    assert_stored,
    cafe_page,
    check,
    story_page,
)
from articles.tests.support import LocalSite

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_hostile_limits")]


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
