"""Every kind of page passes axe-core (Deque's accessibility rules, run in Debian's Chromium) with no serious
or critical violation, on a wide screen and on a phone: the public pages, the error pages, the staff pages.

axe-core comes from npm and is loaded from node_modules/ as a local file (support.axe_core), so the test needs
no network."""

from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.urls import path as route
from playwright.sync_api import Browser, Page
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer

from articles.models import Article, Delivery, NotificationRule, Version
from articles.tests.support import (
    PASSWORD,
    SiteObjects,
    a_small_site,
    add_version,
    axe_core,
    chromium_for_a_module,
    needs_chromium,
)
from newsdiffs import urls as project_urls

WIDTHS = (1280, 390)


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug, for the 500 page")


def database_down(request: HttpRequest) -> HttpResponse:
    raise OperationalError("the database is restarting, for the 503 page")


# The project's URLs and two views that fail, for the 500 and 503 pages.
urlpatterns = [route("boom/", boom), route("database-down/", database_down), *project_urls.urlpatterns]
pytestmark = [needs_chromium, pytest.mark.once, pytest.mark.urls(__name__)]


@pytest.fixture(scope="module")
def axe() -> str:
    return axe_core()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium_for_a_module() as browser:
        yield browser


@pytest.fixture
def site(transactional_db: None) -> SiteObjects:
    """The small site, with a minor edit (whose diff opens on its changes alone), a failing article tracked
    by hand and a failed notification delivery (for the staff's notifications page)."""
    site = a_small_site()
    add_version(
        site.article, 2, "Mayor closes bridge", ["It opened on Monday!", "Crowds came."], kind="minor"
    )
    Article.objects.create(
        url="http://127.0.0.1/failing",
        status=Article.Status.FAILING,
        last_error="HTTP 500",
        consecutive_failures=10,
    )
    rule = NotificationRule.objects.create(name="Desk", targets="json://127.0.0.1:9/", source=site.source)
    version = Version.objects.get(article=site.article, number=1)
    Delivery.objects.create(rule=rule, version=version, status=Delivery.Status.FAILED, last_error="HTTP 500")
    return site


def serious_violations(page: Page, axe: str) -> list[str]:
    """axe-core's serious and critical findings on the page, one line each."""
    page.evaluate(axe)  # evaluated by the browser's tooling, so the site's script-free policy allows it
    result: dict[str, Any] = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


class Walk:
    """A page of the browser that visits paths, checks each answer's status, and collects axe's findings."""

    def __init__(self, browser: Browser, base: str, width: int, axe: str) -> None:
        self.page = browser.new_page(viewport={"width": width, "height": 900})
        self.base, self.axe = base, axe
        self.found: dict[str, list[str]] = {}

    def visit(self, path: str, status: int = 200) -> None:
        response = self.page.goto(f"{self.base}{path}")
        assert response is not None
        assert response.status == status, path  # the page meant, not a redirect to the login or an error
        self.check(path)

    def check(self, where: str) -> None:
        if violations := serious_violations(self.page, self.axe):
            self.found[where] = violations

    def log_in(self, username: str, status: int = 200) -> None:
        self.page.goto(f"{self.base}/admin/login/")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(PASSWORD)
        with self.page.expect_navigation() as navigation:
            self.page.get_by_role("button", name="Log in").click()
        response = navigation.value
        assert response is not None
        assert response.status == status, username


@pytest.mark.parametrize("width", WIDTHS)
def test_public_pages_have_no_serious_accessibility_violation(
    live_server: LiveServer, site: SiteObjects, browser: Browser, axe: str, width: int
) -> None:
    pk = site.article.pk
    walk = Walk(browser, live_server.url, width, axe)
    for path in (
        "/", "/?view=biggest&period=week", "/sources/", f"/sources/{site.source.slug}/",
        "/search/?q=bridge", "/search/?q=nothing-matches-this", "/search/?q=https://news.example/untracked",
        f"/articles/{pk}/", f"/articles/{pk}/?all=1", f"/articles/{site.stopped.pk}/",
        f"/articles/{Article.objects.get(status=Article.Status.FAILING).pk}/",
        f"/articles/{pk}/versions/0/",
        f"/articles/{pk}/diff/0/1/?view=side", f"/articles/{pk}/diff/0/1/?view=inline",
        f"/articles/{pk}/diff/0/1/?view=side&show=changes", f"/articles/{pk}/diff/1/2/",
        "/feeds/changes.atom", "/search/feed.rss?q=bridge", "/admin/login/",
    ):  # fmt: skip
        walk.visit(path)
    walk.page.goto(f"{live_server.url}/api/v1/docs/")
    walk.page.locator(".swagger-ui .opblock-summary-path").first.wait_for(timeout=15_000)  # drawn by script
    walk.check("/api/v1/docs/")
    assert walk.found == {}
    walk.page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_error_pages_have_no_serious_accessibility_violation(
    live_server: LiveServer, site: SiteObjects, browser: Browser, axe: str, width: int, settings: Settings
) -> None:
    walk = Walk(browser, live_server.url, width, axe)
    walk.visit("/no-such-page/", 404)
    walk.visit(f"/articles/{site.removed.pk}/", 410)
    walk.visit("/boom/", 500)
    walk.visit("/database-down/", 503)
    settings.DIFF_RENDERS_PER_MINUTE = 0
    walk.visit(f"/articles/{site.article.pk}/diff/0/2/", 429)  # a diff not yet made: one too many
    settings.AXES_FAILURE_LIMIT = 1
    walk.page.goto(f"{live_server.url}/admin/login/")
    walk.page.get_by_label("Username").fill("nobody")
    walk.page.get_by_label("Password").fill("a wrong password")
    with walk.page.expect_navigation() as navigation:
        walk.page.get_by_role("button", name="Log in").click()
    assert navigation.value is not None
    assert navigation.value.status == 429
    walk.check("login locked")
    walk.log_in(site.reader.username)  # the login page again, saying why: a reader is not staff
    walk.check("login refused")
    User.objects.create_user("intern", "intern@example.org", PASSWORD, is_staff=True)
    walk.log_in("intern")  # staff, without the permission to track
    walk.visit("/track/", 403)
    assert walk.found == {}
    walk.page.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_staff_pages_have_no_serious_accessibility_violation(
    live_server: LiveServer, site: SiteObjects, browser: Browser, axe: str, width: int
) -> None:
    walk = Walk(browser, live_server.url, width, axe)
    walk.log_in(site.staff.username)
    walk.visit("/track/")
    walk.page.get_by_role("textbox", name="Article URL").fill("ftp://news.example/story")
    walk.page.get_by_role("button", name="Track").click()
    walk.page.locator(".errorlist").first.wait_for()  # the form again, with its error
    walk.check("/track/ with an error")
    rule = NotificationRule.objects.get()
    for path in (
        f"/articles/{site.article.pk}/", "/staff/notifications/", "/admin/", "/admin/articles/article/",
        "/admin/articles/article/add/", f"/admin/articles/article/{site.article.pk}/change/",
        f"/admin/articles/source/{site.source.pk}/change/", "/admin/articles/notificationrule/",
        f"/admin/articles/notificationrule/{rule.pk}/change/", "/admin/articles/delivery/",
    ):  # fmt: skip
        walk.visit(path)
    assert walk.found == {}
    walk.page.close()
