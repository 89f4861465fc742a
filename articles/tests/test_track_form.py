"""Staff track articles on /track/ and through POST /api/v1/articles/: one check of the URL behind both
(and the admin's add form and ``manage.py track``), the same words for what is wrong, variants of a tracked
article leading to it, and no way in for anyone but staff."""

import json
import re
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.core.management import CommandError, call_command
from django.test import Client
from lxml import html as lxml_html
from openapi_core import OpenAPI
from pytest_django import DjangoCaptureOnCommitCallbacks, DjangoDbBlocker, Settings
from rest_framework.authtoken.models import Token
from rest_framework.throttling import UserRateThrottle

from articles.canonical import MAX_URL_LENGTH
from articles.models import Article, Source
from articles.tests.test_api import Api

pytestmark = pytest.mark.django_db

TRACKED = "https://example.com/a"
TOO_LONG = f"URL is longer than {MAX_URL_LENGTH} characters."
PRIVATE = "is a private or reserved address: only public sites can be tracked."

# Every class of bad input, each with the words the person who typed it reads (the same everywhere).
BAD_INPUTS = [
    # empty
    ("", "Enter a URL."),
    ("   ", "Enter a URL."),
    # malformed
    ("example.com/story", "URL must start with http:// or https://."),
    ("//example.com/story", "URL must start with http:// or https://."),
    ("http://", "URL has no host name."),
    ("http:example.com", "URL has no host name."),
    ("http://example.com:99999/", "Malformed URL: Port out of range 0-65535."),
    ("http://[::1/", "Malformed URL: Invalid IPv6 URL."),
    ("http://exa mple.com/", "URL contains spaces or control characters."),
    ("http://example.com/a\tb", "URL contains spaces or control characters."),
    ("http://a..b/", "URL has an invalid host name."),
    ("http://-news-.example/", "URL has an invalid host name."),
    ("http://%41.example/", "URL has an invalid host name."),
    ("http://user:pw@example.com/", "URLs with a user name or password are not tracked."),
    ("http://example.com\\@evil.example/", "URLs with a user name or password are not tracked."),
    # unsupported schemes
    ("ftp://example.com/file", "Unsupported scheme 'ftp': only http and https URLs can be tracked."),
    ("javascript:alert(1)", "Unsupported scheme 'javascript': only http and https URLs can be tracked."),
    (" JaVaScRiPt:alert(1)", "Unsupported scheme 'javascript': only http and https URLs can be tracked."),
    (
        "data:text/html,<script>alert(1)</script>",
        "Unsupported scheme 'data': only http and https URLs can be tracked.",
    ),
    ("file:///etc/passwd", "Unsupported scheme 'file': only http and https URLs can be tracked."),
    # over-long, as typed or once the query is percent-encoded (é is 6 characters encoded)
    ("https://example.com/" + "a" * MAX_URL_LENGTH, TOO_LONG),
    ("https://example.com/?q=" + "é" * 400, TOO_LONG),
    # IP literals of private, loopback, link-local, shared and reserved ranges, however spelt
    ("http://10.0.0.1/story", f"10.0.0.1 {PRIVATE}"),
    ("http://172.16.5.4/story", f"172.16.5.4 {PRIVATE}"),
    ("http://192.168.1.1/story", f"192.168.1.1 {PRIVATE}"),
    ("http://127.0.0.2:8000/story", f"127.0.0.2 {PRIVATE}"),
    ("http://169.254.169.254/latest/meta-data/", f"169.254.169.254 {PRIVATE}"),
    ("http://100.64.0.1/", f"100.64.0.1 {PRIVATE}"),
    ("http://0.0.0.0/", f"0.0.0.0 {PRIVATE}"),
    ("http://167772161/", f"167772161 (10.0.0.1) {PRIVATE}"),
    ("http://0x0a.1/", f"0x0a.1 (10.0.0.1) {PRIVATE}"),
    ("http://[::ffff:a00:1]/", f"::ffff:a00:1 (10.0.0.1) {PRIVATE}"),
    ("http://[fd00::1]/", f"fd00::1 {PRIVATE}"),
    ("http://[fe80::1]/", f"fe80::1 {PRIVATE}"),
]
BAD_IDS = [f"{n}-{url[:24]}" for n, (url, _) in enumerate(BAD_INPUTS)]

