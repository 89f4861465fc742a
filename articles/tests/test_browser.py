"""What a reader sees, in a real browser (Debian's Chromium driven by Playwright), on a wide screen and on a
phone (1280 and 390 px): diffs whose changes are marked by more than colour, search results that show
where the words are, times in the reader's zone, text in its own direction, an article's standing in
words, and pages no wider than the screen."""

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, FloatRect, Locator, Page, ViewportSize
from pytest_django.live_server_helper import LiveServer

from articles.models import Article, Source
from articles.tests.support import add_version, chromium_for_a_module, fits, needs_chromium, watched_page

pytestmark = [needs_chromium, pytest.mark.once]
WIDTHS = (1280, 390)
PHONE = 390


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium_for_a_module() as browser:
        yield browser


@pytest.fixture
def article(transactional_db: None) -> Article:
    """An article tracked by hand (no source), with one change."""
    article = Article.objects.create(url="http://127.0.0.1/story")
    add_version(article, 0, "Mayor opens bridge", ["It opened on Tuesday.", "Crowds came."])
    add_version(article, 1, "Mayor opens bridge", ["It opened on Wednesday.", "Crowds came."])
    return article


@pytest.fixture
def tab(browser: Browser, width: int) -> Iterator[Page]:
    with watched_page(browser, width) as page:
        yield page


def box(locator: Locator) -> FloatRect:
    found = locator.bounding_box()
    assert found is not None  # shown
    return found


def shown(locator: Locator) -> int:
    """How many of the elements are rendered (not display: none)."""
    return int(locator.evaluate_all("nodes => nodes.filter(n => n.offsetParent).length"))


@pytest.mark.parametrize("width", WIDTHS)
def test_a_diff_shows_deletions_struck_and_insertions_underlined(
    live_server: LiveServer, article: Article, tab: Page, width: int
) -> None:
    tab.goto(f"{live_server.url}/articles/{article.pk}/")
    tab.get_by_role("link", name="diff with previous").click()
    tab.wait_for_url(f"**/articles/{article.pk}/diff/0/1/")
    deleted, inserted = tab.locator("del"), tab.locator("ins")
    assert deleted.all_inner_texts() == ["Tuesday"]
    assert inserted.all_inner_texts() == ["Wednesday"]
    assert deleted.first.is_visible()
    assert inserted.first.is_visible()
    assert "line-through" in deleted.first.evaluate("e => getComputedStyle(e).textDecorationLine")
    assert "underline" in inserted.first.evaluate("e => getComputedStyle(e).textDecorationLine")
    assert fits(tab)
    row = tab.locator(".diff .row.replace")
    old, new = box(row.locator(".cell.old")), box(row.locator(".cell.new"))
    unchanged = tab.locator(".diff").get_by_text("Crowds came.", exact=True)
    if width == PHONE:
        # The versions stack; an unchanged paragraph (and headline) shows once, each changed one says which
        # version it is.
        assert new["y"] >= old["y"] + old["height"]
        assert shown(unchanged) == 1
        assert shown(tab.locator(".diff").get_by_text("Mayor opens bridge", exact=True)) == 1
        labels = row.locator(".cell").evaluate_all(
            "cells => cells.map(c => getComputedStyle(c, '::before').content)"
        )
        assert labels == ['"Before (v0)"', '"After (v1)"']
    else:
        assert old["x"] + old["width"] <= new["x"]  # side by side
        assert abs(old["y"] - new["y"]) < 1  # each paragraph level with its new version
        assert shown(unchanged) == 2


@pytest.mark.parametrize("width", WIDTHS)
def test_a_view_asked_for_in_a_link_wins_over_the_remembered_one(
    live_server: LiveServer, article: Article, tab: Page, width: int
) -> None:
    diff = f"{live_server.url}/articles/{article.pk}/diff/0/1/"
    tab.goto(f"{diff}?view=inline")
    tab.goto(diff)
    assert tab.locator(".diff.inline").is_visible()  # remembered
    tab.get_by_role("link", name="side by side").click()
    tab.wait_for_url("**?view=side")
    assert tab.locator(".diff.side").is_visible()  # the link's choice, over the remembered one
    assert fits(tab)
    tab.goto(diff)
    assert tab.locator(".diff.side").is_visible()  # and now the one remembered


@pytest.mark.parametrize("width", WIDTHS)
def test_inline_keeps_struck_and_inserted_words_apart(
    live_server: LiveServer, article: Article, tab: Page, width: int
) -> None:
    tab.goto(f"{live_server.url}/articles/{article.pk}/diff/0/1/?view=inline")
    assert "Tuesday Wednesday" in tab.locator(".diff.inline").inner_text()
    struck, put = box(tab.locator(".diff.inline del")), box(tab.locator(".diff.inline ins"))
    # Drawn apart, the struck word before the one in its place: on one line with a space between, or the
    # new word on the next line.
    assert put["x"] > struck["x"] + struck["width"] or put["y"] >= struck["y"] + struck["height"]
    assert fits(tab)


