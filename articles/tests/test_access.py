"""Who may do what. Anyone reads; only staff change anything, and only by a POST that carries its CSRF token
(or, for the API, a staff member's token); a GET never changes anything; the API's throttle. Production's
cookies, deploy check and admin address, and the scan for secrets, are in test_access_production.py.

test_admin.py, test_track_form.py and test_api.py test each feature's own rules one by one; this file runs
every state-changing endpoint through the same refusals, each with a positive control (staff with a token
do change the state) so that no refusal passes merely because the request was malformed.
"""

import json
import re
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import URLPattern, resolve
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.throttling import AnonRateThrottle

from articles import api_urls, urls
from articles.models import Article, Delivery, NotificationRule, Source, Version
from articles.tests.support import PASSWORD, a_small_site, add_version
from articles.tests.test_csp import PAGES

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "an0ther-long-passw0rd"


@pytest.fixture
def site() -> dict[str, int]:
    made = a_small_site()
    version = Version.objects.get(article=made.article, number=1)
    # A rule whose target refuses connections (the test button records that), and a failed delivery.
    rule = NotificationRule.objects.create(name="desk", targets="json://127.0.0.1:9/", source=made.source)
    delivery = Delivery.objects.create(rule=rule, version=version, status=Delivery.Status.FAILED)
    return {
        "article": made.article.pk, "stopped": made.stopped.pk, "removed": made.removed.pk,
        "source": made.source.pk, "version": version.pk, "staff": made.staff.pk, "rule": rule.pk,
        "delivery": delivery.pk,
    }  # fmt: skip


def state() -> tuple[Any, ...]:
    """Everything a request could change: articles, sources, versions, users and their passwords, API
    tokens, the admin's log, notification rules (and their tests' results) and deliveries."""
    return (
        list(Article.objects.order_by("pk").values()),
        list(Source.objects.order_by("pk").values()),
        list(Version.objects.order_by("pk").values_list("pk", "article_id", "number", "title", "kind")),
        list(
            User.objects.order_by("pk").values_list("pk", "username", "password", "is_staff", "is_superuser")
        ),
        list(Token.objects.order_by("pk").values_list("key", "user_id")),
        LogEntry.objects.count(),
        list(NotificationRule.objects.order_by("pk").values()),
        list(Delivery.objects.order_by("pk").values()),
    )


def changed(capture: Callable[..., Any], request: Callable[[], Any]) -> tuple[Any, bool]:
    """``request``'s response, and whether it changed the state or queued a task (a check, a discovery)."""
    before = state()
    with capture() as queued:
        response = request()
    return response, state() != before or bool(queued)


def source_form(name: str) -> dict[str, str]:
    return {
        "name": name, "slug": "daily", "homepage": "https://news.example/", "active": "on",
        "feed_urls": "[]", "section_urls": "[]", "link_pattern": "", "deny_pattern": "",
        "next_discovery_at_0": "2026-11-26", "next_discovery_at_1": "12:00:00",
    }  # fmt: skip