# Variants of TRACKED: each must lead to it, never to a second article.
VARIANTS = [
    "http://example.com/a",
    "https://www.example.com/a",
    "https://m.example.com/a",
    "https://amp.example.com/a",
    "https://example.com/a?utm_source=tw&utm_medium=social&fbclid=x",
    "HTTPS://EXAMPLE.com:443/a#comments",
    "  https://example.com/a  ",
]


@pytest.fixture
def staff(django_user_model: type[User]) -> User:
    staff = django_user_model.objects.create_user("editor", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="add_article"))
    return staff


@pytest.fixture
def staff_client(staff: User) -> Client:
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def reader_client(django_user_model: type[User]) -> Client:
    client = Client()
    client.force_login(django_user_model.objects.create_user("reader"))
    return client


@pytest.fixture
def token(staff: User) -> str:
    key: str = Token.objects.create(user=staff).key
    return key


@pytest.fixture(scope="module")
def spec(django_db_blocker: DjangoDbBlocker) -> OpenAPI:
    with django_db_blocker.unblock():
        return OpenAPI.from_dict(Client().get("/api/v1/schema?format=json").json())


@pytest.fixture
def api(spec: OpenAPI) -> Api:
    return Api(Client(), spec)


def form_errors(response: Any) -> dict[str, list[str]]:
    """The form's error messages by field, read from the page as a browser would see them."""
    assert response.status_code == 200
    page = lxml_html.fromstring(response.content)
    errors = {}
    for field in ("url", "source"):
        items = page.xpath(f'//ul[@id="id_{field}_error"]/li')
        if items:
            errors[field] = [item.text_content() for item in items]
    return errors


def messages_on(response: Any) -> list[str]:
    page = lxml_html.fromstring(response.content)
    return [li.text_content() for li in page.xpath('//ul[@class="messages"]/li')]


# --- the page ---------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_admin_login(client: Client) -> None:
    for response in (client.get("/track/"), client.post("/track/", {"url": TRACKED})):
        assert response.status_code == 302
        assert response["Location"] == "/admin/login/?next=/track/"
    assert Article.objects.count() == 0


def test_signed_in_readers_who_are_not_staff_are_refused(reader_client: Client) -> None:
    assert reader_client.get("/track/").status_code == 403
    assert reader_client.post("/track/", {"url": TRACKED}).status_code == 403
    assert Article.objects.count() == 0


def test_only_staff_see_the_link_in_the_header(
    client: Client, reader_client: Client, staff_client: Client
) -> None:
    def header_links(c: Client) -> list[str]:
        page = lxml_html.fromstring(c.get("/").content)
        links: list[str] = page.xpath("//header//nav//a/@href")
        return links

    assert "/track/" not in header_links(client)
    assert "/track/" not in header_links(reader_client)
    assert "/track/" in header_links(staff_client)


