"""Hostile pages, malformed or empty: broken HTML with a story stores the story, a page the parser reads
only in part (or without a story) stores nothing, huge attributes are bounded; an empty page stores no
version and backs off. What each case asserts, and the limits scaled down for it, are in
hostile_pages_support.py."""

import pytest
from pytest_django import Settings

from articles.scheduling import backoff_delay
from articles.tests.hostile_pages_support import (
    CAP,
    MB,
    NO_TEXT,
    NOW,
    STORY,
    assert_refused,
    assert_stored,
    check,
    story_page,
)
from articles.tests.support import LocalSite

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_hostile_limits")]


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
