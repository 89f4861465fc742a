"""The schedule table, stop rule, jitter and backoff (pure functions, fixed clock, fixed randomness)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings

from articles import scheduling

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def no_jitter() -> float:
    return 0.5  # the middle of [0, 1): a spread of zero


@pytest.mark.parametrize(
    ("unchanged_for", "interval"),
    [
        (timedelta(0), timedelta(minutes=15)),  # new
        (timedelta(hours=2, minutes=59), timedelta(minutes=15)),  # just changed
        (timedelta(hours=3), timedelta(hours=1)),
        (timedelta(hours=23), timedelta(hours=1)),
        (timedelta(days=1), timedelta(hours=3)),
        (timedelta(days=6, hours=23), timedelta(hours=3)),
        (timedelta(days=7), timedelta(days=1)),
        (timedelta(days=29), timedelta(days=1)),
        (timedelta(days=35), timedelta(days=1)),
    ],
)
def test_interval_grows_with_time_since_the_last_change(
    unchanged_for: timedelta, interval: timedelta
) -> None:
    last_change = NOW - unchanged_for
    assert scheduling.next_check_after_success(last_change, NOW, no_jitter) == NOW + interval


@override_settings(TRACK_STOP_AFTER_DAYS=40)
def test_stop_after_forty_days_without_a_change() -> None:
    assert not scheduling.should_stop(NOW - timedelta(days=39, hours=23), NOW)
    assert scheduling.should_stop(NOW - timedelta(days=40), NOW)


@override_settings(TRACK_JITTER=0.1)
def test_jitter_spreads_by_ten_percent_either_way() -> None:
    hour = timedelta(hours=1)
    assert scheduling.jittered(hour, lambda: 0.0) == timedelta(minutes=54)
    assert scheduling.jittered(hour, lambda: 0.999999) == pytest.approx(
        timedelta(minutes=66), abs=timedelta(seconds=1)
    )
    spread = {scheduling.next_check_after_success(NOW, NOW) for _ in range(50)}
    assert len(spread) > 40
    assert all(NOW + timedelta(minutes=13.5) <= t <= NOW + timedelta(minutes=16.5) for t in spread)


@override_settings(TRACK_BACKOFF_MIN=900, TRACK_BACKOFF_MAX=3600)
def test_failures_back_off_exponentially_up_to_the_cap() -> None:
    delays = [scheduling.backoff_delay(n) for n in range(1, 6)]
    assert delays == [timedelta(seconds=s) for s in (900, 1800, 3600, 3600, 3600)]
    assert scheduling.backoff_delay(10_000) == timedelta(hours=1)
    assert scheduling.next_check_after_failure(NOW, 2, no_jitter) == NOW + timedelta(minutes=30)


@override_settings(TRACK_CLAIM_SECONDS=600)
def test_a_claim_lasts_its_lease() -> None:
    assert scheduling.claim_until(NOW) == NOW + timedelta(minutes=10)


def test_intervals_in_words() -> None:
    words = [scheduling.describe_interval(timedelta(seconds=s)) for s in (900, 3600, 10800, 86400, 45)]
    assert words == ["15 minutes", "hour", "3 hours", "day", "45 seconds"]