def test_staff_track_a_url_and_land_on_its_page(
    staff_client: Client, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    source = Source.objects.create(name="The Daily Test", slug="daily")
    page = lxml_html.fromstring(staff_client.get("/track/").content)
    assert page.xpath('//form[@method="post"]//input[@name="url"]')
    assert page.xpath('//select[@name="source"]/option[@value="daily"]')
    with django_capture_on_commit_callbacks() as queued:
        response = staff_client.post(
            "/track/", {"url": "HTTPS://Example.com/a?utm_source=x#top", "source": "daily"}
        )
    article = Article.objects.get()
    assert (article.url, article.source, article.status) == (TRACKED, source, Article.Status.ACTIVE)
    assert response.status_code == 302
    assert response["Location"] == f"/articles/{article.pk}/"
    assert len(queued) == 1  # the first check goes out once the row is committed
    shown = messages_on(staff_client.get(response["Location"]))
    assert shown == [f"Now tracking {TRACKED}. Its first check is queued."]


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_variant_of_a_tracked_url_leads_to_that_article(
    staff_client: Client, variant: str, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    article = Article.objects.create(url=TRACKED)
    with django_capture_on_commit_callbacks() as queued:
        response = staff_client.post("/track/", {"url": variant}, follow=True)
    assert response.redirect_chain == [(f"/articles/{article.pk}/", 302)]
    assert messages_on(response) == [f"Already tracked (as {TRACKED}): this is its page; nothing was added."]
    assert Article.objects.count() == 1
    assert queued == []  # its own schedule stands


@pytest.mark.parametrize(("url", "message"), BAD_INPUTS, ids=BAD_IDS)
def test_bad_input_gets_its_message_on_the_form(staff_client: Client, url: str, message: str) -> None:
    response = staff_client.post("/track/", {"url": url})
    assert form_errors(response) == {"url": [message]}
    page = lxml_html.fromstring(response.content)
    if url.strip():  # what was typed is given back to correct, as text
        assert page.xpath('//input[@name="url"]/@value') == [url]
    assert Article.objects.count() == 0


def test_loopback_is_refused_where_the_fetcher_would_refuse_it(
    staff_client: Client, settings: Settings
) -> None:
    settings.FETCH_ALLOWED_NETWORKS = []  # production's default
    for url, shown in (("http://127.0.0.1/s", "127.0.0.1"), ("http://2130706433/s", "2130706433 (127.0.0.1)"),
                       ("http://[::1]:8000/s", "::1")):  # fmt: skip
        assert form_errors(staff_client.post("/track/", {"url": url})) == {"url": [f"{shown} {PRIVATE}"]}
    settings.FETCH_ALLOWED_NETWORKS = ["127.0.0.0/8"]  # a local install tracks its own test pages
    assert staff_client.post("/track/", {"url": "http://127.0.0.1/s"}).status_code == 302


def test_the_longest_url_allowed_is_tracked(staff_client: Client) -> None:
    longest = "https://example.com/" + "a" * (MAX_URL_LENGTH - len("https://example.com/"))
    assert staff_client.post("/track/", {"url": longest}).status_code == 302
    assert Article.objects.get().url == longest


def test_an_unknown_source_and_a_removed_article_are_refused(staff_client: Client) -> None:
    assert form_errors(staff_client.post("/track/", {"url": TRACKED, "source": "nope"})) == {
        "source": ["Select a valid choice. That choice is not one of the available choices."]
    }
    Article.objects.create(url=TRACKED, status=Article.Status.REMOVED)
    assert form_errors(staff_client.post("/track/", {"url": "http://www.example.com/a"})) == {
        "url": ["An administrator removed this article from newsdiffs; it is not tracked again."]
    }
    assert Article.objects.count() == 1


def test_the_form_needs_its_csrf_token(staff: User) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    assert client.post("/track/", {"url": TRACKED}).status_code == 403
    assert client.post("/track/", {"url": TRACKED, "csrfmiddlewaretoken": "forged" * 6}).status_code == 403
    assert Article.objects.count() == 0
    page = lxml_html.fromstring(client.get("/track/").content)
    csrf = page.xpath('//form[@method="post"]//input[@name="csrfmiddlewaretoken"]/@value')[0]
    assert client.post("/track/", {"url": TRACKED, "csrfmiddlewaretoken": csrf}).status_code == 302
    assert Article.objects.get().url == TRACKED


def test_other_methods_are_not_allowed(staff_client: Client) -> None:
    assert staff_client.put("/track/", {"url": TRACKED}).status_code == 405
    assert staff_client.delete("/track/").status_code == 405


# --- the API ----------------------------------------------------------------------------------------------


def test_api_tracks_with_a_staff_token(
    api: Api, token: str, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with django_capture_on_commit_callbacks() as queued:
        response = api.client.post(
            "/api/v1/articles/", {"url": "https://example.com/a?fbclid=1"}, content_type="application/json",
            headers={"Authorization": f"Token {token}"},
        )  # fmt: skip
    assert response.status_code == 201
    article = Article.objects.get()
    assert response.json()["id"] == article.pk
    assert response["Location"] == f"http://testserver/api/v1/articles/{article.pk}/"
    assert len(queued) == 1
    assert api.get(f"/api/v1/articles/{article.pk}/")["url"] == TRACKED  # reads still need no token


@pytest.mark.parametrize("variant", VARIANTS)
def test_api_answers_200_with_the_article_for_a_variant(api: Api, token: str, variant: str) -> None:
    article = Article.objects.create(url=TRACKED)
    assert api.post("/api/v1/articles/", {"url": variant}, 200, token)["id"] == article.pk
    assert Article.objects.count() == 1


@pytest.mark.parametrize(("url", "message"), BAD_INPUTS, ids=BAD_IDS)
def test_api_gives_the_form_s_message_for_bad_input(
    api: Api, token: str, staff_client: Client, url: str, message: str
) -> None:
    error = api.post("/api/v1/articles/", {"url": url}, 400, token)["error"]
    assert error == {
        "status": 400,
        "code": "invalid",
        "message": "Invalid parameters.",
        "fields": {"url": message},
    }
    assert form_errors(staff_client.post("/track/", {"url": url}))["url"] == [error["fields"]["url"]]
    assert Article.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"url": "Enter a URL."}),
        ({"url": None}, {"url": "Enter a URL."}),
        ({"url": ["https://example.com/a"]}, {"url": "Not a valid string."}),
        ({"url": {"href": "https://example.com/a"}}, {"url": "Not a valid string."}),
        ({"url": 12}, {"url": "URL must start with http:// or https://."}),
        ({"url": "https://example.com/\x00"}, {"url": "Null characters are not allowed."}),
        ({"url": "https://example.com/\ud800"}, {"url": "Surrogate characters are not allowed: U+D800."}),
        ({"url": TRACKED, "source": "nope"}, {"source": "Object with slug=nope does not exist."}),
        ({"url": TRACKED, "source": ["daily"]}, {"source": "Invalid value."}),
        ({"url": TRACKED, "source": {"slug": "daily"}}, {"source": "Invalid value."}),
        ({"url": TRACKED, "source": 7}, {"source": "Invalid value."}),
        (
            ["https://example.com/a"],
            {"non_field_errors": "Invalid data. Expected a dictionary, but got list."},
        ),
        (json.dumps(TRACKED), {"non_field_errors": "Invalid data. Expected a dictionary, but got str."}),
    ],
)
def test_api_refuses_odd_bodies_with_a_400(api: Api, token: str, body: Any, fields: dict[str, str]) -> None:
    assert api.post("/api/v1/articles/", body, 400, token)["error"]["fields"] == fields
    assert Article.objects.count() == 0


