"""Which charset a page is read in, and which content encodings are undone."""

import gzip
import importlib.util
import zlib

import pytest

from articles.fetching import FetchError, decode_html, fetch
from articles.tests.support import LocalSite

CAFE = "<html><head>{meta}</head><body><p>Caf\u00e9 cr\u00e8me \u2014 \u201cquoted\u201d</p></body></html>"
HAS_BROTLI = any(importlib.util.find_spec(name) for name in ("brotli", "brotlicffi"))


def served(local_site: LocalSite, body: bytes, content_type: str) -> str:
    url = local_site.serve("/page", body, headers={"Content-Type": content_type})
    return fetch(url, robots=False).text


def test_a_utf8_page_whose_header_says_latin1_reads_as_utf8(local_site: LocalSite) -> None:
    body = CAFE.format(meta='<meta charset="utf-8">').encode("utf-8")
    assert "Caf\u00e9 cr\u00e8me \u2014 \u201cquoted\u201d" in served(
        local_site, body, "text/html; charset=iso-8859-1"
    )


def test_a_latin1_page_whose_header_says_utf8_reads_by_its_meta(local_site: LocalSite) -> None:
    page = "<html><head><meta charset='iso-8859-1'></head><body><p>Caf\u00e9 cr\u00e8me</p></body></html>"
    assert "Caf\u00e9 cr\u00e8me" in served(local_site, page.encode("iso-8859-1"), "text/html; charset=utf-8")


def test_a_header_charset_wins_over_a_wrong_meta(local_site: LocalSite) -> None:
    body = CAFE.format(meta='<meta charset="utf-8">').replace("\u2014 ", "").encode("cp1252")
    assert "Caf\u00e9 cr\u00e8me \u201cquoted\u201d" in served(
        local_site, body, "text/html; charset=windows-1252"
    )


def test_utf8_without_any_declaration(local_site: LocalSite) -> None:
    body = CAFE.format(meta="").encode("utf-8")
    assert "Caf\u00e9 cr\u00e8me \u2014 \u201cquoted\u201d" in served(local_site, body, "text/html")


def test_windows_1252_smart_quotes_without_any_declaration(local_site: LocalSite) -> None:
    body = "<p>\u201cIt\u2019s done,\u201d she said \u2013 twice.</p>".encode("cp1252")
    assert "\u201cIt\u2019s done,\u201d she said \u2013 twice." in served(local_site, body, "text/html")


def test_a_latin1_label_means_windows_1252_as_in_browsers(local_site: LocalSite) -> None:
    body = "<p>\u201cquoted\u201d \u2026</p>".encode("cp1252")
    assert "\u201cquoted\u201d \u2026" in served(local_site, body, "text/html; charset=ISO-8859-1")
    assert "\u201cquoted\u201d \u2026" in decode_html(b"<meta charset=us-ascii>" + body, None)


def test_a_utf8_byte_order_mark_wins_and_is_dropped(local_site: LocalSite) -> None:
    body = b"\xef\xbb\xbf" + CAFE.format(meta="<meta charset='iso-8859-1'>").encode("utf-8")
    text = served(local_site, body, "text/html; charset=iso-8859-1")
    assert text.startswith("<html>")
    assert "Caf\u00e9 cr\u00e8me" in text


def test_utf16_with_a_byte_order_mark() -> None:
    assert decode_html(CAFE.format(meta="").encode("utf-16"), None) == CAFE.format(meta="")
    assert decode_html(CAFE.format(meta="").encode("utf-16-le"), "utf-16le") == CAFE.format(meta="")


@pytest.mark.parametrize(
    ("meta", "encoding", "text"),
    [("<meta charset='iso-8859-1'>", "iso-8859-1", "Caf\u00e9 cr\u00e8me"),
     ('<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">', "cp1251",
      "\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440"),
     ("<meta charset=shift_jis>", "shift_jis", "\u65e5\u672c\u8a9e\u306e\u8a18\u4e8b"),
     ('<?xml version="1.0" encoding="iso-8859-15"?>', "iso-8859-15", "Prix: 5 \u20ac")],
)  # fmt: skip
def test_the_documents_own_declaration_when_the_header_has_none(
    local_site: LocalSite, meta: str, encoding: str, text: str
) -> None:
    body = f"{meta}<html><body><p>{text}</p></body></html>".encode(encoding)
    assert text in served(local_site, body, "text/html")


