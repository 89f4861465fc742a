from datetime import UTC, datetime, timedelta

from django.test import override_settings

from articles import scheduling

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@override_settings(TRACK_CHECK_INTERVAL=900)
def test_success_waits_one_interval() -> None:
    assert scheduling.next_check_after_success(NOW) == NOW + timedelta(minutes=15)


@override_settings(TRACK_CHECK_INTERVAL=900, TRACK_BACKOFF_MAX=3600)
def test_failures_back_off_exponentially_up_to_the_cap() -> None:
    delays = [scheduling.backoff_delay(n) for n in range(1, 6)]
    assert delays == [timedelta(seconds=s) for s in (900, 1800, 3600, 3600, 3600)]
    assert scheduling.backoff_delay(10_000) == timedelta(hours=1)


@override_settings(TRACK_CLAIM_SECONDS=600)
def test_a_claim_lasts_its_lease() -> None:
    assert scheduling.claim_until(NOW) == NOW + timedelta(minutes=10)
