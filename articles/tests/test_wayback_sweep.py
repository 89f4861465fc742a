"""Beat's sweep of Wayback saves: due saves queued, the longest due first and a bounded number a run, a save
without a turn brought back once its turn has come, and the sweep on the one beat schedule."""

import threading
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from pytest_django import Settings

from articles import tasks
from articles.models import Version
from articles.tests.support import pause
from articles.tests.wayback_support import SaveServer, asked_version, step

pytestmark = pytest.mark.usefixtures("_no_rate_limit_left_over")


# --- beat's sweep ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_sweep_queues_due_saves_the_longest_due_first_a_bounded_number_a_run(
    spn: SaveServer, settings: Settings, queued: list[int]
) -> None:
    settings.WAYBACK_SWEEP_GRACE = 120
    now = timezone.now()

    def save(name: str, seconds_due: float, status: str = Version.Wayback.PENDING) -> Version:
        version = asked_version(f"http://127.0.0.1/{name}")
        due = now - timedelta(seconds=seconds_due)
        Version.objects.filter(pk=version.pk).update(wayback_status=status, wayback_due_at=due)
        return version

    lost = [save(f"lost-{n}", minutes * 60) for n, minutes in enumerate((30, 20, 10))]
    look_lost = save("look-lost", 200, Version.Wayback.CAPTURING)  # its countdown is late by the grace
    turn_come = save("turn-come", 10)
    save("look-coming", 60, Version.Wayback.CAPTURING)  # its own countdown will run it
    save("retry-later", -300)
    save("saved", 3600, Version.Wayback.SAVED)
    save("failed", 3600, Version.Wayback.FAILED)

    settings.WAYBACK_SWEEP_BATCH = 4
    assert tasks.sweep_wayback_saves() == "4 queued"
    assert queued == [v.pk for v in [*lost, look_lost]]
    queued.clear()
    settings.WAYBACK_SWEEP_BATCH = 20
    assert tasks.sweep_wayback_saves() == "5 queued"  # none run meanwhile: the same again, and one more
    assert queued == [v.pk for v in [*lost, look_lost, turn_come]]
    assert spn.requests == []


@pytest.mark.django_db
def test_a_save_without_a_turn_is_brought_back_by_the_sweep_once_its_turn_has_come(
    spn: SaveServer, settings: Settings, queued: list[int]
) -> None:
    settings.WAYBACK_SAVES_PER_MINUTE = 60
    first, second = asked_version("http://127.0.0.1/1"), asked_version("http://127.0.0.1/2")
    assert step(first).wayback_status == Version.Wayback.CAPTURING  # asked; looked at again by countdown
    assert tasks.save_to_wayback.apply(args=(second.pk,)).get() == "waiting for its turn"
    assert tasks.sweep_wayback_saves() == "0 queued"  # no task queued by countdown for it: nothing wakes
    pause(threading.Event(), 1.1)  # a turn a second
    assert tasks.sweep_wayback_saves() == "1 queued"
    assert queued == [second.pk]
    assert step(second).wayback_status == Version.Wayback.CAPTURING
    assert len(spn.posts()) == 2


def test_the_sweep_is_on_the_one_beat_schedule() -> None:
    from newsdiffs.celery import app

    entry = django_settings.CELERY_BEAT_SCHEDULE["sweep-wayback-saves"]
    assert entry["task"] == tasks.sweep_wayback_saves.name
    assert entry["task"] in app.tasks
