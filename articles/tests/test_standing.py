"""An article's standing in words (articles/standing.py): one table of every state, and the pages and API
that say it."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client, override_settings

from articles.models import Article
from articles.standing import STATES
from articles.tests.support import add_version

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
ERROR = "HTTP 404 Not Found"


@dataclass
class Case:
    state: str
    fields: dict[str, object]
    summary: str
    last_check: str
    next_check: str
    changes: str
    no_versions: str = ""
    hidden: int | None = None


def ago(**delta: float) -> datetime:
    return NOW - timedelta(**delta)


CASES = [
    Case(
        "new",
        {"first_seen_at": ago(seconds=20), "next_check_at": ago(seconds=20)},
        "New: not checked yet; first check due now.",
        "Not checked yet.",
        "Next check due now.",
        "No version yet.",
        "No version yet: the first check has not run.",
    ),
    Case(
        "new",  # the sweep claimed it a minute ago: its claim's lease is no "next check in 9 minutes"
        {
            "first_seen_at": ago(minutes=2),
            "check_claimed_at": ago(minutes=1),
            "next_check_at": NOW + timedelta(minutes=9),
        },
        "New: not checked yet; a check is under way.",
        "Not checked yet.",
        "A check is under way.",
        "No version yet.",
        "No version yet: the first check has not run.",
    ),
    Case(
        "pending",  # two checks answered 404 so far: said, with the next try
        {
            "first_seen_at": ago(hours=1),
            "last_checked_at": ago(minutes=2),
            "consecutive_failures": 2,
            "last_error": ERROR,
            "next_check_at": NOW + timedelta(minutes=28),
        },
        f"No version yet: its last check failed ({ERROR}); next check in 28 minutes.",
        f"Last checked 2 minutes ago: it failed ({ERROR}).",
        "Next check in 28 minutes.",
        "No version yet.",
        f"No version yet: its last check failed ({ERROR}).",
    ),
    Case(
        "ok",
        {
            "first_seen_at": ago(days=3),
            "last_changed_at": ago(hours=5),
            "last_checked_at": ago(seconds=30),
            "next_check_at": NOW + timedelta(seconds=40),
            "version_count": 3,
        },
        "Tracked: checked about every hour; next check in under a minute.",
        "Last checked just now.",
        "Next check in under a minute.",
        "1 change (1 minor or parser change hidden).",
        hidden=1,
    ),
    Case(
        "ok",  # its only change is a hidden one: "changed 1 time" said otherwise
        {"first_seen_at": ago(hours=2), "last_checked_at": ago(minutes=1), "version_count": 2},
        "Tracked: checked about every 15 minutes; no check scheduled.",
        "Last checked 1 minute ago.",
        "No check scheduled.",
        "No change to show (1 minor or parser change hidden).",
        hidden=1,
    ),
    Case(
        "volatile",
        {
            "first_seen_at": ago(days=1),
            "last_changed_at": ago(minutes=5),
            "last_checked_at": ago(minutes=5),
            "volatile_since": ago(hours=1),
            "next_check_at": NOW + timedelta(hours=5),
            "version_count": 30,
        },
        "Changes on almost every load, so checked about every 6 hours; next check in 5 hours.",
        "Last checked 5 minutes ago.",
        "Next check in 5 hours.",
        "29 changes.",
    ),
    Case(
        "failing",
        {
            "status": Article.Status.FAILING,
            "last_checked_at": ago(hours=1),
            "last_error": "not an HTML page (application/pdf)",
            "version_count": 0,
        },
        "Failing: checks kept failing (not an HTML page (application/pdf)); no longer checked.",
        "Last checked 1 hour ago: it failed (not an HTML page (application/pdf)).",
        "No longer checked.",
        "No version yet.",
        "No version: every check failed (not an HTML page (application/pdf)).",
    ),
    Case(
        "gone",
        {
            "status": Article.Status.GONE,
            "last_checked_at": ago(days=2),
            "last_error": ERROR,
            "version_count": 4,
        },
        f"Gone: the page has left its site ({ERROR}); no longer checked.",
        f"Last checked 2 days ago: it failed ({ERROR}).",
        "No longer checked.",
        "3 changes.",
        "No version: the page was gone before it could be read.",
    ),
    Case(
        "stopped",
        {
            "status": Article.Status.STOPPED,
            "first_seen_at": ago(days=90),
            "last_changed_at": ago(days=45),
            "last_checked_at": ago(days=4),
            "version_count": 2,
        },
        "Stopped: unchanged for over 45 days; no longer checked.",
        "Last checked 4 days ago.",
        "No longer checked.",
        "1 change.",
        "No version: tracking stopped before the page could be read.",
    ),
    Case(
        "removed",
        {"status": Article.Status.REMOVED, "last_checked_at": ago(days=1), "version_count": 1},
        "Removed by an administrator; no longer checked.",
        "Last checked 1 day ago.",
        "No longer checked.",
        "No change since it was first read.",
        "No version is shown.",
    ),
]


def test_the_table_covers_every_state() -> None:
    assert {case.state for case in CASES} == set(STATES)


@override_settings(TRACK_CLAIM_SECONDS=600, TRACK_VOLATILE_INTERVAL=6 * 3600)
@pytest.mark.parametrize("case", CASES, ids=[f"{n}-{case.state}" for n, case in enumerate(CASES)])
def test_every_state_in_words(case: Case) -> None:
    fields = {"url": "https://example.com/a", "first_seen_at": ago(days=1), **case.fields}
    standing = Article(**fields).standing(NOW, hidden=case.hidden)
    assert standing.state == case.state
    assert standing.summary == case.summary
    assert standing.last_check == case.last_check
    assert standing.next_check == case.next_check
    assert standing.changes == case.changes
    if case.no_versions:
        assert standing.no_versions == case.no_versions


@pytest.mark.django_db
def test_the_article_page_says_why_there_is_no_version(client: Client) -> None:
    """Two checks got HTTP 404: the page said "never fetched", "the first check has not run" and nothing
    of the 404."""
    article = Article.objects.create(
        url="https://example.com/gone-soon",
        first_seen_at=ago(hours=1),
        last_checked_at=ago(minutes=2),
        consecutive_failures=2,
        last_error=ERROR,
        next_check_at=NOW + timedelta(minutes=28),
    )
    with time_machine.travel(NOW, tick=False):
        page = client.get(f"/articles/{article.pk}/").content.decode()
    assert "never fetched" not in page
    assert "has not run" not in page
    assert f"No version yet: its last check failed ({ERROR})." in page
    assert "Last checked 2 minutes ago: it failed" in page
    assert "first seen on" not in page


@pytest.mark.django_db
def test_a_hidden_change_is_not_counted_as_a_change_on_the_page_and_the_api_says_the_same(
    client: Client,
) -> None:
    article = Article.objects.create(url="https://example.com/a", first_seen_at=ago(days=1))
    add_version(article, 0, "A story", ["First text of the story."])
    add_version(article, 1, "A story", ["First text of the story,"], kind="minor")
    with time_machine.travel(NOW, tick=False):
        page = client.get(f"/articles/{article.pk}/").content.decode()
        api = client.get(f"/api/v1/articles/{article.pk}/").json()
    assert "No change to show (1 minor or parser change hidden)." in page
    assert api["standing"]["state"] == "ok"
    assert api["standing"]["summary"].startswith("Tracked: checked about every")
    assert set(api["standing"]) == {"state", "summary", "last_check", "next_check", "changes"}


def test_versions_moments_apart_do_not_say_zero_minutes() -> None:
    from articles.templatetags.times import later

    assert later(NOW, NOW + timedelta(seconds=20)) == "moments later"
    assert later(NOW, NOW + timedelta(hours=2)) == "2\xa0hours later"


def test_versions_without_a_check_on_record_do_not_say_not_checked_yet() -> None:
    imported = Article(url="https://example.com/a", first_seen_at=ago(days=2), version_count=3)
    assert imported.standing(NOW).last_check == "No check recorded here."
