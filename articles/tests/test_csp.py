"""Every response carries the strict Content-Security-Policy, and every page kind works under it in a real
browser (Debian's Chromium driven by Playwright) without one violation.

The policy is pinned exactly: a directive added, loosened or lost fails here. The list of URLs covers each
named route (a test fails when a new one is not in it), feeds, the API and its docs, the admin as staff,
error pages (404, 410, 500) and static files.
"""

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, path, resolve
from pytest_django import Settings
from pytest_django.live_server_helper import LiveServer
from rest_framework.throttling import AnonRateThrottle

from articles.models import Article, Source
from articles.tests.support import CHROMIUM_ARGS, add_version, chromium, needs_chromium
from newsdiffs import urls as project_urls


def boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("a bug, for the 500 page")


# The project's URLs and one view that fails, for the 500 page.
urlpatterns = [path("boom/", boom), *project_urls.urlpatterns]
pytestmark = [pytest.mark.urls(__name__)]

BASE = {
    "default-src": ["'none'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'none'"],
}
ADMIN = BASE
DOCS = {**BASE, "connect-src": ["'self'"]}

# (path, who asks, status, policy); {article} is a tracked article's id, {removed} a removed one's.
PAGES: list[tuple[str, str, int, dict[str, list[str]]]] = [
    ("/", "anonymous", 200, BASE),
    ("/?view=biggest&period=week", "anonymous", 200, BASE),
    ("/sources/", "anonymous", 200, BASE),
    ("/sources/daily/", "anonymous", 200, BASE),
    ("/search/?q=bridge", "anonymous", 200, BASE),
    ("/search/?q=http://127.0.0.1/story", "anonymous", 302, BASE),
    ("/articles/{article}/", "anonymous", 200, BASE),
    ("/articles/{article}/", "staff", 200, BASE),  # with the check-now form
    ("/articles/{article}/compare/?a=0&b=1", "anonymous", 302, BASE),
    ("/articles/{article}/check/", "anonymous", 405, BASE),
    ("/articles/{article}/archive.warc.gz", "anonymous", 302, BASE),
    ("/articles/{article}/archive.warc.gz", "staff", 200, BASE),
    ("/articles/{article}/versions/0/", "anonymous", 200, BASE),
    ("/articles/{article}/diff/0/1/", "anonymous", 200, BASE),
    ("/articles/{article}/diff/0/1/?view=inline&show=changes", "anonymous", 200, BASE),
    ("/articles/{article}/diff/0/1/card.png", "anonymous", 200, BASE),
    ("/track/", "anonymous", 302, BASE),
    ("/track/", "staff", 200, BASE),
    ("/staff/notifications/", "anonymous", 302, BASE),
    ("/staff/notifications/", "staff", 200, BASE),
    ("/staff/notifications/rules/1/test/", "staff", 405, BASE),
    ("/staff/notifications/deliveries/1/resend/", "staff", 405, BASE),
    ("/healthz/", "anonymous", 200, BASE),
    # Error pages.
    ("/no/such/page/", "anonymous", 404, BASE),
    ("/articles/{removed}/", "anonymous", 410, BASE),
    ("/boom/", "anonymous", 500, BASE),
    ("/sources", "anonymous", 301, BASE),  # CommonMiddleware's slash redirect
    # Feeds.
    ("/articles/{article}/feed.atom", "anonymous", 200, BASE),
    ("/articles/{article}/feed.rss", "anonymous", 200, BASE),
    ("/sources/daily/feed.atom", "anonymous", 200, BASE),
    ("/sources/daily/feed.rss", "anonymous", 200, BASE),
    ("/feeds/changes.atom", "anonymous", 200, BASE),
    ("/feeds/changes.rss", "anonymous", 200, BASE),
    ("/feeds/headlines.atom", "anonymous", 200, BASE),
    ("/feeds/headlines.rss", "anonymous", 200, BASE),
    ("/search/feed.atom?q=bridge", "anonymous", 200, BASE),
    ("/search/feed.rss?q=bridge", "anonymous", 200, BASE),
    ("/search/feed?q=bridge", "anonymous", 200, BASE),
    # The API: JSON, its errors, the schema and the docs (page and start-up script).
    ("/api/v1/sources/", "anonymous", 200, BASE),
    ("/api/v1/sources/daily/", "anonymous", 200, BASE),
    ("/api/v1/articles/", "anonymous", 200, BASE),
    ("/api/v1/articles/{article}/", "anonymous", 200, BASE),
    ("/api/v1/articles/{article}/versions/", "anonymous", 200, BASE),
    ("/api/v1/articles/{article}/versions/1/", "anonymous", 200, BASE),
    ("/api/v1/articles/{article}/diff/0/1/", "anonymous", 200, BASE),
    ("/api/v1/articles/{removed}/", "anonymous", 404, BASE),
    ("/api/v1/no/such/thing", "anonymous", 404, BASE),
    ("/api/v1/schema", "anonymous", 200, BASE),
    ("/api/v1/docs/", "anonymous", 200, DOCS),
    ("/api/v1/docs/?script", "anonymous", 200, DOCS),
    # The admin: its login page, and as staff the index, lists, forms and a confirmation page.
    ("/admin/login/", "anonymous", 200, ADMIN),
    ("/admin/", "anonymous", 302, ADMIN),
    ("/admin/", "staff", 200, ADMIN),
    ("/admin/articles/article/", "staff", 200, ADMIN),
    ("/admin/articles/article/?status__exact=active&q=story", "staff", 200, ADMIN),
    ("/admin/articles/article/add/", "staff", 200, ADMIN),
    ("/admin/articles/article/{article}/change/", "staff", 200, ADMIN),
    ("/admin/articles/article/{article}/delete/", "staff", 200, ADMIN),
    ("/admin/articles/article/{article}/history/", "staff", 200, ADMIN),
    ("/admin/articles/source/", "staff", 200, ADMIN),
    ("/admin/articles/source/add/", "staff", 200, ADMIN),
    ("/admin/articles/version/", "staff", 200, ADMIN),
    ("/admin/articles/notificationrule/", "staff", 200, ADMIN),
    ("/admin/articles/notificationrule/add/", "staff", 200, ADMIN),
    ("/admin/articles/delivery/", "staff", 200, ADMIN),
    ("/admin/auth/user/", "staff", 200, ADMIN),
    ("/admin/password_change/", "staff", 200, ADMIN),
    ("/admin/articles/article/999999/change/", "staff", 302, ADMIN),  # a missing object
]


