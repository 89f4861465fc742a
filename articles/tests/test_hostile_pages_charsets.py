"""Hostile pages in lying or missing charsets: each reads right and never flip-flops between loads while
the chrome around the story changes; a charset only Python knows is ignored; a big undeclared page is
decoded in bounded time. What each case asserts, and the limits scaled down for it, are in
hostile_pages_support.py."""

from collections.abc import Callable

import pytest

from articles.tests.hostile_pages_support import (
    CAFE,
    CAFE_TITLE,
    CAP,
    assert_stored,
    cafe_page,
    check,
    story_page,
)
from articles.tests.support import LocalSite

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("_hostile_limits")]


# --- 5. charsets --------------------------------------------------------------------------------------------


# What changes between loads around the story: a counter and a list of other headlines with accents.
CHURN = [
    "", "1 203 views", "Most read: Z\u00fcrich \u2014 \u201cS\u00e9ance\u201d",
    "Stra\u00dfe 5 \u00b7 \u00a312", "\u00c9t\u00e9 \u2026 caf\u00e9 x",
    "\u00d6l \u2013 n\u00e4chste \u00bbWoche\u00ab", "B\u00f8rsen 9", "a b c",
]  # fmt: skip


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
