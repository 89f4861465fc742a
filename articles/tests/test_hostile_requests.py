"""What a hostile client sends in a URL or a body is a 4xx, never a 500: the outside probe's findings, each
on both databases (``make test`` runs this file on Postgres and again on SQLite). test_fuzz_routes.py
looks for more of them on every route."""

import base64
import json

import pytest
from django.contrib.auth.models import User
from django.test import Client
from rest_framework.authtoken.models import Token

from articles.models import Article, Source
from articles.params import MAX_INTEGER, column_value, parse_aware_datetime, parse_number
from articles.tests.support import T0, add_version

pytestmark = pytest.mark.django_db
HUGE = "99999999999999999999"  # 10**20 - 1: past 64 bits, which SQLite's driver cannot even send


@pytest.fixture
def article() -> Article:
    source = Source.objects.create(name="The Daily Test", slug="daily", homepage="http://127.0.0.1/")
    article = Article.objects.create(url="http://127.0.0.1/story", source=source, first_seen_at=T0)
    add_version(article, 0, "Mayor opens bridge", ["It opened on Tuesday."])
    add_version(article, 1, "Mayor closes bridge", ["It opened on Monday."])
    return article


@pytest.mark.parametrize(
    "since",
    [
        "9999-99-99T99:99Z",  # well formed, impossible: parse_datetime raised ValueError
        "2020-01-01T00:00:00+99:00",  # an offset Python refuses
        "0001-01-01T00:00:00+01:00",  # before year 1 in UTC: SQLite's adapter overflowed
        "9999-12-31T23:59:59-01:00",  # after year 9999 in UTC
        "2020-01-01T00:00:00",  # no zone
    ],
)
def test_an_impossible_changed_since_is_a_400(client: Client, article: Article, since: str) -> None:
    response = client.get("/api/v1/articles/", {"changed_since": since})
    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "changed_since": "An ISO 8601 date and time with a zone, e.g. 2026-11-26T12:00Z."
    }


def test_a_changed_since_with_any_offset_postgres_takes_still_filters(
    client: Client, article: Article
) -> None:
    # Version 1 was fetched at T0 + 1 h, 10:30 UTC: 23:29+13:00 is 10:29 UTC, just before.
    assert client.get("/api/v1/articles/", {"changed_since": "2026-11-20T23:29+13:00"}).json()["results"]
    assert not client.get("/api/v1/articles/", {"changed_since": "2026-11-20T23:31+13:00"}).json()["results"]


def cursor(query: str) -> str:
    return base64.b64encode(query.encode()).decode()


@pytest.mark.parametrize(
    ("path", "position"),
    [
        ("/api/v1/articles/", "cD0xJTI3"),
        ("/api/v1/articles/{pk}/versions/", "cD0xJTI3"),
        ("/api/v1/articles/", cursor("p=" + HUGE)),
        ("/api/v1/articles/{pk}/versions/", cursor("p=" + HUGE)),
        ("/api/v1/articles/", cursor("p=1.5e3")),
        ("/api/v1/sources/", cursor("p=%00")),  # any text but a NUL is a slug to compare with
    ],
)
def test_a_cursor_the_api_never_made_is_an_invalid_cursor(
    client: Client, article: Article, path: str, position: str
) -> None:
    """ "cD0xJTI3" is "p=1%27": DRF decoded the position and handed "1'" to the primary key's filter."""
    response = client.get(path.format(pk=article.pk), {"cursor": position})
    assert response.status_code == 404
    assert response.json()["error"] == {"status": 404, "code": "not_found", "message": "Invalid cursor"}


@pytest.mark.parametrize(
    "path",
    [
        "/articles/{pk}/diff/0/" + HUGE + "/",
        "/api/v1/articles/{pk}/diff/0/" + HUGE + "/",
        "/articles/" + HUGE + "/",
        "/api/v1/articles/" + HUGE + "/",
        "/articles/{pk}/versions/" + HUGE + "/",
        "/api/v1/articles/{pk}/versions/" + HUGE + "/",
        "/articles/{pk}/diff/0/9223372036854775808/",  # 2**63, one past SQLite's largest integer
    ],
)
def test_a_number_past_64_bits_in_the_path_is_a_404(client: Client, article: Article, path: str) -> None:
    response = client.get(path.format(pk=article.pk))
    assert response.status_code == 404


def test_the_largest_number_a_database_holds_is_still_a_route(client: Client, article: Article) -> None:
    assert client.get(f"/articles/{article.pk}/diff/0/{MAX_INTEGER}/").status_code == 404  # no such version
    assert client.get(f"/articles/{article.pk}/diff/0/1/").status_code == 200