def parse_policy(header: str) -> dict[str, list[str]]:
    directives: dict[str, list[str]] = {}
    for part in header.split(";"):
        name, *values = part.split()
        assert name not in directives, f"{name} twice in {header!r}"
        directives[name] = values
    return directives


@pytest.fixture
def site(db: None) -> dict[str, int]:
    source = Source.objects.create(name="The Daily Test", slug="daily", homepage="http://127.0.0.1/")
    article = Article.objects.create(url="http://127.0.0.1/story", source=source)
    add_version(article, 0, "Mayor opens bridge", ["It opened on Tuesday.", "Crowds came."])
    add_version(article, 1, "Mayor closes bridge", ["It opened on Monday.", "Crowds came."])
    removed = Article.objects.create(url="http://127.0.0.1/removed", status=Article.Status.REMOVED)
    return {"article": article.pk, "removed": removed.pk}


def assert_strict_headers(response: Any, policy: dict[str, list[str]]) -> None:
    assert parse_policy(response["Content-Security-Policy"]) == policy
    assert "Content-Security-Policy-Report-Only" not in response
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.parametrize(("url", "who", "status", "policy"), PAGES)
def test_every_response_carries_the_strict_policy(
    site: dict[str, int], admin_client: Client, url: str, who: str, status: int, policy: dict[str, list[str]]
) -> None:
    client = admin_client if who == "staff" else Client(raise_request_exception=False)
    response = client.get(url.format(**site))
    assert response.status_code == status, response.content[:300]
    assert_strict_headers(response, policy)
    if status == 200 and response["Content-Type"].startswith("text/html"):
        assert response["X-Frame-Options"] == "DENY"  # for browsers older than frame-ancestors


