"""Whatever goes wrong in a check, the check ends: the article records the failure with a reason and backs
off, and the other articles of the same batch are checked. An exception out of a check used to end the
Celery task with nothing recorded, so the article came back at every claim expiry, for ever, and took the
rest of its batch down with it each time.

The failures here are injected: a stage of the check (fetch, robots.txt, extraction, normalising, hashing,
storing) is made to raise an exception nothing expects, once, for the first article of a batch only.
"""

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from io import StringIO
from typing import Any

import pytest
import time_machine
from celery.exceptions import SoftTimeLimitExceeded
from django.core.management import call_command
from django.db import OperationalError
from pytest_django import Settings

from articles import recording, tasks
from articles.checking import run_check
from articles.models import Article
from articles.normalising import ArticleText
from articles.scheduling import backoff_delay
from articles.tests.support import LocalSite, article_html

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


class Injected(Exception):
    """An exception no code in the check expects."""


def raise_once(real: Callable[..., Any], exc: BaseException) -> Callable[..., Any]:
    """``real``, except that its first call raises ``exc``."""
    calls: list[object] = []

    def once(*args: object, **kwargs: object) -> Any:
        calls.append(args)
        if len(calls) == 1:
            raise exc
        return real(*args, **kwargs)

    return once


def inject(monkeypatch: pytest.MonkeyPatch, stage: str, exc: BaseException) -> None:
    import articles.checking
    import articles.fetching.page
    import articles.normalising
    import articles.robots

    if stage == "fetch":  # deep inside the fetcher, once the response is in
        target: tuple[object, str] = (articles.fetching.page, "_read_response")
    elif stage == "robots":
        target = (articles.robots, "parse")
    elif stage == "extract":
        target = (articles.checking, "extract")
    elif stage == "normalise":
        target = (articles.normalising, "normalise_text")
    elif stage == "hash":
        target = (articles.normalising, "comparison_key")
    elif stage == "store":
        target = (recording, "store_if_changed")
    else:
        raise AssertionError(stage)
    owner, name = target
    monkeypatch.setattr(owner, name, raise_once(getattr(owner, name), exc))


UNEXPECTED = "Injected: something nobody expected"
# The reason each stage's failure is recorded with. The extractor had its own words before the rest.
REASONS = {
    "fetch": f"unexpected error while fetching the page ({UNEXPECTED})",
    "robots": f"unexpected error while fetching the page ({UNEXPECTED})",
    "extract": "could not parse the page (Injected)",
    "normalise": f"unexpected error while reading the page ({UNEXPECTED})",
    "hash": f"unexpected error while reading the page ({UNEXPECTED})",
    "store": f"unexpected error while storing what it found ({UNEXPECTED})",
}


@pytest.fixture
def two_articles(local_site: LocalSite, settings: Settings) -> tuple[Article, Article]:
    settings.FETCH_ROBOTS = True
    local_site.serve("/robots.txt", "User-agent: *\nDisallow: /private/\n", headers={})
    first = Article.objects.track(local_site.serve("/first", article_html("First", ["One story."])))[0]
    second = Article.objects.track(local_site.serve("/second", article_html("Second", ["Another."])))[0]
    return first, second


@pytest.mark.parametrize("stage", list(REASONS))
def test_an_unexpected_error_in_any_stage_is_recorded_and_the_batch_goes_on(
    monkeypatch: pytest.MonkeyPatch, two_articles: tuple[Article, Article], stage: str
) -> None:
    first, second = two_articles
    inject(monkeypatch, stage, Injected("something nobody expected"))
    with time_machine.travel(NOW, tick=False):
        summary = tasks.check_articles([first.pk, second.pk])
    assert summary == "1 error, 1 new_version"

    first.refresh_from_db()
    assert first.last_error == REASONS[stage]
    assert first.consecutive_failures == 1
    assert first.status == Article.Status.ACTIVE
    assert first.next_check_at == NOW + backoff_delay(1)  # backed off, not back at the claim's expiry
    assert first.version_count == 0

    second.refresh_from_db()
    assert (second.version_count, second.last_error) == (1, "")


def test_an_unexpected_error_fails_like_a_transient_one_until_it_gives_up(
    monkeypatch: pytest.MonkeyPatch,
    local_site: LocalSite,
    settings: Settings,
) -> None:
    """A bug (ours or a library's) may be fixed by the next deploy: backed off and tried again, and
    given up on after TRACK_MAX_FAILURES like any error that might pass."""
    settings.TRACK_MAX_FAILURES = 3

    def broken(cls: type[ArticleText], *parts: object) -> ArticleText:
        raise Injected("again")

    monkeypatch.setattr(ArticleText, "from_parts", classmethod(broken))
    article = Article.objects.track(local_site.serve("/story", article_html("H", ["Body."])))[0]
    for failures, status in [(1, "active"), (2, "active"), (3, "failing")]:
        outcome = run_check(article)
        assert str(outcome) == "error: unexpected error while reading the page (Injected: again)"
        article.refresh_from_db()
        assert (article.consecutive_failures, article.status) == (failures, status)