def test_an_unknown_header_charset_is_ignored(local_site: LocalSite) -> None:
    body = CAFE.format(meta="").encode("utf-8")
    assert "Caf\u00e9" in served(local_site, body, "text/html; charset=x-no-such-charset")


def test_plain_ascii_follows_the_header() -> None:
    # ISO-2022-JP is 7-bit: ASCII bytes are no evidence of UTF-8.
    body = "<p>\u65e5\u672c</p>".encode("iso-2022-jp")
    assert body.isascii()
    assert decode_html(body, "iso-2022-jp") == "<p>\u65e5\u672c</p>"


def test_undecodable_bytes_do_not_fail_the_fetch() -> None:
    assert decode_html(b"<p>\x81\x8d\x8f\x90\x9d</p>", "windows-1252").startswith("<p>")


# --- content encodings ----------------------------------------------------------------------------------


def test_gzip_is_decoded(local_site: LocalSite) -> None:
    page = CAFE.format(meta="").encode("utf-8")
    url = local_site.serve(
        "/gz", gzip.compress(page), headers={"Content-Type": "text/html", "Content-Encoding": "gzip"}
    )
    result = fetch(url, robots=False)
    assert result.body == page
    assert "Caf\u00e9" in result.text
    accepted = local_site.requests[-1][1]["Accept-Encoding"]
    assert "gzip" in accepted
    assert ("br" in accepted) is HAS_BROTLI


def test_deflate_is_decoded(local_site: LocalSite) -> None:
    page = b"<p>deflated</p>"
    url = local_site.serve(
        "/df", zlib.compress(page), headers={"Content-Type": "text/html", "Content-Encoding": "deflate"}
    )
    assert fetch(url, robots=False).body == page


@pytest.mark.skipif(
    not HAS_BROTLI, reason="neither brotli nor brotlicffi is installed, so httpx cannot decode br"
)
def test_brotli_is_decoded(local_site: LocalSite) -> None:
    brotli = __import__("brotli" if importlib.util.find_spec("brotli") else "brotlicffi")
    url = local_site.serve(
        "/br",
        brotli.compress(b"<p>brotli</p>"),
        headers={"Content-Type": "text/html", "Content-Encoding": "br"},
    )
    assert fetch(url, robots=False).body == b"<p>brotli</p>"


@pytest.mark.skipif(HAS_BROTLI, reason="with brotli installed, br is decoded")
def test_brotli_without_a_decoder_is_refused_not_stored_as_garbage(local_site: LocalSite) -> None:
    """We do not offer br; a server that sends it anyway would otherwise hand us compressed bytes as text."""
    url = local_site.serve(
        "/br", b"\x8b\x02\x80<p>x</p>\x03", headers={"Content-Type": "text/html", "Content-Encoding": "br"}
    )
    with pytest.raises(FetchError, match="cannot decode content encoding 'br'") as caught:
        fetch(url, robots=False)
    assert caught.value.permanent


def test_a_gzip_bomb_is_cut_at_max_bytes(local_site: LocalSite) -> None:
    bomb = gzip.compress(b"\0" * 50_000_000, compresslevel=9)
    assert len(bomb) < 100_000
    url = local_site.serve("/bomb", bomb, headers={"Content-Type": "text/html", "Content-Encoding": "gzip"})
    with pytest.raises(FetchError, match="larger than 1000000 bytes") as caught:
        fetch(url, robots=False, max_bytes=1_000_000)
    assert caught.value.permanent


def test_a_doubly_compressed_bomb_is_cut_too(local_site: LocalSite) -> None:
    bomb = gzip.compress(gzip.compress(b"a" * 20_000_000))
    url = local_site.serve(
        "/bomb2", bomb, headers={"Content-Type": "text/html", "Content-Encoding": "gzip, gzip"}
    )
    with pytest.raises(FetchError, match="larger than 100000 bytes"):
        fetch(url, robots=False, max_bytes=100_000)
