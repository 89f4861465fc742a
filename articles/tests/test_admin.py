import pytest
from django.test import Client

from articles.models import Article

pytestmark = pytest.mark.django_db


def test_staff_add_a_url_in_canonical_form(admin_client: Client, django_capture_on_commit_callbacks) -> None:
    with django_capture_on_commit_callbacks() as queued:
        response = admin_client.post(
            "/admin/articles/article/add/", {"url": "HTTPS://Example.com/a?utm_source=x"}
        )
    assert response.status_code == 302
    article = Article.objects.get()
    assert article.url == "https://example.com/a"
    assert article.status == Article.Status.ACTIVE
    assert len(queued) == 1  # its first check goes out once the row is committed


@pytest.mark.parametrize(
    ("url", "message"), [("ftp://example.com/a", "Unsupported scheme"), ("http://", "no host name")]
)
def test_bad_urls_get_a_clear_message(admin_client: Client, url: str, message: str) -> None:
    response = admin_client.post("/admin/articles/article/add/", {"url": url})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Article.objects.count() == 0


def test_a_url_variant_of_a_tracked_article_is_refused(admin_client: Client) -> None:
    Article.objects.create(url="https://example.com/a")
    response = admin_client.post("/admin/articles/article/add/", {"url": "https://example.com/a#x"})
    assert "already tracked" in response.content.decode()
    assert Article.objects.count() == 1


def test_check_now_action_queues_checks(admin_client: Client, django_capture_on_commit_callbacks) -> None:
    article = Article.objects.create(url="https://example.com/a")
    with django_capture_on_commit_callbacks() as queued:
        admin_client.post(
            "/admin/articles/article/", {"action": "check_now", "_selected_action": [article.pk]}, follow=True
        )
    assert len(queued) == 1


def test_anonymous_users_cannot_add(client: Client) -> None:
    response = client.post("/admin/articles/article/add/", {"url": "https://example.com/a"})
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
    assert Article.objects.count() == 0


def test_admin_pages_render(admin_client: Client) -> None:
    article = Article.objects.create(url="https://example.com/a")
    for path in (
        "/admin/articles/article/",
        f"/admin/articles/article/{article.pk}/change/",
        "/admin/articles/version/",
    ):
        assert admin_client.get(path).status_code == 200