def test_a_long_exception_message_is_cut_in_the_reason(
    monkeypatch: pytest.MonkeyPatch, two_articles: tuple[Article, Article]
) -> None:
    first, _ = two_articles
    inject(monkeypatch, "normalise", Injected("x" * 10_000))
    outcome = run_check(first)
    assert outcome.kind == "error"
    assert len(outcome.reason) < 400
    first.refresh_from_db()
    assert first.last_error == outcome.reason


def test_the_task_time_limit_is_recorded_and_the_rest_of_the_batch_handed_on(
    monkeypatch: pytest.MonkeyPatch, two_articles: tuple[Article, Article]
) -> None:
    """Celery's soft time limit ends the task (the hard one follows): the article it struck is recorded,
    so it backs off rather than time out again at every sweep, and the others go to a new task."""
    first, second = two_articles
    handed_on: list[list[int]] = []
    monkeypatch.setattr(tasks.check_articles, "delay", handed_on.append)
    inject(monkeypatch, "extract", SoftTimeLimitExceeded())
    with time_machine.travel(NOW, tick=False):
        summary = tasks.check_articles([first.pk, second.pk])
    assert summary == "1 error, 1 handed on"
    assert handed_on == [[second.pk]]
    first.refresh_from_db()
    assert first.last_error == "ran past the task's time limit while reading the page"
    assert first.next_check_at == NOW + backoff_delay(1)
    second.refresh_from_db()
    assert (second.version_count, second.consecutive_failures) == (0, 0)


def test_a_database_outage_is_left_to_the_task_retry(
    monkeypatch: pytest.MonkeyPatch, two_articles: tuple[Article, Article]
) -> None:
    """The database gone is not the article's failure, and could not be recorded anyway: the task's own
    retry (autoretry_for) runs the batch again once the database is back."""
    first, second = two_articles
    inject(monkeypatch, "store", OperationalError("server closed the connection unexpectedly"))
    with pytest.raises(OperationalError):
        tasks.check_articles([first.pk, second.pk])
    first.refresh_from_db()
    assert (first.consecutive_failures, first.last_error) == (0, "")


def test_a_failure_that_cannot_even_be_recorded_does_not_stop_the_batch(
    monkeypatch: pytest.MonkeyPatch, two_articles: tuple[Article, Article]
) -> None:
    first, second = two_articles
    inject(monkeypatch, "fetch", Injected("boom"))
    monkeypatch.setattr(recording, "record_failure", raise_once(recording.record_failure, Injected("again")))
    assert tasks.check_articles([first.pk, second.pk]) == "1 crashed, 1 new_version"
    second.refresh_from_db()
    assert second.version_count == 1


def test_the_fetch_command_prints_an_unexpected_error_on_one_line(
    monkeypatch: pytest.MonkeyPatch, two_articles: tuple[Article, Article], caplog: pytest.LogCaptureFixture
) -> None:
    """One line on stderr; the traceback, which a worker logs, is not printed at the terminal either."""
    first, _ = two_articles
    inject(monkeypatch, "fetch", Injected("boom"))
    out, err = StringIO(), StringIO()
    with caplog.at_level(logging.INFO), pytest.raises(SystemExit) as exited:
        call_command("fetch", str(first.pk), stdout=out, stderr=err)
    assert exited.value.code == 2
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
    assert (
        err.getvalue()
        == f"article {first.pk}: error: unexpected error while fetching the page (Injected: boom)\n"
    )
    assert out.getvalue() == ""


@pytest.mark.parametrize(
    "location", ["http:x", "javascript:alert(1)", "mailto:x", "http:\\\\127.0.0.2:8310/r"]
)
def test_the_fetch_command_prints_an_unreadable_redirect_on_one_line(
    local_site: LocalSite, location: str
) -> None:
    url = local_site.serve("/story", "", status=302, headers={"Location": location})
    article = Article.objects.track(url)[0]
    err = StringIO()
    with pytest.raises(SystemExit):
        call_command("fetch", str(article.pk), stdout=StringIO(), stderr=err)
    assert err.getvalue().startswith(
        f"article {article.pk}: error: refused: unreadable redirect to {location!r}"
    )
    assert err.getvalue().count("\n") == 1


def test_the_fetch_command_prints_a_database_outage_on_one_line(
    monkeypatch: pytest.MonkeyPatch, two_articles: tuple[Article, Article]
) -> None:
    first, _ = two_articles
    inject(monkeypatch, "store", OperationalError("server closed the connection unexpectedly"))
    err = StringIO()
    with pytest.raises(SystemExit) as exited:
        call_command("fetch", str(first.pk), stdout=StringIO(), stderr=err)
    assert exited.value.code == 2
    expected = "error: OperationalError: server closed the connection unexpectedly"
    assert err.getvalue() == f"article {first.pk}: {expected}\n"
