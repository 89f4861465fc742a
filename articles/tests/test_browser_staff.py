"""What staff see when they ask for a check, in a real browser at 1280 and 390 px, with a real Celery worker
checking a local site: Check now and the admin's action queue a check that runs, and say so; the Track page
waits for the first check and says what it found."""

from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Browser, Page
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from articles.models import Article
from articles.tests.support import (
    PASSWORD,
    LocalSite,
    article_html,
    chromium_for_a_module,
    fits,
    needs_chromium,
    wait_for,
    watched_page,
)

pytestmark = [needs_chromium, pytest.mark.once]
WIDTHS = (1280, 390)
PARAGRAPHS = ["The council approved the plan on Tuesday after a long debate.", "Work starts next spring."]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium_for_a_module() as browser:
        yield browser


@pytest.fixture
def staff(transactional_db: None) -> User:
    return User.objects.create_superuser("editor", "editor@example.org", PASSWORD)


@pytest.fixture
def tab(browser: Browser, width: int, live_server: LiveServer, staff: User) -> Iterator[Page]:
    """A page of ``width`` px, signed in as staff through the admin's login form."""
    with watched_page(browser, width) as page:
        page.goto(f"{live_server.url}/admin/login/?next=/admin/")
        page.get_by_label("Username").fill(staff.username)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url("**/admin/")
        yield page


def checked(article: Article) -> bool:
    return Article.objects.filter(pk=article.pk, last_checked_at__isnull=False, version_count=1).exists()


@pytest.mark.parametrize("width", WIDTHS)
def test_check_now_on_the_article_page_queues_a_check_that_runs_and_says_so(
    live_server: LiveServer, local_site: LocalSite, celery_worker: None, tab: Page, width: int
) -> None:
    story = local_site.serve("/story", article_html("Council approves plan", PARAGRAPHS))
    # Due tomorrow: the case where a claim's moved schedule once read as a check under way, and nothing ran.
    article = Article.objects.create(url=story, next_check_at=timezone.now() + timedelta(days=1))
    tab.goto(f"{live_server.url}/articles/{article.pk}/")
    check_now = tab.get_by_role("button", name="Check now")
    fonts = tab.get_by_role("button").evaluate_all("nodes => nodes.map(n => getComputedStyle(n).fontFamily)")
    assert set(fonts) == {
        check_now.evaluate("e => getComputedStyle(e).fontFamily")
    }  # the header's Search too
    with tab.expect_navigation():
        check_now.click()
    message = tab.locator(".messages li")
    assert message.all_inner_texts() == ["Check queued."]
    assert message.is_visible()
    assert fits(tab)
    wait_for(lambda: checked(article))  # the worker ran it: version 0 is read
    tab.reload()
    assert tab.locator("h1").inner_text() == "Council approves plan"
    assert tab.locator("table.versions tbody tr").count() == 1
    assert fits(tab)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_admin_action_queues_checks_that_run_and_says_what_it_did(
    live_server: LiveServer, local_site: LocalSite, celery_worker: None, tab: Page, width: int
) -> None:
    story = local_site.serve("/story", article_html("Council approves plan", PARAGRAPHS))
    article = Article.objects.create(url=story, next_check_at=timezone.now() + timedelta(days=1))
    stopped = Article.objects.create(url=local_site.url("/old"), status=Article.Status.STOPPED)
    tab.goto(f"{live_server.url}/admin/articles/article/")
    for chosen in (article, stopped):
        tab.locator(f'input.action-select[value="{chosen.pk}"]').check()
    tab.locator("select[name=action]").select_option("check_now")
    with tab.expect_navigation():
        tab.get_by_role("button", name="Go").click()
    message = tab.locator("ul.messagelist li")
    assert message.all_inner_texts() == [
        "1 check(s) queued. 1 stopped or removed, not checked (resume them first)."
    ]
    assert message.is_visible()
    wait_for(lambda: checked(article))
    assert not Article.objects.filter(pk=stopped.pk, last_checked_at__isnull=False).exists()


@pytest.mark.parametrize("width", WIDTHS)
def test_the_track_page_waits_for_the_first_check_and_says_what_it_found(
    live_server: LiveServer,
    local_site: LocalSite,
    celery_worker: None,
    tab: Page,
    width: int,
    settings: Settings,
) -> None:
    settings.TRACK_WAIT_SECONDS = 20
    story = local_site.serve("/story", article_html("Council approves plan", PARAGRAPHS))
    pdf = local_site.serve("/report.pdf", b"%PDF-1.4 ...", headers={"Content-Type": "application/pdf"})
    said = {}
    for url in (story, pdf):
        tab.goto(f"{live_server.url}/track/")
        tab.get_by_role("textbox", name="Article URL").fill(url)
        with tab.expect_navigation(timeout=30_000):
            tab.get_by_role("button", name="Track").click()
        message = tab.locator(".messages li")
        assert message.is_visible()
        assert fits(tab)  # a long message wraps
        said[url] = message.inner_text()
    assert said[story] == f"Now tracking {story}. First check done: version 0 read, “Council approves plan”."
    assert said[pdf].startswith(
        f"Now tracking {pdf}. First check done. No version yet: its last check failed "
        "(not an HTML page (application/pdf))"
    )