@pytest.mark.parametrize("a", ["-1", HUGE, "\uff11", " 1", "1_0", "1e3", ""])
def test_compare_sends_numbers_no_route_takes_back_to_the_article(
    client: Client, article: Article, a: str
) -> None:
    response = client.get(f"/articles/{article.pk}/compare/", {"a": a, "b": "1"})
    assert response.status_code == 302
    assert response["Location"] == f"/articles/{article.pk}/"


@pytest.mark.parametrize("depth", [10_000, 200_000])
def test_deeply_nested_json_is_a_400(client: Client, depth: int) -> None:
    staff = User.objects.create_superuser("editor", "editor@example.org", "a-long-password-for-tests-0123")
    token = Token.objects.create(user=staff)
    body = "[" * depth + "]" * depth
    response = client.post(
        "/api/v1/articles/",
        body,
        content_type="application/json",
        headers={"Authorization": f"Token {token}"},
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"
    assert "nested too deeply" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "after",
    [
        base64.urlsafe_b64encode(json.dumps(["x", 1]).encode()).decode(),  # not a date: a ValidationError
        base64.urlsafe_b64encode(json.dumps(["2026-11-20T10:30:00+00:00", "1'"]).encode()).decode(),
        base64.urlsafe_b64encode(json.dumps(["2026-11-20T10:30:00+00:00", 10**20]).encode()).decode(),
        base64.urlsafe_b64encode(json.dumps(["9999-12-31T23:59:59-01:00", 1]).encode()).decode(),
        base64.urlsafe_b64encode(b"[" * 5000 + b"]" * 5000).decode(),  # RecursionError in json.loads
    ],
    ids=["not-a-date", "text-id", "huge-id", "past-9999", "nested"],
)
@pytest.mark.parametrize("path", ["/", "/sources/daily/"])
def test_a_page_cursor_the_site_never_made_starts_from_the_top(
    client: Client, article: Article, after: str, path: str
) -> None:
    response = client.get(path, {"after": after})
    assert response.status_code == 200
    assert b"Mayor closes bridge" in response.content


def test_the_parsers_refuse_what_no_database_holds() -> None:
    assert parse_number("0") == 0
    assert parse_number(str(MAX_INTEGER)) == MAX_INTEGER
    assert [parse_number(v) for v in (None, "", "-1", str(MAX_INTEGER + 1), "٣", "+1", "1 ")] == [None] * 7
    moment = parse_aware_datetime("2026-11-20T23:29+13:00")
    assert moment is not None
    assert moment.isoformat() == "2026-11-20T10:29:00+00:00"
    assert parse_aware_datetime("\x00") is None
    field = Article._meta.get_field("last_changed_at")
    assert column_value(field, "2026-11-20T10:30:00Z") is not None
    assert column_value(Source._meta.get_field("slug"), "a\x00b") is None
    assert column_value(Article._meta.pk, [1]) is None


@pytest.mark.parametrize(
    ("method", "headers", "status"),
    [
        ("OPTIONS", {}, 405),  # DRF's metadata went to the page's HTML renderer, which has no template for it
        ("GET", {"Authorization": "Token " + "0" * 40}, 200),  # the bad token was checked while rendering
        ("GET", {"Authorization": "Token"}, 200),
    ],
)
def test_the_api_docs_page_answers_any_client(
    client: Client, method: str, headers: dict[str, str], status: int
) -> None:
    """Both found by test_fuzz_routes.py."""
    response = client.generic(method, "/api/v1/docs/", headers=headers)
    assert response.status_code == status


@pytest.mark.parametrize("field", ["feed_urls", "section_urls"])
def test_deeply_nested_json_in_the_admin_is_a_form_error(admin_client: Client, field: str) -> None:
    """Django's JSON form field caught JSONDecodeError only: this was a RecursionError, a 500, for staff."""
    data = {
        "name": "Other", "slug": "other", "homepage": "", "active": "on", "feed_urls": "[]",
        "section_urls": "[]", "link_pattern": "", "deny_pattern": "", "next_discovery_at_0": "2026-11-26",
        "next_discovery_at_1": "12:00",
        field: "[" * 100_000 + "]" * 100_000,
    }  # fmt: skip
    response = admin_client.post("/admin/articles/source/add/", data)
    assert response.status_code == 200
    assert b"Enter a valid JSON." in response.content
    assert not Source.objects.filter(slug="other").exists()


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/admin/articles/article/?status__exact=%00", 200),  # a list filter: the NUL reached Postgres
        ("/admin/autocomplete/?term=%00&app_label=articles&model_name=article&field_name=source", 200),
        ("/admin/articles/article/?q=a%00b", 200),
        ("/api/v1/articles/?source=%00", 200),
        ("/search/?q=%00", 200),
    ],
)
def test_a_nul_in_the_query_string_reaches_no_database(admin_client: Client, path: str, status: int) -> None:
    assert admin_client.get(path).status_code == status
