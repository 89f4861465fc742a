"""Every page passes axe-core (Deque's accessibility rules, run in Debian's Chromium) with no serious or
critical violation, on a wide screen and on a phone.

axe-core is loaded from a local file: the copy that the axe-playwright-python package (a development
requirement) ships, so the test needs no network."""

from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page
from pytest_django.live_server_helper import LiveServer

from articles.tests.support import PASSWORD, SiteObjects, a_small_site, chromium, needs_chromium

pytestmark = [needs_chromium, pytest.mark.once]
# Found, not imported: only its copy of axe-core is used.
AXE_PACKAGE = find_spec("axe_playwright_python")
AXE_ORIGIN = AXE_PACKAGE.origin if AXE_PACKAGE else None
assert AXE_ORIGIN, "axe-playwright-python is missing: pip install -r requirements-dev.txt"
AXE = (Path(AXE_ORIGIN).parent / "axe.min.js").read_text()
WIDTHS = (1280, 390)


@pytest.fixture
def site(transactional_db: None) -> SiteObjects:
    return a_small_site()


@pytest.fixture
def browser(site: SiteObjects) -> Iterator[Browser]:
    with chromium() as browser:  # after the data (support.chromium)
        yield browser


def serious_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page, one line each."""
    page.evaluate(AXE)  # evaluated by the browser's tooling, so the site's script-free policy allows it
    result: dict[str, Any] = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def public_pages(site: SiteObjects) -> list[str]:
    pk = site.article.pk
    return [
        "/",
        "/?view=biggest",
        "/sources/",
        f"/sources/{site.source.slug}/",
        "/search/?q=bridge",
        "/search/?q=nothing-matches-this",
        f"/articles/{pk}/",
        f"/articles/{pk}/diff/0/1/",
        f"/articles/{pk}/diff/0/1/?view=inline",
        f"/articles/{pk}/versions/0/",
        f"/articles/{site.stopped.pk}/",
        f"/articles/{site.removed.pk}/",
        "/feeds/changes.atom",
        "/no-such-page/",
        "/api/v1/docs/",
        "/admin/login/",
    ]


@pytest.mark.parametrize("width", WIDTHS)
def test_public_pages_have_no_serious_accessibility_violation(
    live_server: LiveServer, site: SiteObjects, browser: Browser, width: int
) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})
    found = {}
    for path in public_pages(site):
        page.goto(f"{live_server.url}{path}")
        if violations := serious_violations(page):
            found[path] = violations
    page.close()
    assert found == {}


@pytest.fixture
def notification_log(site: SiteObjects) -> None:
    """A rule and a failed delivery, for the notifications page (made before the browser starts)."""
    from articles.models import Delivery, NotificationRule

    rule = NotificationRule.objects.create(name="Desk", targets="json://127.0.0.1:9/", source=site.source)
    version = site.article.versions.get(number=1)
    Delivery.objects.create(rule=rule, version=version, status=Delivery.Status.FAILED, last_error="HTTP 500")


@pytest.mark.parametrize("width", WIDTHS)
def test_staff_pages_have_no_serious_accessibility_violation(
    live_server: LiveServer, site: SiteObjects, notification_log: None, browser: Browser, width: int
) -> None:
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{live_server.url}/admin/login/?next=/track/")
    page.get_by_label("Username").fill(site.staff.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/track/")
    found = {}
    staff_pages = (
        "/track/", f"/articles/{site.article.pk}/", "/staff/notifications/", "/admin/",
        "/admin/articles/article/", "/admin/articles/notificationrule/", "/admin/articles/delivery/",
    )  # fmt: skip
    for path in staff_pages:
        page.goto(f"{live_server.url}{path}")
        if violations := serious_violations(page):
            found[path] = violations
    page.close()
    assert found == {}