# Every state-changing endpoint a session reaches: (id, URL, form data, the page its form is on).
# Ids are in {}; the API, which takes tokens and never the session, is tested on its own below.
WRITES: list[tuple[str, str, dict[str, Any], str]] = [
    ("admin-add-article", "/admin/articles/article/add/", {"url": "https://example.com/new"},
     "/admin/articles/article/add/"),
    ("admin-change-source", "/admin/articles/source/{source}/change/", source_form("Renamed"),
     "/admin/articles/source/{source}/change/"),
    ("admin-add-source", "/admin/articles/source/add/", {**source_form("Other"), "slug": "other"},
     "/admin/articles/source/add/"),
    ("admin-delete-article", "/admin/articles/article/{article}/delete/", {"post": "yes"},
     "/admin/articles/article/{article}/delete/"),
    ("admin-delete-source", "/admin/articles/source/{source}/delete/", {"post": "yes"},
     "/admin/articles/source/{source}/delete/"),
    ("admin-action-resume", "/admin/articles/article/", {"action": "resume", "_selected_action": "{stopped}"},
     "/admin/articles/article/"),
    ("admin-action-check-now", "/admin/articles/article/",
     {"action": "check_now", "_selected_action": "{article}"}, "/admin/articles/article/"),
    ("admin-action-delete-versions", "/admin/articles/version/",
     {"action": "delete_selected", "_selected_action": "{version}", "post": "yes"},
     "/admin/articles/version/"),
    ("admin-action-discover", "/admin/articles/source/",
     {"action": "discover_now", "_selected_action": "{source}"}, "/admin/articles/source/"),
    ("admin-add-user", "/admin/auth/user/add/",
     {"username": "intruder", "password1": PASSWORD, "password2": PASSWORD, "usable_password": "true"},
     "/admin/auth/user/add/"),
    ("admin-change-user", "/admin/auth/user/{staff}/change/", {}, "/admin/auth/user/{staff}/change/"),
    ("admin-add-token", "/admin/authtoken/tokenproxy/add/", {"user": "{staff}"},
     "/admin/authtoken/tokenproxy/add/"),
    ("admin-password-change", "/admin/password_change/",
     {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
     "/admin/password_change/"),
    ("page-resume", "/articles/{stopped}/check/", {}, "/articles/{stopped}/"),
    ("page-check-now", "/articles/{article}/check/", {}, "/articles/{article}/"),
    ("page-track", "/track/", {"url": "https://example.com/tracked"}, "/track/"),
    ("admin-add-notification-rule", "/admin/articles/notificationrule/add/",
     {"name": "Desk", "targets": "json://127.0.0.1:9/", "enabled": "on", "min_words": "0"},
     "/admin/articles/notificationrule/add/"),
    ("admin-action-send-again", "/admin/articles/delivery/",
     {"action": "send_again", "_selected_action": "{delivery}"}, "/admin/articles/delivery/"),
    ("page-notification-test", "/staff/notifications/rules/{rule}/test/", {}, "/staff/notifications/"),
    ("page-delivery-resend", "/staff/notifications/deliveries/{delivery}/resend/", {},
     "/staff/notifications/"),
]  # fmt: skip
WRITE_IDS = [w[0] for w in WRITES]


def filled(value: Any, site: dict[str, int]) -> Any:
    return value.format(**site) if isinstance(value, str) else value


def form_data(write: tuple[str, str, dict[str, Any], str], site: dict[str, int]) -> dict[str, Any]:
    name, _url, data, _page = write
    data = {key: filled(value, site) for key, value in data.items()}
    if name == "admin-change-user":  # the user form as it is, with a new name: every field is required
        user = User.objects.get(pk=site["staff"])
        data = {
            "username": "renamed", "email": user.email, "is_active": "on", "is_staff": "on",
            "is_superuser": "on", "date_joined_0": "2026-11-26", "date_joined_1": "12:00:00",
        }  # fmt: skip
    return data


def token_on(client: Client, page: str) -> str:
    """The CSRF token of the form on ``page``, as a browser would send it."""
    response = client.get(page)
    assert response.status_code == 200, page
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', response.content)
    assert match, f"no CSRF token on {page}"
    return match.group(1).decode()


def signed_in(username: str, csrf_checks: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf_checks)
    client.force_login(User.objects.get(username=username))
    return client


Write = tuple[str, str, dict[str, Any], str]


@pytest.mark.parametrize("write", WRITES, ids=WRITE_IDS)
def test_staff_with_the_csrf_token_can_write(
    write: Write, site: dict[str, int], django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    """The positive control: each request below, made as staff with the form's token, does change the state
    or queue a task, so that its refusals mean something."""
    name, url, _data, page = write
    client = signed_in("editor", csrf_checks=True)
    data = {**form_data(write, site), "csrfmiddlewaretoken": token_on(client, page.format(**site))}
    response, did = changed(django_capture_on_commit_callbacks, lambda: client.post(url.format(**site), data))
    assert response.status_code == 302, response.content.decode()[:3000]
    assert did, name


@pytest.mark.parametrize("write", WRITES, ids=WRITE_IDS)
def test_anonymous_visitors_are_sent_to_log_in(
    write: Write, site: dict[str, int], django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    url, data = write[1].format(**site), form_data(write, site)
    response, did = changed(django_capture_on_commit_callbacks, lambda: Client().post(url, data))
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=")
    assert not did


@pytest.mark.parametrize("write", WRITES, ids=WRITE_IDS)
def test_signed_in_readers_who_are_not_staff_are_refused(
    write: Write, site: dict[str, int], django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    name, url, data = write[0], write[1].format(**site), form_data(write, site)
    client = signed_in("reader")
    response, did = changed(django_capture_on_commit_callbacks, lambda: client.post(url, data))
    if name.startswith("admin-"):
        # The admin answers anyone not staff with its login page (Django's way), asking for another account.
        assert response.status_code == 302
        assert response["Location"].startswith("/admin/login/?next=")
    else:
        assert response.status_code == 403  # signing in again would not help
    assert not did


@pytest.mark.parametrize(
    "write", [w for w in WRITES if w[0] != "admin-password-change"],
    ids=[w for w in WRITE_IDS if w != "admin-password-change"],
)  # fmt: skip
def test_staff_without_the_model_permission_are_refused(
    write: Write, site: dict[str, int], django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    """The admin asks for each model's permission (any staff member may change their own password); the
    site's own writes ask for the same ones: add_article to track, change_article to check or resume."""
    User.objects.create_user("intern", is_staff=True)
    url, data = write[1].format(**site), form_data(write, site)
    client = signed_in("intern")
    response, did = changed(django_capture_on_commit_callbacks, lambda: client.post(url, data))
    assert response.status_code == 403
    assert not did


@pytest.mark.parametrize("token", ["", "forged-token-" * 4], ids=["no-token", "forged-token"])
@pytest.mark.parametrize("write", WRITES, ids=WRITE_IDS)
def test_staff_without_the_csrf_token_are_refused(
    write: Write, token: str, site: dict[str, int], django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    """What another site could make a signed-in editor's browser send: the session cookie, no valid token."""
    url, page = write[1].format(**site), write[3].format(**site)
    client = signed_in("editor", csrf_checks=True)
    token_on(client, page)  # the CSRF cookie is set, as after any visit
    data = form_data(write, site)
    if token:
        data["csrfmiddlewaretoken"] = token
    response, did = changed(django_capture_on_commit_callbacks, lambda: client.post(url, data))
    assert response.status_code == 403
    assert "This form was not accepted" in response.content.decode()
    assert not did


def test_the_csrf_token_must_come_from_this_site(site: dict[str, int]) -> None:
    """Django also checks where a form was sent from: a valid token is not enough from another origin."""
    client = signed_in("editor", csrf_checks=True)
    url = f"/articles/{site['stopped']}/check/"
    token = token_on(client, f"/articles/{site['stopped']}/")
    before = state()
    refused = client.post(url, {"csrfmiddlewaretoken": token}, headers={"Origin": "https://evil.example"})
    assert refused.status_code == 403
    assert state() == before
    accepted = client.post(url, {"csrfmiddlewaretoken": token}, headers={"Origin": "http://testserver"})
    assert accepted.status_code == 302
    assert state() != before


# --- the API --------------------------------------------------------------------------------------------

API_READS = [
    "/api/v1/sources/", "/api/v1/sources/daily/", "/api/v1/articles/", "/api/v1/articles/{article}/",
    "/api/v1/articles/{article}/versions/", "/api/v1/articles/{article}/versions/1/",
    "/api/v1/articles/{article}/diff/0/1/", "/api/v1/schema",
]  # fmt: skip


# Tracking (POST /api/v1/articles/, test_track_form.py) is the one write.
API_OTHER_WRITES = [
    (url, method)
    for url in API_READS
    for method in ("put", "patch", "delete", "post")
    if (url, method) != ("/api/v1/articles/", "post")
]


@pytest.mark.parametrize(("url", "method"), API_OTHER_WRITES)
def test_the_api_has_no_other_write_even_for_staff(site: dict[str, int], url: str, method: str) -> None:
    """Nothing else in the API changes or deletes anything, whoever asks."""
    key = Token.objects.create(user_id=site["staff"]).key
    before = state()
    response = getattr(Client(), method)(
        url.format(**site),
        json.dumps({"url": "https://example.com/x", "status": "removed", "name": "Renamed"}),
        content_type="application/json",
        headers={"Authorization": f"Token {key}"},
    )
    assert response.status_code == 405, response.content
    assert Token.objects.filter(key=key).exists()
    assert state()[:3] == before[:3]


# --- GET never changes anything -------------------------------------------------------------------------

# The writes' addresses asked with GET, their form data in the query string, and the admin's logout.
GETS_OF_WRITES = [
    "/admin/articles/article/add/?url=https://example.com/new",
    "/admin/articles/source/{source}/delete/?post=yes",
    "/admin/articles/article/{article}/delete/?post=yes",
    "/admin/articles/article/?action=resume&_selected_action={stopped}",
    "/admin/articles/article/?action=delete_selected&_selected_action={article}&post=yes",
    "/admin/articles/version/?action=delete_selected&_selected_action={version}&post=yes",
    "/admin/auth/user/add/?username=intruder&password1=x&password2=x",
    "/articles/{stopped}/check/",
    "/articles/{article}/check/",
    "/track/?url=https://example.com/tracked",
    "/staff/notifications/rules/{rule}/test/",
    "/staff/notifications/deliveries/{delivery}/resend/",
    "/admin/articles/delivery/?action=send_again&_selected_action={delivery}",
    "/api/v1/articles/?url=https://example.com/tracked",
    "/admin/logout/",
]


@pytest.mark.parametrize("who", ["anonymous", "staff"])
def test_a_get_never_changes_anything(
    site: dict[str, int], who: str, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    client = Client() if who == "anonymous" else signed_in("editor")
    urls = [url for url, *_ in PAGES if url != "/boom/"] + GETS_OF_WRITES
    before = state()
    with django_capture_on_commit_callbacks() as queued:
        for url in urls:
            assert client.get(url.format(**site)).status_code < 500, url
            assert client.head(url.format(**site)).status_code < 500, url
    assert state() == before
    assert queued == []  # no check or discovery was queued
    if who == "staff":  # a GET to the logout did not log out (Django 5 takes only a POST there)
        assert client.get("/admin/").status_code == 200


# --- the API's throttle (test_api.py has the 429 itself) ----------------------------------------------


@pytest.fixture
def three_a_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(AnonRateThrottle, "rate", "3/minute", raising=False)


def test_the_throttle_counts_every_endpoint_and_error_together(
    site: dict[str, int], three_a_minute: None
) -> None:
    client = Client()
    assert client.get("/api/v1/sources/").status_code == 200
    assert client.get("/api/v1/articles/999999/").status_code == 404
    assert client.get("/api/v1/docs/").status_code == 200
    for url in ("/api/v1/articles/", "/api/v1/schema", "/api/v1/docs/?script", "/api/v1/sources/nope/"):
        response = client.get(url)
        assert response.status_code == 429, url
        assert 0 < int(response["Retry-After"]) <= 60


def test_the_throttle_is_per_address_and_a_forged_forwarded_for_does_not_reset_it(
    site: dict[str, int], three_a_minute: None
) -> None:
    for _ in range(3):
        Client(REMOTE_ADDR="198.51.100.7").get("/api/v1/sources/")
    spoofed = Client(REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert spoofed.get("/api/v1/sources/").status_code == 429
    assert Client(REMOTE_ADDR="198.51.100.8").get("/api/v1/sources/").status_code == 200


def test_behind_a_proxy_the_throttle_reads_the_address_the_proxy_saw(
    site: dict[str, int], three_a_minute: None, settings: Any
) -> None:
    """NUM_PROXIES=1: the proxy appends the client's address; what the client put before it is ignored."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    proxy = "10.0.0.2"
    for n in range(3):
        Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, 198.51.100.7").get("/api/v1/sources/")
    forged = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.50, 198.51.100.7")
    assert forged.get("/api/v1/sources/").status_code == 429
    other = Client(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="198.51.100.8")
    assert other.get("/api/v1/sources/").status_code == 200


def test_staff_track_check_and_resume_with_the_articles_permissions_alone(
    site: dict[str, int], django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    """Not only superusers: a staff member given add/change article may do what those allow, no more."""
    editor = User.objects.create_user("editor-only", is_staff=True)
    editor.user_permissions.add(*Permission.objects.filter(codename__in=["add_article", "change_article"]))
    client = signed_in("editor-only")
    for name in ("page-track", "page-check-now", "page-resume"):
        write = next(w for w in WRITES if w[0] == name)
        post = partial(client.post, write[1].format(**site), form_data(write, site))
        response, did = changed(django_capture_on_commit_callbacks, post)
        assert response.status_code == 302, name
        assert did, name
    assert (
        client.post("/admin/articles/source/add/", {**source_form("Other"), "slug": "x"}).status_code == 403
    )


def test_a_staff_token_without_the_add_permission_cannot_track(site: dict[str, int]) -> None:
    intern = User.objects.create_user("intern-api", is_staff=True)
    token = Token.objects.create(user=intern).key
    before = state()
    response = Client().post(
        "/api/v1/articles/",
        {"url": "https://example.com/by-intern"},
        content_type="application/json",
        headers={"Authorization": f"Token {token}"},
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert state() == before


# What the public reads: every list, page, feed and API endpoint, none of which may show a removed article.
# (url, status, what a published article's listing shows there, as a positive control); {removed} is the
# removed article's id.
PUBLIC_READS: list[tuple[str, int, str | None]] = [
    ("/", 200, "Mayor closes bridge"),
    ("/?source=daily", 200, "Mayor closes bridge"),
    ("/?view=biggest", 200, "Mayor closes bridge"),
    ("/?view=biggest&period=week&source=daily", 200, "Mayor closes bridge"),
    ("/sources/", 200, "The Daily Test"),
    ("/sources/daily/", 200, "Mayor closes bridge"),
    ("/search/?q=bridge", 200, "Mayor closes bridge"),
    ("/search/?q=http://127.0.0.1/zanzibar", 200, None),  # not taken to the removed article's page
    ("/articles/{removed}/", 410, None),
    ("/articles/{removed}/compare/?a=0&b=1", 410, None),  # followed to the diff
    ("/articles/{removed}/versions/0/", 410, None),
    ("/articles/{removed}/diff/0/1/", 410, None),
    ("/articles/{removed}/diff/0/1/card.png", 410, None),
    ("/articles/{removed}/feed.atom", 410, None),
    ("/articles/{removed}/feed.rss", 410, None),
    ("/sources/daily/feed.atom?all=1", 200, "Mayor closes bridge"),
    ("/sources/daily/feed.rss", 200, "Mayor closes bridge"),
    ("/feeds/changes.atom?all=1", 200, "Mayor closes bridge"),
    ("/feeds/changes.rss", 200, "Mayor closes bridge"),
    ("/feeds/headlines.atom", 200, "Mayor closes bridge"),
    ("/feeds/headlines.rss", 200, "Mayor closes bridge"),
    ("/search/feed?q=bridge", 200, "Mayor closes bridge"),
    ("/search/feed.atom?q=bridge&all=1", 200, "Mayor closes bridge"),
    ("/search/feed.rss?q=zanzibar", 200, None),
    ("/api/v1/articles/", 200, "Mayor closes bridge"),
    ("/api/v1/articles/?source=daily", 200, "Mayor closes bridge"),
    ("/api/v1/articles/?status=removed", 200, None),
    ("/api/v1/articles/?url=http://127.0.0.1/zanzibar", 200, None),
    ("/api/v1/articles/{removed}/", 404, None),
    ("/api/v1/articles/{removed}/versions/", 404, None),
    ("/api/v1/articles/{removed}/versions/0/", 404, None),
    ("/api/v1/articles/{removed}/diff/0/1/", 404, None),
    ("/api/v1/sources/", 200, "The Daily Test"),
    ("/api/v1/sources/daily/", 200, "The Daily Test"),
]
# Routes that list no article: a staff member's form and action, the API's description of itself.
NOT_PUBLIC_READS = {
    "track", "check-now", "api-schema", "api-docs", "notifications", "notification-test", "delivery-resend",
    "article_warc",
}  # fmt: skip


@pytest.fixture
def removed_with_changes(site: dict[str, int]) -> dict[str, int]:
    """``site``'s removed article, of the same source, with changes that match the same search and rewrote
    its headline, all of them this hour's, as the published article's are made too: wherever the published
    article is listed, the removed one would be beside it."""
    removed = Article.objects.get(pk=site["removed"])
    Article.objects.filter(pk=removed.pk).update(source_id=site["source"], url="http://127.0.0.1/zanzibar")
    add_version(removed, 0, "Zanzibar bridge shut", ["The bridge shut on Tuesday."])
    add_version(removed, 1, "Zanzibar bridge reopened", ["The bridge reopened on Friday, a bridge again."])
    add_version(removed, 2, "Zanzibar bridge reopened", ["The bridge reopened on Friday; a bridge again."],
                kind=Version.Kind.MINOR)  # fmt: skip
    now = timezone.now()
    # Per version: SQLite cannot multiply an integer column by a duration.
    for version in Version.objects.all():
        Version.objects.filter(pk=version.pk).update(fetched_at=now - version.number * timedelta(minutes=1))
    return site


def public_route_names() -> set[str]:
    patterns = [p for p in [*urls.urlpatterns, *api_urls.urlpatterns] if isinstance(p, URLPattern)]
    return {p.name for p in patterns if p.name} - NOT_PUBLIC_READS


def test_every_public_route_is_walked() -> None:
    walked = {resolve(urlsplit(url.format(removed=1)).path).url_name for url, *_ in PUBLIC_READS}
    assert public_route_names() <= walked


@pytest.mark.parametrize(("url", "status", "shown"), PUBLIC_READS)
def test_a_removed_article_is_never_shown(
    removed_with_changes: dict[str, int], url: str, status: int, shown: str | None
) -> None:
    removed = removed_with_changes["removed"]
    response = Client(raise_request_exception=False).get(url.format(removed=removed), follow=True)
    assert response.status_code == status, response.content[:300]
    body = response.content.decode()
    if shown is not None:
        assert shown in body  # the control: this is a list the removed article would be in
    assert "Zanzibar" not in body
    assert f"/articles/{removed}/" not in body
    if url.startswith("/api/") and status == 200:
        assert removed not in [item.get("id") for item in response.json().get("results", [])]
