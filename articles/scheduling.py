"""When to check an article next. Pure functions of the clock and the article's history.

Edits cluster soon after publication: an article is checked often while it is new or has just changed,
less and less often as it stays unchanged (settings.TRACK_SCHEDULE), and not at all once it has gone
TRACK_STOP_AFTER_DAYS without a change. Every delay is spread by ±TRACK_JITTER so that articles tracked
or changed together, or left overdue by an outage, do not all come due in the same second.
"""

import random
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings

# Returns a number in [0, 1); tests pass a fixed one.
Random = Callable[[], float]


def base_interval(age: timedelta) -> timedelta:
    """The interval between checks for an article that last changed ``age`` ago (before jitter)."""
    seconds = age.total_seconds()
    for younger_than, interval in settings.TRACK_SCHEDULE:
        if seconds < younger_than:
            return timedelta(seconds=interval)
    return timedelta(seconds=settings.TRACK_INTERVAL_OLD)


def jittered(delay: timedelta, rand: Random = random.random) -> timedelta:
    spread = settings.TRACK_JITTER * (2 * rand() - 1)
    return delay * (1 + spread)


def should_stop(last_change: datetime, now: datetime) -> bool:
    """Unchanged for TRACK_STOP_AFTER_DAYS: the article is considered settled and no longer checked."""
    return now - last_change >= timedelta(days=settings.TRACK_STOP_AFTER_DAYS)


def next_check_after_success(last_change: datetime, now: datetime, rand: Random = random.random) -> datetime:
    """When to look again after a check that worked; ``last_change`` is when the text last changed
    (or when tracking began, for an article with no change yet)."""
    return now + jittered(base_interval(now - last_change), rand)


def next_check_when_volatile(now: datetime, rand: Random = random.random) -> datetime:
    """The earliest next check of an article flagged as changing on almost every load."""
    return now + jittered(timedelta(seconds=settings.TRACK_VOLATILE_INTERVAL), rand)


def is_volatile(earlier_version_at: datetime, now: datetime) -> bool:
    """Whether the version TRACK_VOLATILE_VERSIONS - 1 before the one stored ``now`` (fetched at
    ``earlier_version_at``) is within the window: that many versions in so short a time."""
    return now - earlier_version_at < timedelta(seconds=settings.TRACK_VOLATILE_WINDOW)


def volatile_flag_expired(flagged_at: datetime, now: datetime) -> bool:
    return now - flagged_at >= timedelta(seconds=settings.TRACK_VOLATILE_WINDOW)


def backoff_delay(consecutive_failures: int) -> timedelta:
    """Double the wait with every failure in a row, from TRACK_BACKOFF_MIN up to the cap."""
    exponent = max(consecutive_failures - 1, 0)
    seconds = settings.TRACK_BACKOFF_MIN * 2 ** min(exponent, 32)
    return timedelta(seconds=min(seconds, settings.TRACK_BACKOFF_MAX))


def next_check_after_failure(
    now: datetime, consecutive_failures: int, rand: Random = random.random
) -> datetime:
    return now + jittered(backoff_delay(consecutive_failures), rand)


def claim_until(now: datetime) -> datetime:
    """A swept article is not swept again before this; if its task is lost, the next sweep retries it."""
    return now + timedelta(seconds=settings.TRACK_CLAIM_SECONDS)


def describe_interval(interval: timedelta) -> str:
    """'15 minutes', '3 hours', 'day' — for "checked about every …"."""
    seconds = round(interval.total_seconds())
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return unit if count == 1 else f"{count} {unit}s"
    return f"{seconds} seconds"
