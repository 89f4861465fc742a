"""The whole path with a real Celery worker on the configured broker (Redis in `make test`).

track → check → version 0; the schedule comes round (beat's sweep task) with only chrome changed → no new
version; one word edited → version 1; headline rewritten → version 2; the pages show it all.
"""

from io import StringIO

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from pytest_django import Settings

from articles.models import Article, Source
from articles.tasks import discover_sources, sweep_due_articles
from articles.tests.support import LocalSite, article_html, wait_for

# The subject is the worker on the broker, not the database: the Postgres pass runs it.
pytestmark = pytest.mark.once
PARAGRAPHS = ["The council approved the plan on Tuesday after a long debate.", "Work starts next spring."]


def next_scheduled_check(article: Article) -> None:
    """Let the schedule come round: the article falls due and beat's sweep task goes to the worker."""
    checked_before = Article.objects.get(pk=article.pk).last_checked_at
    Article.objects.filter(pk=article.pk).update(next_check_at=timezone.now())
    sweep_due_articles.delay()
    wait_for(lambda: Article.objects.get(pk=article.pk).last_checked_at != checked_before, "the check")


def highlighted(html: str) -> dict[str, list[str]]:
    soup = BeautifulSoup(html, "lxml")
    return {tag: [node.get_text() for node in soup.find_all(tag)] for tag in ("del", "ins")}


@pytest.mark.django_db(transaction=True)
def test_tracking_a_page_records_each_real_edit_once(local_site: LocalSite, celery_worker: None) -> None:
    url = local_site.serve("/story", article_html("Council approves plan", PARAGRAPHS, churn="ad 1"))
    call_command("track", url)
    article = Article.objects.get(url=url)
    wait_for(lambda: article.versions.count() == 1, "version 0")

    local_site.serve("/story", article_html("Council approves plan", PARAGRAPHS, churn="ad 2, 1,024 views"))
    next_scheduled_check(article)
    assert article.versions.count() == 1

    edited = [PARAGRAPHS[0].replace("Tuesday", "Wednesday"), PARAGRAPHS[1]]
    local_site.serve("/story", article_html("Council approves plan", edited, churn="ad 3"))
    next_scheduled_check(article)
    assert article.versions.count() == 2

    local_site.serve("/story", article_html("Council rejects plan", edited, churn="ad 4"))
    next_scheduled_check(article)
    assert article.versions.count() == 3
    assert list(article.versions.order_by("number").values_list("number", "title")) == [
        (0, "Council approves plan"),
        (1, "Council approves plan"),
        (2, "Council rejects plan"),
    ]

    client = Client()
    page = client.get(f"/articles/{article.pk}/")
    assert page.status_code == 200
    listed = BeautifulSoup(page.content, "lxml").select("table.versions td:nth-of-type(3) > a")
    assert [link.get_text() for link in listed] == ["v2", "v1", "v0"]
    assert "Changes</dt><dd>2 changes." in page.content.decode()

    body_diff = client.get(f"/articles/{article.pk}/diff/0/1/")
    assert highlighted(body_diff.content.decode()) == {"del": ["Tuesday"], "ins": ["Wednesday"]}
    headline_diff = client.get(f"/articles/{article.pk}/diff/1/2/")
    assert highlighted(headline_diff.content.decode()) == {"del": ["approves"], "ins": ["rejects"]}


@pytest.mark.django_db(transaction=True)
def test_a_story_in_a_source_feed_is_discovered_and_recorded(
    local_site: LocalSite, celery_worker: None
) -> None:
    story = local_site.serve("/news/bridge", article_html("Bridge to close", PARAGRAPHS))
    items = "".join(
        f"<item><title>t</title><link>{link}</link></item>"
        for link in (f"{story}?utm_source=rss", local_site.url("/video/bridge"))
    )
    feed = local_site.serve(
        "/rss.xml",
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}</channel></rss>',
        headers={"Content-Type": "application/rss+xml"},
    )
    source = Source.objects.create(name="Local", slug="local", homepage=local_site.url("/"), feed_urls=[feed])

    discover_sources.delay()  # what beat runs every minute
    wait_for(lambda: Article.objects.filter(source=source).exists(), "the story to be discovered")
    sweep_due_articles.delay()
    article = Article.objects.get(source=source)
    wait_for(lambda: article.versions.count() == 1, "its first version")
    assert article.url == story
    assert Article.objects.count() == 1  # the video was not tracked
    assert article.versions.get().title == "Bridge to close"


@pytest.mark.django_db(transaction=True)
def test_tracking_waits_for_the_first_check_and_says_what_it_found(
    local_site: LocalSite, celery_worker: None, settings: Settings
) -> None:
    """`manage.py track` and the Track page said nothing of a URL that answered 404 or served a PDF: they
    wait a few seconds for the first check (a real worker's) and say how it went."""
    settings.TRACK_WAIT_SECONDS = 20
    story = local_site.serve("/story", article_html("Council approves plan", PARAGRAPHS))
    missing = local_site.url("/no-such-story")
    pdf = local_site.serve("/report.pdf", b"%PDF-1.4 ...", headers={"Content-Type": "application/pdf"})
    out = StringIO()
    call_command("track", story, stdout=out)
    assert "First check done: version 0 read, “Council approves plan”." in out.getvalue()
    out = StringIO()
    call_command("track", missing, stdout=out)
    assert "First check done. No version yet: its last check failed (HTTP 404" in out.getvalue()
    out = StringIO()
    call_command("track", "--no-wait", local_site.url("/later"), stdout=out)
    assert "First check" not in out.getvalue()

    staff = Client()
    staff.force_login(
        User.objects.create_superuser("staff", "staff@example.com", "a-long-password-for-tests")
    )
    page = staff.post("/track/", {"url": pdf}, follow=True).content.decode()
    assert (
        "First check done. No version yet: its last check failed (not an HTML page (application/pdf))" in page
    )


@pytest.mark.django_db
def test_without_a_worker_tracking_says_the_check_is_not_done(settings: Settings) -> None:
    settings.TRACK_WAIT_SECONDS = 1
    out = StringIO()
    call_command("track", "http://127.0.0.1:9/story", stdout=out)
    assert "has not finished within 1 s (is a worker running?)" in out.getvalue()
