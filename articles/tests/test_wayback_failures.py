"""Wayback saves that fail: errors retried with a doubling wait until the save fails, 429s waited out by
every worker, a capture that takes too long, an unreachable SPN; and the address guard, which refuses an SPN
outside the allowed networks without connecting."""

from datetime import timedelta

import pytest
from django.utils import timezone
from pytest_django import Settings

from articles import tasks, wayback
from articles.models import Version
from articles.notifying import guard
from articles.tests.support import RecordingResolver
from articles.tests.wayback_support import Answer, SaveServer, asked_version, due_within, step, time_passes

pytestmark = pytest.mark.usefixtures("_no_rate_limit_left_over")


# --- failures -----------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("where", ["save", "status"])
def test_an_spn_error_is_retried_with_a_doubling_wait_then_the_save_fails(
    spn: SaveServer, settings: Settings, where: str
) -> None:
    settings.WAYBACK_MAX_ATTEMPTS = 3
    error = {"status": "error", "status_ext": "error:service-unavailable", "message": "Try again later."}
    version = asked_version()
    for attempt, wait in ((1, 60), (2, 120), (3, None)):
        if where == "save":
            spn.saves.append(Answer(body=error))
        else:
            spn.statuses[f"spn2-{attempt}"] = [Answer(body={**error, "job_id": f"spn2-{attempt}"})]
            step(version)  # the capture is taken; its status, looked at later, is the error
            time_passes(version)
        started = timezone.now()
        step(version)
        assert version.wayback_attempts == attempt
        assert version.wayback_error.endswith("error:service-unavailable Try again later.")
        if wait is not None:
            assert version.wayback_status == Version.Wayback.PENDING
            assert due_within(version, started, timezone.now(), wait)
            time_passes(version)
    assert version.wayback_status == Version.Wayback.FAILED
    assert len(spn.posts()) == 3
    assert tasks.save_to_wayback.apply(args=(version.pk,)).get() == "not due, or done elsewhere"
    assert len(spn.posts()) == 3


@pytest.mark.django_db
def test_a_429_is_waited_out_by_every_worker(spn: SaveServer) -> None:
    spn.saves.append(
        Answer(
            429, {"message": "You have already reached the limit of active sessions."}, {"Retry-After": "600"}
        )
    )
    version, other = asked_version(), asked_version("http://127.0.0.1/other")
    started = timezone.now()
    step(version)
    assert (version.wayback_status, version.wayback_attempts) == (Version.Wayback.PENDING, 1)
    assert version.wayback_error.startswith("HTTP 429: too many captures asked for: You have already")
    assert due_within(version, started, timezone.now(), 600)  # SPN's wait, longer than the 60 s backoff
    # Another save finds no turn for ten minutes, and asks for nothing meanwhile.
    step(other)
    assert (other.wayback_status, other.wayback_attempts) == (Version.Wayback.PENDING, 0)
    assert other.wayback_due_at is not None
    assert timedelta(seconds=590) < other.wayback_due_at - started <= timedelta(seconds=601)
    assert len(spn.posts()) == 1


@pytest.mark.django_db
def test_a_capture_that_takes_too_long_counts_as_a_failed_attempt(
    spn: SaveServer, settings: Settings
) -> None:
    settings.WAYBACK_POLL_TIMEOUT = 600
    version = step(asked_version())
    Version.objects.filter(pk=version.pk).update(wayback_submitted_at=timezone.now() - timedelta(seconds=601))
    time_passes(version)
    step(version)
    assert (version.wayback_status, version.wayback_attempts) == (Version.Wayback.PENDING, 1)
    assert version.wayback_error == "the capture took longer than 600 s"


@pytest.mark.django_db
def test_an_unreachable_spn_is_retried_like_an_error(spn: SaveServer, settings: Settings) -> None:
    version = asked_version()
    spn.close()  # nothing answers there any more
    step(version)
    assert (version.wayback_status, version.wayback_attempts) == (Version.Wayback.PENDING, 1)
    assert "ConnectError" in version.wayback_error


# --- the address guard ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_spn_outside_the_allowed_networks_is_refused_without_connecting(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """127.0.0.2 is kept out of FETCH_ALLOWED_NETWORKS (127.0.0.1/32) by the tests: a save there fails at
    once, for good, and the stand-in there never hears of it; so does a name that resolves to 10.0.0.1,
    judged without a connection; and the connect itself is judged too (the hook), should a name resolve
    elsewhere the second time."""
    other = SaveServer("127.0.0.2")
    try:
        settings.WAYBACK_SAVE, settings.WAYBACK_URL = True, other.base
        version = step(asked_version())
        assert (version.wayback_status, version.wayback_attempts) == (Version.Wayback.FAILED, 1)
        assert version.wayback_error == "refused: 127.0.0.2 is non-public address 127.0.0.2"

        resolver = RecordingResolver({"spn.example": ["10.0.0.1"]})
        monkeypatch.setattr(wayback, "resolve", resolver)
        settings.WAYBACK_URL = "https://spn.example"
        named = step(asked_version("http://127.0.0.1/named"))
        assert named.wayback_error == "refused: spn.example resolves to non-public address 10.0.0.1"
        assert resolver.asked == ["spn.example"]

        # Past the first judgement (a DNS answer that changes), the connect to 127.0.0.2 is refused.
        monkeypatch.setattr(wayback, "checked_address", lambda *args: "127.0.0.1")
        settings.WAYBACK_URL = other.base
        hooked = step(asked_version("http://127.0.0.1/hooked"))
        assert hooked.wayback_status == Version.Wayback.FAILED
        assert hooked.wayback_error.startswith("refused: 127.0.0.2 is a non-public address ConnectError")
        assert other.requests == []
    finally:
        other.close()
    assert guard.refusal(("127.0.0.2", other.port), ["127.0.0.1/32"]) is not None
