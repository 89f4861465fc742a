"""A reader's way through the site in a real browser (Debian's Chromium, driven by Playwright), on the demo
database, at 1280 px and then at 390 px: home → an article → compare two versions with the radio buttons →
switch side-by-side/inline → search → a feed as a browser opens it.
Screenshots go to $SCREENSHOT_DIR (`make screenshots` writes the README's, in docs/screenshots/)."""

import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import ConsoleMessage, Page
from pytest_django.live_server_helper import LiveServer

from articles.models import Article
from articles.tests.support import chromium, needs_chromium

pytestmark = [needs_chromium, pytest.mark.once]


@pytest.fixture
def demo(transactional_db: None) -> None:
    call_command("demo", articles=24, seed=3, stdout=io.StringIO())


@pytest.fixture
def longest(demo: None) -> tuple[int, str, int]:
    """The article with the longest history (looked up before the browser's event loop starts)."""
    return Article.objects.order_by("-version_count", "pk").values_list("pk", "title", "version_count")[0]


@pytest.fixture
def page(longest: tuple[int, str, int], tmp_path: Path) -> Iterator[Page]:
    with chromium() as browser:  # after the data (support.chromium)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))

        def on_console(message: ConsoleMessage) -> None:
            if message.type == "error":
                errors.append(message.text)

        page.on("console", on_console)
        yield page
    assert errors == []


def shoot(page: Page, name: str, tmp_path: Path) -> None:
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=False)
    assert (folder / f"{name}.png").stat().st_size > 10_000


def test_from_home_to_any_two_versions(
    live_server: LiveServer, longest: tuple[int, str, int], page: Page, tmp_path: Path
) -> None:
    page.goto(live_server.url)
    assert page.locator("h1").inner_text() == "Recent changes"
    assert page.locator(".changes li").count() > 5
    shoot(page, "home", tmp_path)

    # The article with the longest history: open it from the home page's list, or find it by search.
    pk, title, count = longest
    assert count >= 3
    page.goto(f"{live_server.url}/?source=")
    link = page.locator(f'.changes a.headline[href="/articles/{pk}/"]').first
    if link.count() == 0:  # not on the first page: reach it through search, as a reader would
        page.fill("#site-search", title)
        page.press("#site-search", "Enter")
        link = page.locator(f'.results a[href="/articles/{pk}/"]').first
    link.click()
    page.wait_for_url(f"**/articles/{pk}/")
    assert page.locator("h1").inner_text() == title
    rows = page.locator("table.versions tbody tr")
    assert rows.count() >= 2
    shoot(page, "article", tmp_path)

    # MediaWiki-style: pick the oldest as "old" and the newest as "new", then compare.
    rows.last.locator('input[name="a"]').check()
    rows.first.locator('input[name="b"]').check()
    page.get_by_role("button", name="Compare selected versions").click()
    page.wait_for_url(f"**/articles/{pk}/diff/0/*/")
    highlighted = page.locator(".diff ins, .diff del").count()
    assert highlighted > 0
    decoration = "nodes => nodes.map(n => getComputedStyle(n).textDecorationLine)"
    assert all("line-through" in d for d in page.locator(".diff del").evaluate_all(decoration))
    assert all("underline" in d for d in page.locator(".diff ins").evaluate_all(decoration))
    shoot(page, "diff-side-by-side", tmp_path)

    page.get_by_role("link", name="inline").click()
    page.wait_for_url("**view=inline")
    assert page.locator(".diff.inline").count() == 1
    assert page.locator(".diff.inline ins, .diff.inline del").count() == highlighted  # the same changes
    shoot(page, "diff-inline", tmp_path)

    # The choice is remembered: the next diff opens inline too.
    page.goto(f"{live_server.url}/articles/{pk}/diff/0/1/")
    assert page.locator(".diff.inline").count() == 1
    page.get_by_role("link", name="side by side").click()
    page.wait_for_url("**view=side")
    assert page.locator(".diff.side").count() == 1

    # Search by a word of the headline: the results say where the words are.
    word = max(title.split(), key=len)
    page.fill("#site-search", word)
    page.press("#site-search", "Enter")
    page.wait_for_url("**/search/?q=*")
    assert page.locator(f'.results a[href="/articles/{pk}/"]').count() >= 1
    shoot(page, "search", tmp_path)

    # A feed link, as a browser opens it: a page that says how to subscribe, not raw XML.
    page.goto(f"{live_server.url}/articles/{pk}/feed.atom")
    assert "feed.atom" in page.locator("main").inner_text()
    shoot(page, "feed", tmp_path)

    # On a phone: the same pages, nothing wider than the screen.
    page.set_viewport_size({"width": 390, "height": 844})
    for path, name in (
        ("/", "phone-home"),
        (f"/articles/{pk}/", "phone-article"),
        (f"/articles/{pk}/diff/0/1/?view=side", "phone-diff"),
        (f"/search/?q={word}", "phone-search"),
    ):
        page.goto(f"{live_server.url}{path}")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        shoot(page, name, tmp_path)