def test_refusals_carry_the_policy_and_the_sites_own_pages(site: dict[str, int]) -> None:
    reader = User.objects.create_user("reader")
    staff = User.objects.create_user("editor", is_staff=True)
    anonymous, signed_in = Client(), Client()
    signed_in.force_login(reader)
    checked_csrf = Client(enforce_csrf_checks=True)
    checked_csrf.force_login(staff)
    check = f"/articles/{site['article']}/check/"

    to_login = anonymous.post(check)
    assert to_login.status_code == 302
    assert_strict_headers(to_login, BASE)
    forbidden = signed_in.get("/track/")
    assert forbidden.status_code == 403
    assert_strict_headers(forbidden, BASE)
    assert "Not allowed" in forbidden.content.decode()
    no_token = checked_csrf.post(check)
    assert no_token.status_code == 403
    assert_strict_headers(no_token, BASE)
    assert "This form was not accepted" in no_token.content.decode()  # not Django's inline-styled page
    api = anonymous.post(
        "/api/v1/articles/", {"url": "https://example.com/a"}, content_type="application/json"
    )
    assert api.status_code == 401
    assert_strict_headers(api, BASE)


def test_every_named_route_is_in_the_list(site: dict[str, int]) -> None:
    """A new page fails here until it is added to PAGES, and so is checked for its policy."""

    def names(patterns: list[Any], namespace: str = "") -> Iterator[str]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from names(pattern.url_patterns, pattern.namespace or namespace)
            elif isinstance(pattern, URLPattern) and pattern.name and namespace != "admin":
                yield pattern.name

    checked = set()
    for url, *_ in PAGES:
        with contextlib.suppress(Resolver404):  # the 404 cases
            checked.add(resolve(url.format(**site).split("?")[0]).url_name)
    assert set(names(get_resolver().url_patterns)) - checked == set()


def test_a_throttled_api_answer_carries_the_policy(site: dict[str, int], monkeypatch: Any) -> None:
    monkeypatch.setattr(AnonRateThrottle, "rate", "1/minute", raising=False)
    client = Client()
    client.get("/api/v1/sources/")
    response = client.get("/api/v1/sources/")
    assert response.status_code == 429
    assert_strict_headers(response, BASE)


@pytest.mark.parametrize("static", ["/static/css/site.css", "/static/favicon.svg", "/static/feeds/feed.xsl"])
def test_static_files_carry_the_policy(db: None, settings: Any, static: str) -> None:
    """whitenoise answers these before the views: the policy middleware sits in front of it."""
    settings.WHITENOISE_USE_FINDERS = True
    response = Client().get(static)
    response.close()  # a file response holds the file open until closed
    assert response.status_code == 200
    assert_strict_headers(response, BASE)


def test_no_template_has_inline_style_or_script() -> None:
    """The browser refuses inline styles, scripts and event handlers: they belong in static/. (A script
    loaded from a file, as the API docs' are, is not inline: the policy of its path says whether it runs.)"""
    inline = re.compile(r"style=|<style|<script(?![^>]*\ssrc=)|\son[a-z]+\s*=|javascript:", re.IGNORECASE)
    templates = Path(__file__).resolve().parents[2] / "templates"
    found = {
        f"{t.relative_to(templates)}: {m}"
        for t in templates.rglob("*.html")
        for m in inline.findall(t.read_text())
    }
    assert found == set()


# In a real browser -----------------------------------------------------------------------------------

