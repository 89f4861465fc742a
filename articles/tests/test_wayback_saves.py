"""The Wayback Machine: each new edit (and first version) asks Save Page Now for a capture, against a local
stand-in of the SPN2 API on 127.0.0.1; the snapshot is stored on the version, linked on the article page and
given by the API. Which versions are saved and when they are queued (none with the setting off, none of a
removed article), and a save: pending then done, anonymous without keys, a hostile answer linking nothing."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from bs4 import BeautifulSoup
from django.test import Client
from django.utils import timezone
from pytest_django import Settings

from articles import tasks
from articles.checking import run_check
from articles.models import Article, Version
from articles.tests.support import LocalSite, article_html, one
from articles.tests.wayback_support import (
    STORY,
    TIMESTAMP,
    Answer,
    SaveServer,
    asked_version,
    due_within,
    step,
    time_passes,
)

pytestmark = pytest.mark.usefixtures("_no_rate_limit_left_over")


# --- which versions are saved, and when they are queued ---------------------------------------------------


@pytest.mark.django_db
def test_a_stored_edit_is_queued_once_it_commits_and_minor_versions_are_not(
    spn: SaveServer, local_site: LocalSite, queued: list[int],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:  # fmt: skip
    url = local_site.serve("/story", article_html("Council approves plan", STORY))
    article, _ = Article.objects.track(url)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run_check(article)
    first = article.versions.get(number=0)
    assert first.wayback_status == Version.Wayback.PENDING
    assert first.wayback_requested_at == first.wayback_due_at == first.fetched_at
    assert queued == []  # not before the version is committed
    for callback in callbacks:
        callback()
    assert queued == [first.pk]

    local_site.serve("/story", article_html("Council approves plan", [STORY[0], STORY[1] + " Or later."]))
    with django_capture_on_commit_callbacks(execute=True):
        run_check(Article.objects.get(pk=article.pk))
    edit = article.versions.get(number=1)
    assert (edit.kind, edit.wayback_status) == (Version.Kind.EDIT, Version.Wayback.PENDING)
    assert queued == [first.pk, edit.pk]
    local_site.serve("/story", article_html("Council approves plan", [STORY[0], STORY[1] + " Or, later."]))
    with django_capture_on_commit_callbacks(execute=True):
        run_check(Article.objects.get(pk=article.pk))
    minor = article.versions.get(number=2)
    assert (minor.kind, minor.wayback_status) == (Version.Kind.MINOR, Version.Wayback.NONE)
    assert queued == [first.pk, edit.pk]  # the page a reader sees is the one the edit saved
    assert spn.requests == []  # queued, not sent: the worker sends


@pytest.mark.django_db
def test_with_the_setting_off_nothing_is_asked_or_sent(
    spn: SaveServer, local_site: LocalSite, queued: list[int], settings: Settings,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:  # fmt: skip
    settings.WAYBACK_SAVE = False
    url = local_site.serve("/story", article_html("Council approves plan", STORY))
    article, _ = Article.objects.track(url)
    with django_capture_on_commit_callbacks(execute=True):
        run_check(article)
    assert article.versions.get().wayback_status == Version.Wayback.NONE
    assert queued == []
    # A save asked for while it was on, then turned off: its task and the sweep send nothing.
    version = asked_version("http://127.0.0.1/other")
    Version.objects.filter(pk=version.pk).update(wayback_due_at=timezone.now() - timedelta(days=1))
    assert tasks.save_to_wayback.apply(args=(version.pk,)).get() == "off"
    assert tasks.sweep_wayback_saves() == "off"
    assert (queued, spn.requests) == ([], [])
    version.refresh_from_db()
    assert (version.wayback_status, version.wayback_attempts) == (Version.Wayback.PENDING, 0)


@pytest.mark.django_db
def test_a_removed_articles_save_is_never_sent(spn: SaveServer) -> None:
    version = asked_version()
    Article.objects.filter(pk=version.article_id).update(status=Article.Status.REMOVED)
    assert tasks.save_to_wayback.apply(args=(version.pk,)).get() == "removed"
    version.refresh_from_db()
    assert (version.wayback_status, version.wayback_attempts) == (Version.Wayback.FAILED, 0)
    assert spn.requests == []


# --- a save --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_capture_pending_then_done_is_stored_linked_and_given_by_the_api(
    spn: SaveServer, client: Client, settings: Settings
) -> None:
    settings.WAYBACK_ACCESS_KEY, settings.WAYBACK_SECRET_KEY = "key", "secret"
    version = asked_version()
    spn.succeed("spn2-1", "http://127.0.0.1/story", Answer(body={"status": "pending", "job_id": "spn2-1"}))

    started = timezone.now()
    step(version)
    post = spn.posts()[0]
    assert (post.path, post.form) == ("/save", {"url": ["http://127.0.0.1/story"]})
    assert post.headers["Accept"] == "application/json"
    assert post.headers["Authorization"] == "LOW key:secret"
    assert (version.wayback_status, version.wayback_job, version.wayback_attempts) == (
        Version.Wayback.CAPTURING, "spn2-1", 1,
    )  # fmt: skip
    assert due_within(version, started, timezone.now(), 20)  # looked at again later, not waited for

    time_passes(version)
    step(version)
    assert [r.path for r in spn.requests] == ["/save", "/save/status/spn2-1"]
    assert version.wayback_status == Version.Wayback.CAPTURING  # still pending
    time_passes(version)
    step(version)
    snapshot = f"{spn.base}/web/{TIMESTAMP}/http://127.0.0.1/story"
    assert (version.wayback_status, version.wayback_url, version.wayback_attempts) == (
        Version.Wayback.SAVED, snapshot, 1,
    )  # fmt: skip
    assert version.wayback_due_at is None
    assert len(spn.posts()) == 1

    soup = BeautifulSoup(client.get(f"/articles/{version.article_id}/").content, "html.parser")
    link = one(soup, "table.versions td.links a[href*='/web/']")
    assert (link.get_text(), link["href"]) == ("Wayback Machine snapshot", snapshot)
    data = client.get(f"/api/v1/articles/{version.article_id}/versions/0/").json()
    assert data["wayback_url"] == snapshot
    # Done: a late or duplicate task finds nothing to do.
    assert tasks.save_to_wayback.apply(args=(version.pk,)).get() == "not due, or done elsewhere"
    assert len(spn.requests) == 3


@pytest.mark.django_db
def test_without_keys_the_save_is_anonymous_and_a_hostile_answer_links_only_the_article(
    spn: SaveServer,
) -> None:
    version = asked_version()
    spn.statuses["spn2-1"] = [
        Answer(body={"status": "success", "timestamp": TIMESTAMP, "original_url": "javascript:alert(1)"})
    ]
    step(version)
    assert "Authorization" not in spn.posts()[0].headers
    time_passes(version)
    step(version)
    assert version.wayback_url == f"{spn.base}/web/{TIMESTAMP}/http://127.0.0.1/story"

    other = asked_version("http://127.0.0.1/other")
    spn.statuses["spn2-2"] = [
        Answer(body={"status": "success", "timestamp": "<script>", "original_url": "x"})
    ]
    step(other)
    time_passes(other)
    step(other)
    assert (other.wayback_status, other.wayback_url) == (Version.Wayback.PENDING, "")  # retried later
    assert "unreadable timestamp" in other.wayback_error
