from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks

from articles.models import Article, Source

pytestmark = pytest.mark.django_db


def test_staff_add_a_url_in_canonical_form(
    admin_client: Client, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
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


@pytest.mark.parametrize(
    "variant", ["https://example.com/a#x", "http://www.example.com/a", "https://m.example.com/a?utm_source=x"]
)
def test_a_url_variant_of_a_tracked_article_is_refused(admin_client: Client, variant: str) -> None:
    Article.objects.create(url="https://example.com/a")
    response = admin_client.post("/admin/articles/article/add/", {"url": variant})
    assert "already tracked" in response.content.decode()
    assert Article.objects.count() == 1
    assert Article.objects.track(variant) == (Article.objects.get(), False)


def test_check_now_action_queues_checks(
    admin_client: Client, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    article = Article.objects.create(url="https://example.com/a")
    with django_capture_on_commit_callbacks() as queued:
        admin_client.post(
            "/admin/articles/article/", {"action": "check_now", "_selected_action": [article.pk]}, follow=True
        )
    assert len(queued) == 1


def test_check_now_action_queues_a_check_due_tomorrow_and_says_what_it_did(
    admin_client: Client, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    tomorrow = timezone.now() + timedelta(days=1)
    scheduled = Article.objects.create(url="https://example.com/a", next_check_at=tomorrow)
    stopped = Article.objects.create(url="https://example.com/b", status=Article.Status.STOPPED)
    with django_capture_on_commit_callbacks() as queued:
        response = admin_client.post(
            "/admin/articles/article/",
            {"action": "check_now", "_selected_action": [scheduled.pk, stopped.pk]},
            follow=True,
        )
    assert len(queued) == 1
    page = response.content.decode()
    assert "1 check(s) queued." in page
    assert "1 stopped or removed, not checked (resume them first)." in page
    with django_capture_on_commit_callbacks() as queued:
        response = admin_client.post(
            "/admin/articles/article/",
            {"action": "check_now", "_selected_action": [scheduled.pk]},
            follow=True,
        )
    assert queued == []
    assert "0 check(s) queued. 1 already under way." in response.content.decode()


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


def test_staff_resume_a_stopped_article_in_the_admin(admin_client: Client) -> None:
    stopped = Article.objects.create(url="https://example.com/s", status=Article.Status.STOPPED)
    active = Article.objects.create(url="https://example.com/a")
    response = admin_client.post(
        "/admin/articles/article/",
        {"action": "resume", "_selected_action": [stopped.pk, active.pk]},
        follow=True,
    )
    assert "1 article(s) resumed." in response.content.decode()
    stopped.refresh_from_db()
    assert stopped.status == Article.Status.ACTIVE
    assert stopped.resumed_at is not None
    assert stopped.next_check_at is not None


def test_check_now_and_resume_on_the_article_page_are_for_staff_only(
    admin_client: Client, client: Client, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    # Its next check a day away: "check now" queues one all the same.
    article = Article.objects.create(
        url="https://example.com/a", next_check_at=timezone.now() + timedelta(days=1)
    )
    page = client.get(f"/articles/{article.pk}/").content.decode()
    assert "Check now" not in page
    response = client.post(f"/articles/{article.pk}/check/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert admin_client.get(f"/articles/{article.pk}/check/").status_code == 405  # a GET changes nothing

    assert "Check now" in admin_client.get(f"/articles/{article.pk}/").content.decode()
    with django_capture_on_commit_callbacks() as queued:
        response = admin_client.post(f"/articles/{article.pk}/check/", follow=True)
    assert len(queued) == 1
    assert "Check queued." in response.content.decode()
    response = admin_client.post(f"/articles/{article.pk}/check/", follow=True)
    assert "A check is already under way." in response.content.decode()

    Article.objects.filter(pk=article.pk).update(status=Article.Status.STOPPED, next_check_at=None)
    assert "Resume tracking" in admin_client.get(f"/articles/{article.pk}/").content.decode()
    response = admin_client.post(f"/articles/{article.pk}/check/", follow=True)
    assert "Tracking resumed" in response.content.decode()
    assert Article.objects.get(pk=article.pk).status == Article.Status.ACTIVE


def test_source_form_checks_patterns_and_feed_urls(admin_client: Client) -> None:
    form = {
        "name": "Local", "slug": "local", "homepage": "https://news.example/", "active": "on",
        "feed_urls": '["ftp://news.example/rss"]', "section_urls": "[]", "link_pattern": "([unclosed",
        "deny_pattern": "", "next_discovery_at_0": "2026-11-26", "next_discovery_at_1": "12:00:00",
    }  # fmt: skip
    page = admin_client.post("/admin/articles/source/add/", form).content.decode()
    assert "Not a valid regular expression" in page
    assert "Unsupported scheme" in page
    form.update(feed_urls='["HTTPS://News.example/rss?utm_source=x"]', link_pattern=r"/\d{4}/")
    assert admin_client.post("/admin/articles/source/add/", form).status_code == 302

    assert Source.objects.get().feed_urls == ["https://news.example/rss"]
