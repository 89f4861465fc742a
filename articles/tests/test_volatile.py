"""A page that changes on almost every load (a counter, a random quote in the text) is flagged, checked
seldom from then on, and keeps every version it already has (settings.TRACK_VOLATILE_*)."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import User
from django.test import Client, override_settings

from articles.checking import run_check
from articles.models import Article
from articles.tests.support import LocalSite, article_html

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
pytestmark = pytest.mark.django_db


def check_at(site: LocalSite, article: Article, when: datetime, load: int) -> str:
    """Check the article at ``when`` with the page serving text ``load`` (a new text per load)."""
    site.serve("/story", article_html("Quote of the moment", [f"Today's quote is number {load}.", "Body."]))
    with time_machine.travel(when, tick=False):
        return str(run_check(article))


def a_day_of_checks(site: LocalSite, article: Article, start: datetime, changes: bool = True) -> int:
    """Checks as the schedule asks for them, for a day from ``start``; returns how many were made."""
    when, checks = start, 0
    while when < start + DAY:
        check_at(site, article, when, load=checks if changes else 0)
        checks += 1
        article.refresh_from_db()
        assert article.next_check_at is not None
        when = article.next_check_at
    return checks


def test_a_page_that_changes_on_every_load_is_flagged_and_checked_seldom(local_site: LocalSite) -> None:
    article, _ = Article.objects.track(local_site.url("/story"))
    checks = a_day_of_checks(local_site, article, NOW)
    article.refresh_from_db()
    # Every 15 minutes while it keeps changing: 96 versions a day without the rule. With it, 24 versions
    # flag the page after 6 hours; the rest of the day has a check every 6 hours (±10 %).
    assert article.volatile_since == NOW + 23 * timedelta(minutes=15)
    assert checks <= 24 + 4
    assert article.next_check_at is not None
    assert article.last_checked_at is not None
    assert article.next_check_at - article.last_checked_at >= timedelta(hours=5.4)
    # Nothing stored is lost: one version per check, numbered without gaps, each with its own text.
    numbers = list(article.versions.order_by("number").values_list("number", flat=True))
    assert numbers == list(range(checks))
    assert article.versions.values("content_hash").distinct().count() == checks
    standing = article.standing(article.last_checked_at)
    assert standing.state == "volatile"
    assert "checked about every 6 hours" in standing.summary


@override_settings(TRACK_VOLATILE_VERSIONS=5)
def test_fewer_versions_in_a_day_or_as_many_over_longer_are_no_flag(local_site: LocalSite) -> None:
    article, _ = Article.objects.track(local_site.url("/story"))
    for load in range(4):  # four versions within an hour
        check_at(local_site, article, NOW + load * timedelta(minutes=15), load)
    article.refresh_from_db()
    assert article.volatile_since is None
    # The fifth comes more than a day after the first: five versions, but not within a day.
    check_at(local_site, article, NOW + DAY + timedelta(minutes=1), 4)
    article.refresh_from_db()
    assert (article.version_count, article.volatile_since) == (5, None)
    assert article.next_check_at is not None
    assert article.last_checked_at is not None
    assert article.next_check_at - article.last_checked_at < timedelta(hours=1)


@override_settings(TRACK_VOLATILE_VERSIONS=5)
def test_the_flag_clears_when_the_page_settles_after_a_whole_window(local_site: LocalSite) -> None:
    article, _ = Article.objects.track(local_site.url("/story"))
    for load in range(5):
        check_at(local_site, article, NOW + load * timedelta(minutes=15), load)
    article.refresh_from_db()
    flagged = article.volatile_since
    assert flagged == NOW + timedelta(minutes=60)
    # Unchanged, but within the window: still flagged, still seldom.
    assert check_at(local_site, article, flagged + timedelta(hours=6), 4).startswith("unchanged")
    article.refresh_from_db()
    assert article.volatile_since == flagged
    assert article.next_check_at is not None
    assert article.last_checked_at is not None
    assert article.next_check_at - article.last_checked_at >= timedelta(hours=5.4)
    # Unchanged after a whole window: settled; checked on the schedule again.
    assert check_at(local_site, article, flagged + DAY, 4).startswith("unchanged")
    article.refresh_from_db()
    assert article.volatile_since is None
    assert article.next_check_at is not None
    assert article.last_checked_at is not None
    assert article.next_check_at - article.last_checked_at < timedelta(hours=5.4)


@override_settings(TRACK_VOLATILE_VERSIONS=3)
def test_the_page_the_api_and_the_admin_say_so(local_site: LocalSite) -> None:
    article, _ = Article.objects.track(local_site.url("/story"))
    calm, _ = Article.objects.track(local_site.url("/calm"))
    for load in range(3):
        check_at(local_site, article, NOW + load * timedelta(minutes=15), load)
    page = Client().get(article.get_absolute_url()).content.decode()
    assert "This page changes on almost every load: 3 different texts within a day" in page
    api = Client().get(f"/api/v1/articles/{article.pk}/").json()
    assert api["volatile_since"] == "2026-11-26T12:30:00Z"
    staff = Client()
    staff.force_login(User.objects.create_superuser("staff", "staff@example.com", "pw"))
    listed = staff.get("/admin/articles/article/?volatile=yes").content.decode()
    assert f"/admin/articles/article/{article.pk}/change/" in listed
    assert f"/admin/articles/article/{calm.pk}/change/" not in listed