@pytest.mark.parametrize("width", WIDTHS)
def test_a_minor_edit_opens_on_its_changes_with_its_marks_visible(
    live_server: LiveServer, tab: Page, width: int, transactional_db: None
) -> None:
    long = Article.objects.create(url="http://127.0.0.1/long")
    paragraphs = [
        f"Paragraph {n} of the story, which goes on about the bridge and its opening." for n in range(8)
    ]
    add_version(long, 0, "Bridge opens", paragraphs)
    add_version(
        long,
        1,
        "Bridge opens",
        [*paragraphs[:5], paragraphs[5].replace(", which", " which"), *paragraphs[6:]],
        kind="minor",
    )
    tab.goto(f"{live_server.url}/articles/{long.pk}/diff/0/1/")
    skipped = tab.locator(".diff .skipped")
    assert [text.strip() for text in skipped.all_inner_texts()] == [
        "… 5 unchanged paragraphs …",
        "… 2 unchanged paragraphs …",
    ]
    assert tab.get_by_role("link", name="show whole text").is_visible()
    marks = tab.locator(".diff-body.minor-edit del, .diff-body.minor-edit ins")
    assert marks.count() >= 1
    for mark in marks.all():
        # A comma struck is framed: a box a reader can see, not a sliver.
        assert mark.evaluate("e => getComputedStyle(e).outlineStyle") == "solid"
        assert box(mark)["width"] >= 6
    assert fits(tab)


@pytest.mark.parametrize("width", WIDTHS)
def test_search_results_show_the_words_found_and_the_versions_with_them(
    live_server: LiveServer, article: Article, tab: Page, width: int
) -> None:
    tab.goto(f"{live_server.url}/search/?q=Wednesday")
    mark = tab.locator(".results .snippet mark")
    assert mark.all_inner_texts() == ["Wednesday"]
    assert mark.is_visible()
    assert mark.evaluate("e => getComputedStyle(e).backgroundColor") not in (
        "transparent",
        "rgba(0, 0, 0, 0)",
    )
    assert tab.locator(".results .snippet").inner_text() == "It opened on Wednesday."
    found_in = tab.locator(".results .found-in")
    assert found_in.is_visible()
    assert found_in.get_by_role("link").all_inner_texts() == ["v1"]  # not v0, which says Tuesday
    assert fits(tab)
    found_in.get_by_role("link", name="v1").click()
    tab.wait_for_url(f"**/articles/{article.pk}/versions/1/")


@pytest.mark.parametrize("width", WIDTHS)
def test_times_show_in_the_reader_s_zone_and_in_utc_without_script(
    live_server: LiveServer, article: Article, browser: Browser, width: int
) -> None:
    # v0 was fetched at 09:30 UTC on 20 November 2026 (support.T0): 10:30 in Berlin, in winter.
    viewport = ViewportSize(width=width, height=900)
    berlin = browser.new_page(viewport=viewport, timezone_id="Europe/Berlin")
    berlin.goto(f"{live_server.url}/articles/{article.pk}/versions/0/")
    fetched = berlin.locator(".meta time")
    assert fetched.get_attribute("datetime") == "2026-11-20T09:30:00+00:00"
    assert fetched.inner_text() == "20 Nov 2026, 10:30 CET"
    assert fetched.get_attribute("title") == "20 November 2026, 09:30 UTC"
    assert fetched.is_visible()
    for path in (f"/articles/{article.pk}/", f"/articles/{article.pk}/diff/0/1/", "/"):
        berlin.goto(f"{live_server.url}{path}")
        times = berlin.locator("time")
        assert times.count() > 0
        assert all(t.get_attribute("datetime") for t in times.all())
        assert not [text for text in times.all_inner_texts() if text.endswith("UTC")], path  # all shown local
        assert fits(berlin)
    berlin.context.close()
    no_script = browser.new_page(viewport=viewport, timezone_id="Europe/Berlin", java_script_enabled=False)
    no_script.goto(f"{live_server.url}/articles/{article.pk}/versions/0/")
    assert no_script.locator(".meta time").inner_text() == "20 November 2026, 09:30 UTC"
    no_script.context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_article_text_reads_in_its_own_direction(
    live_server: LiveServer, article: Article, tab: Page, width: int
) -> None:
    add_version(article, 2, "الجسر مغلق", ["أغلق الجسر يوم الاثنين (Monday) بعد التصويت.", "Crowds came."])
    direction = "e => getComputedStyle(e).direction"
    tab.goto(f"{live_server.url}/articles/{article.pk}/versions/2/")
    assert tab.locator("h1").evaluate(direction) == "rtl"
    assert tab.locator(".body p").evaluate_all(f"ps => ps.map({direction})") == ["rtl", "ltr"]
    assert fits(tab)
    tab.goto(f"{live_server.url}/articles/{article.pk}/diff/1/2/?view=side")
    assert tab.locator(".diff .row.title .cell.old").evaluate(direction) == "ltr"
    assert tab.locator(".diff .row.title .cell.new").evaluate(direction) == "rtl"
    assert fits(tab)


