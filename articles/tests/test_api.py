from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from openapi_core import OpenAPI
from openapi_core.contrib.django import DjangoOpenAPIRequest, DjangoOpenAPIResponse
from pytest_django import DjangoAssertNumQueries, DjangoDbBlocker
from rest_framework.authtoken.models import Token
from rest_framework.throttling import AnonRateThrottle

from articles.diffing import MAX_LISTED_OPS
from articles.models import Article, ServedPage, Source
from articles.tests.support import T0, add_version

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def spec(django_db_blocker: DjangoDbBlocker) -> OpenAPI:
    with django_db_blocker.unblock():
        response = Client().get("/api/v1/schema?format=json")
    assert response.status_code == 200
    return OpenAPI.from_dict(response.json())  # also checks the schema against the OpenAPI 3 specification


class Api:
    """The test client, with every answer checked against the OpenAPI schema the API itself serves."""

    def __init__(self, client: Client, spec: OpenAPI) -> None:
        self.client, self.spec = client, spec

    def get(self, path: str, expect: int = 200, **params: Any) -> Any:
        response = self.client.get(path, params)
        assert response.status_code == expect, response.content
        assert response["Content-Type"] == "application/json"
        # The test client's response is an HttpResponse; django-stubs types it apart.
        self.spec.validate_response(
            DjangoOpenAPIRequest(response.wsgi_request),
            DjangoOpenAPIResponse(response),  # type: ignore[arg-type]
        )
        return response.json()

    def post(self, path: str, body: Any, expect: int, token: str = "") -> Any:
        headers = {"Authorization": f"Token {token}"} if token else {}
        response = self.client.post(path, body, content_type="application/json", headers=headers)
        assert response.status_code == expect, response.content
        assert response["Content-Type"] == "application/json"
        # The test client's response is an HttpResponse; django-stubs types it apart.
        self.spec.validate_response(
            DjangoOpenAPIRequest(response.wsgi_request),
            DjangoOpenAPIResponse(response),  # type: ignore[arg-type]
        )
        return response.json()

    def all_pages(self, path: str, **params: Any) -> list[dict[str, Any]]:
        results, page = [], self.get(path, **params)
        while True:
            results.extend(page["results"])
            if not page["next"]:
                return results
            page = self.get(page["next"].removeprefix("http://testserver"))


@pytest.fixture
def api(client: Client, spec: OpenAPI) -> Api:
    return Api(client, spec)


@pytest.fixture
def article() -> Article:
    source = Source.objects.create(name="The Daily Test", slug="daily", homepage="http://127.0.0.1/")
    article = Article.objects.create(url="http://127.0.0.1/story", source=source, first_seen_at=T0)
    add_version(article, 0, "Mayor opens bridge", ["It opened on Tuesday.", "Crowds came."])
    add_version(article, 1, "Mayor closes bridge", ["It opened on Monday.", "Crowds came.", "Closed later."])
    article.refresh_from_db()
    return article


def test_sources(api: Api, article: Article) -> None:
    Source.objects.create(name="Another", slug="another")
    assert [s["slug"] for s in api.get("/api/v1/sources/")["results"]] == ["another", "daily"]
    assert api.get("/api/v1/sources/daily/") == {
        "slug": "daily", "name": "The Daily Test", "homepage": "http://127.0.0.1/", "active": True,
    }  # fmt: skip
    api.get("/api/v1/sources/nope/", expect=404)


def test_an_article(api: Api, article: Article) -> None:
    data = api.get(f"/api/v1/articles/{article.pk}/")
    assert data["url"] == "http://127.0.0.1/story"
    assert data["source"] == "daily"
    assert data["title"] == "Mayor closes bridge"
    assert (data["version_count"], data["change_count"], data["status"]) == (2, 1, "active")
    assert data["page"] == f"http://testserver/articles/{article.pk}/"
    assert data["versions"] == f"http://testserver/api/v1/articles/{article.pk}/versions/"


def test_articles_are_paged_by_cursor_without_counting(api: Api) -> None:
    for i in range(7):
        Article.objects.create(url=f"http://127.0.0.1/{i}")
    first = api.get("/api/v1/articles/", page_size=3)
    assert set(first) == {"next", "previous", "results"}
    ids = [a["id"] for a in api.all_pages("/api/v1/articles/", page_size=3)]
    assert ids == sorted(ids, reverse=True)
    assert len(ids) == len(set(ids)) == 7


def test_article_filters(api: Api, article: Article) -> None:
    other = Article.objects.create(url="http://127.0.0.1/other", status=Article.Status.GONE)
    add_version(other, 0, "Other", ["Text."])

    def ids(**params: Any) -> list[int]:
        return [a["id"] for a in api.get("/api/v1/articles/", **params)["results"]]

    assert ids(source="daily") == [article.pk]
    assert ids(status="gone") == [other.pk]
    assert ids(changed_since="2026-11-20T10:00:00Z") == [article.pk]
    assert ids(changed_since="2026-11-20T09:00:00+00:00") == [other.pk, article.pk]
    assert ids(url="HTTP://127.0.0.1:80/story?utm_source=feed#comments") == [article.pk]
    assert ids(url="http://127.0.0.1/unknown") == []