def test_api_refuses_what_is_not_json(api: Api, token: str) -> None:
    auth = {"Authorization": f"Token {token}"}
    broken = api.client.post("/api/v1/articles/", "{not json", content_type="application/json", headers=auth)
    assert broken.status_code == 400
    assert broken.json()["error"]["message"].startswith("JSON parse error")
    form = api.client.post("/api/v1/articles/", {"url": TRACKED}, headers=auth)  # multipart, as a form posts
    assert form.status_code == 415
    assert form.json()["error"]["code"] == "unsupported_media_type"
    assert Article.objects.count() == 0


def test_api_writes_are_for_staff_tokens_only(
    api: Api, staff_client: Client, django_user_model: type[User]
) -> None:
    anonymous = api.client.post("/api/v1/articles/", {"url": TRACKED}, content_type="application/json")
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"] == "Token"
    assert anonymous.json()["error"]["code"] == "not_authenticated"
    # The session cookie is not accepted: no other site can make a signed-in browser write.
    with_session = staff_client.post("/api/v1/articles/", {"url": TRACKED}, content_type="application/json")
    assert with_session.status_code == 401
    assert (
        api.post("/api/v1/articles/", {"url": TRACKED}, 401, "not-a-token")["error"]["message"]
        == "Invalid token."
    )
    reader = Token.objects.create(user=django_user_model.objects.create_user("reader")).key
    assert api.post("/api/v1/articles/", {"url": TRACKED}, 403, reader)["error"]["message"] == (
        "Only staff may track articles."
    )
    inactive = django_user_model.objects.create_user("gone", is_staff=True, is_active=False)
    error = api.post("/api/v1/articles/", {"url": TRACKED}, 401, Token.objects.create(user=inactive).key)[
        "error"
    ]
    assert error["message"] == "User inactive or deleted."
    assert Article.objects.count() == 0