# Every violation the page reports to itself, recorded before any of its own scripts run.
RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(`${e.effectiveDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""
STAFF_PASSWORD = "a-password-for-the-browser-test"
HOST = "news.example"


class Watched:
    """A browser page whose CSP violations, console errors and script errors are collected."""

    def __init__(self, browser: Any, base: str) -> None:
        self.base = base
        self.page = browser.new_page()
        self.problems: list[str] = []
        self.expected_failures: set[str] = set()
        self.page.add_init_script(RECORD_VIOLATIONS)
        self.page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        self.page.on("console", self._console)

    def _console(self, message: Any) -> None:
        where = message.location.get("url", "")
        # An error page's own status, and the favicon.ico Chromium asks for by itself where a page names
        # no icon (the admin), are reported as failed loads; neither is the page's doing.
        if where in self.expected_failures or where.endswith("/favicon.ico"):
            return
        if message.type == "error" or "Content Security Policy" in message.text:
            self.problems.append(f"console {message.type}: {message.text} ({where})")

    def goto(self, url: str, status: int = 200) -> None:
        if status >= 400:
            self.expected_failures.add(self.base + url)
        response = self.page.goto(self.base + url)
        assert response is not None
        assert response.status == status, url
        self.check(url)

    def check(self, where: str) -> None:
        """No violation so far; called after each navigation, as a new document starts a new list."""
        violations = self.page.evaluate("window.__violations")
        assert violations == [], where
        assert self.problems == [], where


@pytest.fixture
def staff(transactional_db: None) -> User:
    return User.objects.create_superuser("editor", "editor@example.org", STAFF_PASSWORD)


@pytest.fixture
def browser_site(transactional_db: None, staff: User) -> dict[str, int]:
    source = Source.objects.create(name="The Daily Test", slug="daily", homepage="http://127.0.0.1/")
    article = Article.objects.create(
        url="http://127.0.0.1/story", source=source, status=Article.Status.STOPPED
    )
    add_version(article, 0, "Mayor opens bridge", ["It opened on Tuesday.", "Crowds came."])
    add_version(article, 1, "Mayor closes bridge", ["It opened on Monday.", "Crowds came."])
    add_version(article, 2, "Mayor closes bridge", ["It opened on Monday.", "Crowds came.", "Closed."])
    removed = Article.objects.create(url="http://127.0.0.1/removed", status=Article.Status.REMOVED)
    return {"article": article.pk, "removed": removed.pk}


@pytest.fixture
def site_url(live_server: LiveServer, settings: Settings) -> str:
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, HOST]
    return live_server.url.replace("localhost", HOST, 1)


@pytest.fixture
def browser(browser_site: dict[str, int], site_url: str) -> Iterator[Any]:
    # After the data (support.chromium). The site is opened as news.example (on 127.0.0.1) and trusted as
    # if on HTTPS, as in production: Chromium treats localhost specially (Swagger UI too), and applies
    # Cross-Origin-Opener-Policy only on a trustworthy origin, warning on the console otherwise. Every other
    # name still goes nowhere.
    args = [a for a in CHROMIUM_ARGS if not a.startswith("--host-resolver-rules=")]
    rules = f"MAP {HOST} 127.0.0.1, MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"
    args += [f"--host-resolver-rules={rules}", f"--unsafely-treat-insecure-origin-as-secure={site_url}"]
    with chromium(args) as browser:
        yield browser


@needs_chromium
@pytest.mark.once
def test_site_pages_work_without_a_violation(
    browser: Any, site_url: str, browser_site: dict[str, int]
) -> None:
    pk = browser_site["article"]
    tab = Watched(browser, site_url)
    for url in ("/", "/?view=biggest&period=week", "/sources/", "/sources/daily/", "/search/?q=bridge"):
        tab.goto(url)
        assert tab.page.locator("link[rel=stylesheet]").count() == 1
        # The stylesheet applied: the header is a flex row, which only site.css makes it.
        assert tab.page.locator(".site-header").evaluate("e => getComputedStyle(e).display") == "flex"

    tab.goto(f"/articles/{pk}/")
    # The versions form (GET, to this site): pick v0 and v2 and compare.
    tab.page.get_by_label("Compare from v0").check()
    tab.page.get_by_role("button", name="Compare selected versions").click()
    tab.page.wait_for_url(f"**/articles/{pk}/diff/0/2/")
    tab.check("compare")
    # The diff's controls are links: the inline view, changes only, and back to side by side.
    tab.page.get_by_role("link", name="inline").click()
    tab.page.wait_for_url("**view=inline**")
    assert tab.page.locator(".diff.inline").count() == 1
    tab.page.get_by_role("link", name="changes only").click()
    tab.page.wait_for_url("**show=changes**")
    tab.page.get_by_role("link", name="side by side").click()
    tab.page.wait_for_url("**view=side**")
    assert tab.page.locator(".diff.side").count() == 1
    assert "line-through" in tab.page.locator("del").first.evaluate(
        "e => getComputedStyle(e).textDecorationLine"
    )
    tab.check("diff controls")
    tab.page.get_by_role("link", name="v2").click()
    tab.check("version")

    tab.goto("/search/?q=http://127.0.0.1/story")  # a pasted URL redirects to its article
    assert tab.page.url.endswith(f"/articles/{pk}/")
    tab.goto("/no/such/page/", status=404)
    tab.goto(f"/articles/{browser_site['removed']}/", status=410)


@needs_chromium
@pytest.mark.once
def test_error_page_renders_styled(browser: Any, site_url: str) -> None:
    tab = Watched(browser, site_url)
    # The failing view logs its error; the browser logs the 500 as a failed resource load.
    tab.page.remove_listener("console", tab._console)
    tab.goto("/boom/", status=500)
    assert tab.page.locator("h1").inner_text() == "Something went wrong"
    assert tab.page.locator("body").evaluate("e => getComputedStyle(e).maxWidth") != "none"


@needs_chromium
@pytest.mark.once
def test_feeds_and_api_open_without_a_violation(
    browser: Any, site_url: str, browser_site: dict[str, int]
) -> None:
    tab = Watched(browser, site_url)
    for url in ("/feeds/changes.atom", "/feeds/changes.rss", f"/api/v1/articles/{browser_site['article']}/"):
        tab.goto(url)


@needs_chromium
@pytest.mark.once
def test_api_docs_load_and_try_a_request(browser: Any, site_url: str, browser_site: dict[str, int]) -> None:
    tab = Watched(browser, site_url)
    tab.goto("/api/v1/docs/")
    operations = tab.page.locator(".swagger-ui .opblock-summary-path")
    operations.first.wait_for(timeout=15_000)
    assert "/api/v1/sources/" in operations.all_inner_texts()
    # Try a request from the docs: Swagger UI fetches it (connect-src) and shows the answer.
    tab.page.locator(".opblock-summary-path", has_text="/api/v1/sources/").first.click()
    tab.page.get_by_role("button", name="Try it out").click()
    tab.page.get_by_role("button", name="Execute").click()
    answer = tab.page.locator(".live-responses-table .response")
    answer.first.wait_for()
    assert answer.first.locator(".response-col_status").inner_text().strip() == "200"
    assert "The Daily Test" in answer.first.locator(".microlight").first.inner_text()
    tab.check("docs after a request")


@needs_chromium
@pytest.mark.once
def test_admin_works_without_a_violation(browser: Any, site_url: str, browser_site: dict[str, int]) -> None:
    pk = browser_site["article"]
    tab = Watched(browser, site_url)
    tab.goto("/admin/articles/article/")
    assert "/admin/login/" in tab.page.url
    tab.page.get_by_label("Username").fill("editor")
    tab.page.get_by_label("Password").fill(STAFF_PASSWORD)
    tab.page.get_by_role("button", name="Log in").click()
    tab.page.wait_for_url("**/admin/articles/article/")
    tab.check("login")

    # The changelist's script counts the selection; "delete selected" leads to its confirmation page.
    tab.page.locator("input.action-select").first.check()
    assert tab.page.locator(".action-counter").inner_text().startswith("1 of 2 selected")
    tab.page.locator("select[name=action]").select_option("delete_selected")
    tab.page.get_by_role("button", name="Go").click()
    tab.page.get_by_text("Are you sure you want to delete the selected article?").wait_for()
    tab.check("delete confirmation")

    tab.goto(f"/admin/articles/article/{pk}/change/")
    assert tab.page.locator(".inline-group").count() == 1  # the versions inline

    # The source form's scripts: the slug is filled in from the name, "Now" fills in a date and time.
    tab.goto("/admin/articles/source/add/")
    tab.page.locator("#id_name").press_sequentially("Evening Post")
    assert tab.page.locator("#id_slug").input_value() == "evening-post"
    tab.page.locator(".datetimeshortcuts a", has_text="Today").click()
    assert tab.page.locator("#id_next_discovery_at_0").input_value() != ""
    tab.page.get_by_role("button", name="Toggle theme").first.click()
    tab.check("source form")
    tab.page.locator("input[name=_save]").click()
    tab.page.wait_for_url("**/admin/articles/source/")
    assert "Evening Post" in tab.page.locator("#result_list").inner_text()
    tab.check("source saved")

    # Staff see the article page's resume button: a POST with its CSRF token, back to the page.
    tab.goto(f"/articles/{pk}/")
    tab.page.get_by_role("button", name="Resume tracking").click()
    tab.page.wait_for_selector("text=Tracking resumed")
    tab.check("resume")

    # Without its CSRF cookie the form is refused, on the site's own 403 page (Django's styles itself inline).
    tab.page.context.clear_cookies(name="csrftoken")
    tab.expected_failures.add(f"{site_url}/articles/{pk}/check/")
    with tab.page.expect_navigation():
        tab.page.get_by_role("button", name="Check now").click()
    tab.check("CSRF failure")
    assert tab.page.get_by_role("heading", name="This form was not accepted").is_visible()
    assert tab.page.locator(".site-header").evaluate("e => getComputedStyle(e).display") == "flex"