@pytest.mark.parametrize(
    ("params", "field"),
    [({"status": "sleeping"}, "status"), ({"changed_since": "yesterday"}, "changed_since"),
     ({"changed_since": "2026-11-20T10:00:00"}, "changed_since"), ({"url": "ftp://x/y"}, "url")],
)  # fmt: skip
def test_bad_parameters_get_a_clear_error(api: Api, params: dict[str, str], field: str) -> None:
    error = api.get("/api/v1/articles/", expect=400, **params)["error"]
    assert (error["status"], error["code"], error["message"]) == (400, "invalid", "Invalid parameters.")
    assert list(error["fields"]) == [field]


def test_versions_with_and_without_text(api: Api, article: Article) -> None:
    versions = api.get(f"/api/v1/articles/{article.pk}/versions/")["results"]
    assert [v["number"] for v in versions] == [0, 1]
    assert "paragraphs" not in versions[0]
    assert versions[0]["diff"] is None
    assert versions[1]["diff"] == f"http://testserver/api/v1/articles/{article.pk}/diff/0/1/"
    assert versions[1]["stats"] == {
        "words_added": 3, "words_removed": 1, "paragraphs_added": 1, "paragraphs_removed": 0,
        "paragraphs_changed": 1, "paragraphs_moved": 0, "title_changed": True, "social_title_changed": False,
        "summary": "headline changed · +3/−1 words · 1 paragraph added · 1 paragraph changed",
    }  # fmt: skip
    assert [v["wayback_url"] for v in versions] == [None, None]  # none saved (WAYBACK_SAVE is off)
    assert [v["page_kept"] for v in versions] == [False, False]  # made without a fetch: no page
    with_text = api.get(f"/api/v1/articles/{article.pk}/versions/", text="1")["results"]
    assert with_text[1]["paragraphs"] == ["It opened on Monday.", "Crowds came.", "Closed later."]
    one = api.get(f"/api/v1/articles/{article.pk}/versions/0/")
    assert (one["title"], one["byline"], one["kind"]) == ("Mayor opens bridge", "By A", "edit")
    api.get(f"/api/v1/articles/{article.pk}/versions/9/", expect=404)
    api.get("/api/v1/articles/999/versions/", expect=404)


def test_a_versions_wayback_snapshot_once_saved(api: Api, article: Article) -> None:
    snapshot = "https://web.archive.org/web/20261120093000/http://127.0.0.1/story"
    article.versions.filter(number=0).update(wayback_status="saved", wayback_url=snapshot)
    article.versions.filter(number=1).update(wayback_status="capturing", wayback_job="spn2-1")
    versions = api.get(f"/api/v1/articles/{article.pk}/versions/")["results"]  # checked against the schema
    assert [v["wayback_url"] for v in versions] == [snapshot, None]
    assert api.get(f"/api/v1/articles/{article.pk}/versions/0/", text="1")["wayback_url"] == snapshot


