from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import override_settings
from pytest_django import DjangoCaptureOnCommitCallbacks

from articles.models import Article
from articles.tasks import check_soon, sweep_due_articles

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


def make(n: int, *, due_in: timedelta, status: str = Article.Status.ACTIVE) -> list[Article]:
    return [
        Article.objects.create(
            url=f"http://127.0.0.1/{status}/{due_in}/{i}", next_check_at=NOW + due_in, status=status
        )
        for i in range(n)
    ]


@pytest.fixture
def enqueued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """What would have gone to the broker, article by article, in order: the sweep's own logic is under
    test here, not Celery's."""
    sent: list[int] = []
    monkeypatch.setattr("articles.tasks.check_article.delay", sent.append)
    monkeypatch.setattr("articles.tasks.check_articles.delay", sent.extend)
    return sent


def test_sweep_claims_only_due_active_articles(
    enqueued: list[int], django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    due = make(3, due_in=-timedelta(minutes=5))
    make(2, due_in=timedelta(minutes=5))
    make(2, due_in=-timedelta(minutes=5), status=Article.Status.STOPPED)
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert sweep_due_articles() == 3
    assert sorted(enqueued) == sorted(a.pk for a in due)


@override_settings(TRACK_SWEEP_BATCH=4, TRACK_CLAIM_SECONDS=600)
def test_sweeps_are_bounded_and_most_overdue_first(
    enqueued: list[int], django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    old = make(4, due_in=-timedelta(hours=3))
    newer = make(3, due_in=-timedelta(minutes=1))
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert sweep_due_articles() == 4
        assert sweep_due_articles() == 3
        assert sweep_due_articles() == 0
    # The four most overdue first; among themselves they are equally overdue, in no particular order.
    assert sorted(enqueued[:4]) == sorted(a.pk for a in old)
    assert sorted(enqueued[4:]) == sorted(a.pk for a in newer)
    claimed_until = set(Article.objects.values_list("next_check_at", flat=True))
    assert claimed_until == {NOW + timedelta(minutes=10)}


def test_nothing_is_enqueued_until_the_claim_commits(
    enqueued: list[int], django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    make(2, due_in=-timedelta(minutes=1))
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=False) as callbacks:
        sweep_due_articles()
    assert enqueued == []
    assert len(callbacks) == 1  # one task checks both


@override_settings(TRACK_CLAIM_SECONDS=600)
def test_a_lost_check_is_swept_again_after_its_claim_expires(
    enqueued: list[int], django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    (article,) = make(1, due_in=-timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        with time_machine.travel(NOW, tick=False):
            sweep_due_articles()
        with time_machine.travel(NOW + timedelta(minutes=9), tick=False):
            assert sweep_due_articles() == 0
        with time_machine.travel(NOW + timedelta(minutes=11), tick=False):
            assert sweep_due_articles() == 1
    assert enqueued == [article.pk, article.pk]


def test_check_soon_claims_once(
    enqueued: list[int], django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    article, _ = Article.objects.track("http://127.0.0.1/story")
    with django_capture_on_commit_callbacks(execute=True):
        assert check_soon(article) is True
        assert check_soon(article) is False
    assert enqueued == [article.pk]


def test_stopped_and_removed_articles_are_not_claimed_for_a_check(enqueued: list[int]) -> None:
    for status in (Article.Status.STOPPED, Article.Status.REMOVED):
        article = Article.objects.create(url=f"http://127.0.0.1/{status}", status=status, next_check_at=NOW)
        assert check_soon(article) is False
    assert enqueued == []


@override_settings(TRACK_CHECK_BATCH=3)
def test_a_sweep_sends_its_checks_a_few_to_a_task(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    tasks_sent: list[list[int]] = []
    monkeypatch.setattr("articles.tasks.check_articles.delay", tasks_sent.append)
    due = make(7, due_in=-timedelta(minutes=5))
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert sweep_due_articles() == 7
    assert [len(batch) for batch in tasks_sent] == [3, 3, 1]
    assert sorted(pk for batch in tasks_sent for pk in batch) == sorted(a.pk for a in due)


@override_settings(TRACK_CLAIM_SECONDS=600)
def test_check_now_queues_a_check_whenever_the_next_one_is_due(
    enqueued: list[int], django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    """Staff's "check now" on an article whose next check was a day away answered "a check is already
    under way" and queued nothing: a claim and a schedule for later looked the same. Only a check under
    way now (claimed, not yet recorded, its lease not run out) makes it wait."""
    (article,) = make(1, due_in=timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        with time_machine.travel(NOW, tick=False):
            assert article.check_under_way() is False
            assert check_soon(article) is True
            article.refresh_from_db()
            assert article.check_under_way() is True
            assert check_soon(article) is False  # two clicks, one check
        with time_machine.travel(NOW + timedelta(minutes=2), tick=False):
            Article.objects.filter(pk=article.pk).update(last_checked_at=NOW + timedelta(minutes=1))  # it ran
            article.refresh_from_db()
            assert article.check_under_way() is False
            assert check_soon(article) is True
        with time_machine.travel(NOW + timedelta(minutes=13), tick=False):
            assert check_soon(article) is True  # that one was lost: its lease ran out, nothing recorded
    assert enqueued == [article.pk] * 3


@override_settings(TRACK_CLAIM_SECONDS=600)
def test_a_check_a_sweep_claimed_is_under_way(
    enqueued: list[int], django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    (article,) = make(1, due_in=-timedelta(minutes=1))
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        assert sweep_due_articles() == 1
        assert check_soon(article) is False
    assert enqueued == [article.pk]
