"""When to check an article next. Pure functions of the clock and the article's history."""

from datetime import datetime, timedelta

from django.conf import settings


def next_check_after_success(now: datetime) -> datetime:
    return now + timedelta(seconds=settings.TRACK_CHECK_INTERVAL)


def backoff_delay(consecutive_failures: int) -> timedelta:
    """Double the wait with every failure in a row, from the check interval up to the cap."""
    exponent = max(consecutive_failures - 1, 0)
    seconds = settings.TRACK_CHECK_INTERVAL * 2 ** min(exponent, 32)
    return timedelta(seconds=min(seconds, settings.TRACK_BACKOFF_MAX))


def next_check_after_failure(now: datetime, consecutive_failures: int) -> datetime:
    return now + backoff_delay(consecutive_failures)


def claim_until(now: datetime) -> datetime:
    """A swept article is not swept again before this; if its task is lost, the next sweep retries it."""
    return now + timedelta(seconds=settings.TRACK_CLAIM_SECONDS)