@pytest.mark.parametrize("width", WIDTHS)
def test_an_article_s_standing_reads_the_same_on_its_page_and_its_source_s(
    live_server: LiveServer, tab: Page, width: int, transactional_db: None
) -> None:
    source = Source.objects.create(name="The Daily Test", slug="daily", homepage="https://news.example/")
    failing = Article.objects.create(
        url="http://127.0.0.1/failing", source=source, status=Article.Status.FAILING,
        last_error="HTTP 500", consecutive_failures=10,
    )  # fmt: skip
    add_version(failing, 0, "Bridge inquiry opens", ["The inquiry opened."])
    summary = Article.objects.get(pk=failing.pk).standing().summary
    tab.goto(f"{live_server.url}/articles/{failing.pk}/")
    tracking = tab.locator(".facts dt", has_text="Tracking").locator("+ dd")
    assert tracking.is_visible()
    assert tracking.inner_text() == summary
    assert fits(tab)
    tab.goto(f"{live_server.url}/sources/daily/")
    row = tab.locator("table.articles tbody tr", has_text="Bridge inquiry opens")
    badge = row.locator(".badge")
    assert badge.inner_text() == "failing"
    assert badge.get_attribute("title") == summary
    assert badge.is_visible()
    # Never changed: said so, not the age of its first version.
    assert [cell.strip() for cell in row.locator("td").all_inner_texts()][1:] == ["0", "not changed"]
    assert fits(tab)


def placeholder_room(search: Locator) -> dict[str, Any]:
    """The width the placeholder's text needs in the box's own font, and the width the box has for it."""
    return dict(
        search.evaluate(
            """e => {
                const s = getComputedStyle(e), context = document.createElement("canvas").getContext("2d");
                context.font = `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
                const room = e.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
                return {needs: context.measureText(e.placeholder).width, has: room};
            }"""
        )
    )


@pytest.mark.parametrize("width", WIDTHS)
def test_small_things_a_first_visit_finds(
    live_server: LiveServer, article: Article, tab: Page, width: int
) -> None:
    icon = tab.goto(f"{live_server.url}/favicon.ico")
    assert icon is not None
    assert icon.status == 200
    assert icon.url.endswith(".svg")
    assert icon.header_value("content-type") == "image/svg+xml"

    tab.goto(live_server.url)
    room = placeholder_room(tab.locator("#site-search"))
    assert room["needs"] <= room["has"], room  # "Search or paste a URL", whole
    controls = tab.locator("button, input, select")
    fonts = set(controls.evaluate_all("nodes => nodes.map(n => getComputedStyle(n).fontFamily)"))
    assert len(fonts) == 1, fonts  # the search box, its button, the filters and theirs: one face
    assert "Georgia" not in fonts.pop()
    # The article tracked by hand: its line names no source, rather than a lone dash.
    line = tab.locator(".changes li", has_text="Mayor opens bridge").locator(".meta")
    assert line.locator("time").is_visible()
    assert "—" not in line.inner_text()
    # The period is asked for only when it matters: for the biggest changes.
    assert tab.get_by_label("Period").count() == 0
    tab.get_by_label("Show").select_option("biggest")
    tab.get_by_role("button", name="Apply").click()
    tab.wait_for_url("**view=biggest**")
    assert tab.get_by_label("Period").is_visible()
    assert fits(tab)


def test_the_api_docs_work_offline(live_server: LiveServer, article: Article, browser: Browser) -> None:
    page = browser.new_page()
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    page.on("pageerror", lambda error: failed.append(str(error)))
    page.goto(f"{live_server.url}/api/v1/docs/")
    operations = page.locator(".swagger-ui .opblock-summary-path")
    operations.first.wait_for(timeout=15_000)
    assert "/api/v1/articles/{article_pk}/diff/{old}/{new}/" in operations.all_inner_texts()
    assert failed == []
    page.context.close()


def test_a_feed_opened_in_a_browser_is_a_page_that_says_how_to_subscribe(
    live_server: LiveServer, article: Article, browser: Browser
) -> None:
    page = browser.new_page()
    for path in ("/search/feed.atom?q=bridge", "/search/feed.rss?q=bridge"):
        page.goto(f"{live_server.url}{path}")
        assert page.locator("h1").inner_text().startswith("Changes to articles")
        assert "This is a feed" in page.locator("main").inner_text()
        assert page.locator("code.feed-address").inner_text() == f"{live_server.url}{path}"
        assert page.locator(".feed-entries li").count() == 1  # v1, the one change
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        assert fits(page)
    page.context.close()
