"""What every worker shares in Wayback saves: the rate of captures (turns shared through Redis, or held
locally), and a task delivered twice, at once or to a real worker, which asks for one capture."""

import threading
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.utils import timezone
from pytest_django import Settings

from articles import tasks, wayback
from articles.models import Version
from articles.tests.support import pause, wait_for
from articles.tests.wayback_support import Answer, SaveServer, asked_version, due_within, step, time_passes

pytestmark = pytest.mark.usefixtures("_no_rate_limit_left_over")


# --- the shared rate --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_rate_limit_spaces_captures_and_waiting_is_no_attempt(
    spn: SaveServer, settings: Settings
) -> None:
    settings.WAYBACK_SAVES_PER_MINUTE = 2  # a turn every 30 s
    versions = [asked_version(f"http://127.0.0.1/{n}") for n in range(3)]
    started = timezone.now()
    for version in versions:
        step(version)
    assert [v.wayback_status for v in versions] == [Version.Wayback.CAPTURING, *[Version.Wayback.PENDING] * 2]
    assert len(spn.posts()) == 1
    for waiting in versions[1:]:
        assert waiting.wayback_attempts == 0
        assert due_within(waiting, started - timedelta(seconds=1), timezone.now(), 30)
    time_passes(versions[1])
    step(versions[1])  # due by the clock of the database, but the turn is still the first save's
    assert versions[1].wayback_status == Version.Wayback.PENDING
    assert len(spn.posts()) == 1


@pytest.mark.skipif(not django_settings.REDIS_URL, reason="needs Redis (REDIS_URL)")
def test_the_turns_are_shared_by_every_worker_through_redis(settings: Settings) -> None:
    """Two workers' limiters (two Redis clients, as two processes hold): one turn between them."""
    settings.WAYBACK_SAVES_PER_MINUTE = 6
    first, second = wayback.RedisLimiter(settings.REDIS_URL), wayback.RedisLimiter(settings.REDIS_URL)
    assert first.take() == 0
    assert 9 < second.take() <= 10
    assert 9 < first.take() <= 10
    second.hold_off(100)
    assert 99 < first.take() <= 100


def test_the_local_limiter_spaces_turns_and_holds_off() -> None:
    limiter = wayback.LocalLimiter()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(wayback, "interval", lambda: 30.0)
        assert limiter.take() == 0
        assert 29 < limiter.take() <= 30
        limiter.hold_off(100)
        assert 99 < limiter.take() <= 100


# --- duplicate deliveries -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_task_delivered_twice_at_once_asks_for_one_capture(spn: SaveServer) -> None:
    version = asked_version()
    spn.hold = threading.Event()  # the first capture stays under way while the duplicate runs
    outcomes: list[str] = []

    def deliver() -> None:
        try:
            outcomes.append(str(tasks.save_to_wayback.apply(args=(version.pk,)).result))
        finally:
            connection.close()

    first = threading.Thread(target=deliver)
    first.start()
    wait_for(spn.posts, "the capture to be asked for", timeout=10)
    duplicate = threading.Thread(target=deliver)
    duplicate.start()
    duplicate.join(timeout=10)
    assert outcomes == ["not due, or done elsewhere"]
    spn.hold.set()
    first.join(timeout=10)
    version.refresh_from_db()
    assert (version.wayback_status, version.wayback_attempts) == (Version.Wayback.CAPTURING, 1)
    assert len(spn.posts()) == 1


@pytest.mark.once
@pytest.mark.skipif(not django_settings.REDIS_URL, reason="needs Redis (REDIS_URL)")
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_given_the_task_twice_asks_once_and_looks_again_by_countdown(
    spn: SaveServer, settings: Settings
) -> None:
    """A worker on the broker running two tasks at a time (as two pool processes would) gets the same save
    twice at once: one capture is asked for; the looks at it come back through the broker by countdown."""
    from celery.contrib.testing.worker import start_worker

    from newsdiffs.celery import app

    settings.WAYBACK_POLL_INTERVAL = 1
    version = asked_version()
    spn.succeed("spn2-1", "http://127.0.0.1/story", Answer(body={"status": "pending", "job_id": "spn2-1"}))
    spn.hold = threading.Event()
    app.control.purge()  # tasks left in the broker by an earlier run must not run against this database
    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, loglevel="WARNING"):
        tasks.queue_now(tasks.save_to_wayback, [version.pk], "the Wayback save of version")
        tasks.queue_now(tasks.save_to_wayback, [version.pk], "the Wayback save of version")  # twice, at once
        wait_for(spn.posts, "the capture to be asked for")
        pause(threading.Event(), 1.0)  # the duplicate runs meanwhile
        spn.hold.set()
        wait_for(
            lambda: Version.objects.get(pk=version.pk).wayback_status == Version.Wayback.SAVED,
            "the capture to be looked at to the end",
        )
    version.refresh_from_db()
    assert version.wayback_attempts == 1
    assert [r.path for r in spn.requests] == ["/save", "/save/status/spn2-1", "/save/status/spn2-1"]
