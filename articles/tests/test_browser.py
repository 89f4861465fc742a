"""What a reader sees, in a real browser (Debian's Chromium driven by Playwright): a diff whose changes are
marked by more than colour, and pages that render without errors."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, ConsoleMessage, FloatRect, Page
from pytest_django.live_server_helper import LiveServer

from articles.models import Article
from articles.tests.support import add_version, chromium, needs_chromium

pytestmark = [needs_chromium, pytest.mark.once]


def cell_boxes(page: Page) -> tuple[FloatRect, FloatRect]:
    """Where the old and the new text of the edited paragraph are drawn."""
    row = page.locator(".diff .row.replace")
    old, new = row.locator(".cell.old").bounding_box(), row.locator(".cell.new").bounding_box()
    assert old is not None  # both are shown
    assert new is not None
    return old, new


@pytest.fixture
def browser(article: Article) -> Iterator[Browser]:
    with chromium() as browser:  # after the data (support.chromium)
        yield browser


@pytest.fixture
def article(transactional_db: None) -> Article:
    article = Article.objects.create(url="http://127.0.0.1/story")
    add_version(article, 0, "Mayor opens bridge", ["It opened on Tuesday.", "Crowds came."])
    add_version(article, 1, "Mayor opens bridge", ["It opened on Wednesday.", "Crowds came."])
    return article


def test_a_diff_shows_deletions_struck_and_insertions_underlined(
    browser: Browser, live_server: LiveServer, article: Article
) -> None:
    page = browser.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            errors.append(message.text)

    page.on("console", on_console)

    page.goto(f"{live_server.url}/articles/{article.pk}/")
    page.get_by_role("link", name="diff with previous").click()
    page.wait_for_url(f"**/articles/{article.pk}/diff/0/1/")

    deleted, inserted = page.locator("del"), page.locator("ins")
    assert deleted.all_inner_texts() == ["Tuesday"]
    assert inserted.all_inner_texts() == ["Wednesday"]
    assert deleted.first.is_visible()
    assert inserted.first.is_visible()
    assert "line-through" in deleted.first.evaluate("e => getComputedStyle(e).textDecorationLine")
    assert "underline" in inserted.first.evaluate("e => getComputedStyle(e).textDecorationLine")
    old_box, new_box = cell_boxes(page)
    assert old_box["x"] + old_box["width"] <= new_box["x"]  # side by side on a wide screen
    assert abs(old_box["y"] - new_box["y"]) < 1  # each paragraph level with its new version
    assert errors == []
    page.close()


def test_on_a_phone_the_versions_stack(live_server: LiveServer, article: Article, browser: Browser) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{live_server.url}/articles/{article.pk}/diff/0/1/")
    old_box, new_box = cell_boxes(page)
    assert new_box["y"] >= old_box["y"] + old_box["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing overflows sideways
    # An unchanged paragraph (and headline) once, not twice; each changed one says which version it is.
    assert (
        page.locator(".diff")
        .get_by_text("Crowds came.", exact=True)
        .evaluate_all("cells => cells.filter(c => c.offsetParent).length")
        == 1
    )
    assert (
        page.locator(".diff")
        .get_by_text("Mayor opens bridge", exact=True)
        .evaluate_all("cells => cells.filter(c => c.offsetParent).length")
        == 1
    )
    labels = page.locator(".diff .row.replace .cell").evaluate_all(
        "cells => cells.map(c => getComputedStyle(c, '::before').content)"
    )
    assert labels == ['"Before (v0)"', '"After (v1)"']
    page.close()
    wide = browser.new_page(viewport={"width": 1280, "height": 800})
    wide.goto(f"{live_server.url}/articles/{article.pk}/diff/0/1/")
    assert (
        wide.locator(".diff")
        .get_by_text("Crowds came.", exact=True)
        .evaluate_all("cells => cells.filter(c => c.offsetParent).length")
        == 2
    )
    wide.close()


def test_inline_keeps_struck_and_inserted_words_apart(
    live_server: LiveServer, article: Article, browser: Browser
) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{live_server.url}/articles/{article.pk}/diff/0/1/?view=inline")
    assert "Tuesday Wednesday" in page.locator(".diff.inline").inner_text()
    page.close()


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
    page.close()


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
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 800})
        assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.close()


def test_times_show_in_the_reader_s_zone_and_in_utc_without_script(
    live_server: LiveServer, article: Article, browser: Browser
) -> None:
    # v0 was fetched at 09:30 UTC on 20 November 2026 (support.T0): 10:30 in Berlin, in winter.
    berlin = browser.new_context(timezone_id="Europe/Berlin")
    page = berlin.new_page()
    page.goto(f"{live_server.url}/articles/{article.pk}/versions/0/")
    fetched = page.locator(".meta time").first
    assert fetched.inner_text() == "20 Nov 2026, 10:30 CET"
    assert fetched.get_attribute("title") == "20 November 2026, 09:30 UTC"
    berlin.close()
    no_script = browser.new_context(timezone_id="Europe/Berlin", java_script_enabled=False)
    page = no_script.new_page()
    page.goto(f"{live_server.url}/articles/{article.pk}/versions/0/")
    assert page.locator(".meta time").first.inner_text() == "20 November 2026, 09:30 UTC"
    no_script.close()