def test_a_version_says_whether_its_page_was_kept(
    api: Api, article: Article, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    version = article.versions.get(number=1)
    ServedPage.objects.store(version, article.url, 200, [("Content-Type", "text/html")], b"<p>page</p>")
    with django_assert_max_num_queries(3):  # the article, the page of versions with the EXISTS, (one more)
        versions = api.get(f"/api/v1/articles/{article.pk}/versions/")[
            "results"
        ]  # checked against the schema
    assert [v["page_kept"] for v in versions] == [False, True]
    assert api.get(f"/api/v1/articles/{article.pk}/versions/1/")["page_kept"] is True
    schema = api.client.get("/api/v1/schema?format=json").json()
    assert "page_kept" in schema["components"]["schemas"]["Version"]["required"]


def test_the_diff_is_structured_by_paragraph_and_word(api: Api, article: Article) -> None:
    diff = api.get(f"/api/v1/articles/{article.pk}/diff/0/1/")
    assert (diff["article"], diff["old_version"], diff["new_version"], diff["coarse"]) == (
        article.pk,
        0,
        1,
        False,
    )
    assert diff["title"]["changed"] is True
    assert [s for s in diff["title"]["old"] if s["kind"] != "equal"] == [{"kind": "delete", "text": "opens"}]
    assert [s for s in diff["title"]["new"] if s["kind"] != "equal"] == [{"kind": "insert", "text": "closes"}]
    assert diff["byline"] == {"changed": False, "old": [{"kind": "equal", "text": "By A"}],
                              "new": [{"kind": "equal", "text": "By A"}]}  # fmt: skip
    assert [(p["op"], p["old_index"], p["new_index"]) for p in diff["paragraphs"]] == [
        ("replace", 0, 0), ("equal", 1, 1), ("insert", None, 2),
    ]  # fmt: skip
    assert diff["paragraphs"][0]["new"] == [
        {"kind": "equal", "text": "It opened on "},
        {"kind": "insert", "text": "Monday"},
        {"kind": "equal", "text": "."},
    ]
    assert diff["paragraphs"][2]["old"] == []
    assert (diff["words_added"], diff["words_removed"]) == (3, 1)
    api.get(f"/api/v1/articles/{article.pk}/diff/0/7/", expect=404)


def test_a_diff_too_long_to_list_says_where_listing_stopped(api: Api) -> None:
    article = Article.objects.create(url="http://127.0.0.1/long")
    count = MAX_LISTED_OPS + 10
    add_version(article, 0, "Long", [f"Item {i} costs {i}." for i in range(count)])
    add_version(article, 1, "Long", [f"Item {i} costs {i + 1}." for i in range(count)])
    diff = api.get(f"/api/v1/articles/{article.pk}/diff/0/1/")  # checked against the schema
    assert len(diff["paragraphs"]) == MAX_LISTED_OPS
    listed_old = sum(op["old_index"] is not None for op in diff["paragraphs"])
    listed_new = sum(op["new_index"] is not None for op in diff["paragraphs"])
    assert diff["unlisted"] == {
        "old_index": listed_old, "new_index": listed_new,
        "paragraphs_removed": count - listed_old, "paragraphs_added": count - listed_new,
        "words_removed": 4 * (count - listed_old), "words_added": 4 * (count - listed_new),
    }  # fmt: skip
    assert diff["coarse"] is True


def test_errors_have_one_shape(api: Api, client: Client) -> None:
    assert api.get("/api/v1/articles/999/", expect=404)["error"]["code"] == "not_found"
    unknown = client.get("/api/v1/no/such/thing")
    assert unknown.status_code == 404
    assert unknown.json() == {"error": {"status": 404, "code": "not_found", "message": "No such endpoint."}}
    post = client.post("/api/v1/sources/", {}, content_type="application/json")
    assert post.status_code == 405
    assert post.json()["error"]["code"] == "method_not_allowed"


def test_anonymous_clients_are_throttled(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(AnonRateThrottle, "rate", "3/minute", raising=False)
    for _ in range(3):
        api.get("/api/v1/sources/")
    response = api.client.get("/api/v1/sources/")
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    error = response.json()["error"]
    assert (error["status"], error["code"]) == (429, "throttled")
    assert error["message"].startswith("Too many requests: try again in ")


def test_schema_and_docs_are_served(client: Client, spec: OpenAPI) -> None:
    schema = client.get("/api/v1/schema?format=json").json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/articles/", "/api/v1/articles/{article_pk}/diff/{old}/{new}/"} <= set(schema["paths"])
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs.content  # served here, no CDN


def test_removed_articles_are_not_served(api: Api, article: Article) -> None:
    Article.objects.filter(pk=article.pk).update(status=Article.Status.REMOVED)
    assert api.get("/api/v1/articles/")["results"] == []
    for path in ("", "versions/", "versions/0/", "diff/0/1/"):
        assert api.get(f"/api/v1/articles/{article.pk}/{path}", expect=404)["error"]["code"] == "not_found"


def test_staff_track_an_article_with_a_token(
    api: Api, django_user_model: Any, django_capture_on_commit_callbacks: Any
) -> None:
    staff = django_user_model.objects.create_user("editor", is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="add_article"))
    token = Token.objects.create(user=staff).key
    Source.objects.create(name="The Daily Test", slug="daily")
    with django_capture_on_commit_callbacks() as queued:
        created = api.post(
            "/api/v1/articles/", {"url": "HTTPS://Example.com/a?utm_source=x", "source": "daily"}, 201, token
        )
    assert (created["url"], created["source"], created["status"]) == (
        "https://example.com/a",
        "daily",
        "active",
    )
    assert len(queued) == 1  # its first check
    again = api.post("/api/v1/articles/", {"url": "http://www.example.com/a"}, 200, token)
    assert again["id"] == created["id"]
    error = api.post("/api/v1/articles/", {"url": "ftp://example.com/a"}, 400, token)["error"]
    assert error["fields"] == {"url": "Unsupported scheme 'ftp': only http and https URLs can be tracked."}
    assert api.post("/api/v1/articles/", {"url": "https://example.com/b"}, 401)["error"]["code"] == (
        "not_authenticated"
    )
    reader = Token.objects.create(user=django_user_model.objects.create_user("reader")).key
    assert api.post("/api/v1/articles/", {"url": "https://example.com/b"}, 403, reader)["error"] == {
        "status": 403, "code": "permission_denied", "message": "Only staff may track articles.",
    }  # fmt: skip
    assert Article.objects.count() == 1