def test_api_throttles_token_holders(api: Api, token: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(UserRateThrottle, "rate", "3/minute", raising=False)
    for n in range(3):
        api.post("/api/v1/articles/", {"url": f"https://example.com/{n}"}, 201, token)
    throttled = api.post("/api/v1/articles/", {"url": "https://example.com/9"}, 429, token)["error"]
    assert throttled["message"].startswith("Too many requests: try again in ")
    assert Article.objects.count() == 3


def test_the_schema_documents_the_write(spec: OpenAPI, client: Client) -> None:
    schema = client.get("/api/v1/schema?format=json").json()
    post = schema["paths"]["/api/v1/articles/"]["post"]
    assert set(post["responses"]) == {"200", "201", "default"}
    assert post["security"] == [{"tokenAuth": []}]
    assert schema["components"]["securitySchemes"]["tokenAuth"]["name"] == "Authorization"
    assert {"tokenAuth": []} in schema["paths"]["/api/v1/articles/"]["get"]["security"]
    assert {} in schema["paths"]["/api/v1/articles/"]["get"]["security"]  # reads need no token


# --- the admin's add form and manage.py track: the same check ---------------------------------------------


@pytest.mark.parametrize(("url", "message"), BAD_INPUTS, ids=BAD_IDS)
def test_the_admin_add_form_refuses_the_same_input(admin_client: Client, url: str, message: str) -> None:
    response = admin_client.post("/admin/articles/article/add/", {"url": url})
    assert response.status_code == 200
    page = lxml_html.fromstring(response.content)
    errors = [
        li.text_content()
        for li in page.xpath('//div[contains(@class, "field-url")]//ul[@class="errorlist"]/li')
    ]
    assert errors == [message]
    assert Article.objects.count() == 0


def test_the_admin_links_a_variant_to_the_tracked_article(admin_client: Client) -> None:
    payload = '?q="><script>alert(1)</script>'
    article, _ = Article.objects.track(f"https://example.com/a{payload}")
    response = admin_client.post(
        "/admin/articles/article/add/", {"url": f"http://www.example.com/a{payload}"}
    )
    page = lxml_html.fromstring(response.content)
    (error,) = page.xpath('//div[contains(@class, "field-url")]//ul[@class="errorlist"]/li')
    assert error.text_content() == f"This article is already tracked as {article.url}."
    (link,) = error.xpath("a")
    assert link.get("href") == f"/admin/articles/article/{article.pk}/change/"
    assert not page.xpath("//script[contains(., 'alert')]")
    assert Article.objects.count() == 1


def test_manage_py_track_refuses_a_private_address() -> None:
    with pytest.raises(CommandError, match=re.escape(f"10.0.0.1 {PRIVATE}")):
        call_command("track", "http://10.0.0.1/story")
    assert Article.objects.count() == 0


def test_discovery_skips_links_it_may_not_track() -> None:
    from articles.discovery import track_new

    source = Source.objects.create(name="The Daily Test", slug="daily")
    Article.objects.create(url="https://example.com/removed", status=Article.Status.REMOVED)
    links = ["http://10.0.0.1/story", "https://example.com/removed", "https://example.com/new"]
    assert track_new(source, links, limit=10) == ["https://example.com/new"]


def test_no_answer_is_a_server_error(staff_client: Client, api: Api, token: str) -> None:
    """Odd forms of input on every path: each gets an answer, none a 500 (the test client would raise)."""
    odd = [
        "\x00", "http://\x00/", "http://[", "http://[::1]:x/", "https://é.example/ü?é=ü", "http://x.com:0/",
        "http://%00/", "http://xn--/", "https://" + "a" * 64 + ".example/", "http://" + "a." * 130 + "com/",
        "\u202ehttps://example.com/", "https://exa\u200bmple.com/", json.dumps({"url": TRACKED}),
    ]  # fmt: skip
    for url in odd:
        assert staff_client.post("/track/", {"url": url}).status_code in (200, 302), url
        assert api.client.post(
            "/api/v1/articles/", {"url": url}, content_type="application/json",
            headers={"Authorization": f"Token {token}"},
        ).status_code in (200, 201, 400), url  # fmt: skip


def test_a_url_searched_for_and_not_tracked_links_staff_to_the_form(
    client: Client, staff_client: Client
) -> None:
    url = 'https://example.com/new?a=1&b="2"'
    assert not lxml_html.fromstring(client.get("/search/", {"q": url}).content).xpath('//a[@href="/track/"]')
    page = lxml_html.fromstring(staff_client.get("/search/", {"q": url}).content)
    (link,) = page.xpath('//main//a[starts-with(@href, "/track/")]/@href')
    form = lxml_html.fromstring(staff_client.get(link).content)
    assert form.xpath('//input[@name="url"]/@value') == [url]  # prefilled, not tracked until posted
    assert Article.objects.count() == 0
