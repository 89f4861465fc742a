"""Failures and retries: a failing receiver retried with a doubling wait (up to its cap) until the delivery
fails, a retry to the failed targets only, each target reached on record at once, a claimed delivery sent
by its claimer only, and the sweep of dead sends and lost tasks.

Real workers (a duplicate task, a worker killed mid-send) are in test_notification_workers.py."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from pytest_django import Settings

from articles import tasks
from articles.models import Delivery, Version
from articles.notifying import deliveries, targets
from articles.tests.notifications_support import delivery_of, rule_for
from articles.tests.support import Receiver, wait_for
from bench.processes import free_port

# --- failures and retries -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_failing_receiver_is_retried_with_a_doubling_wait_then_the_delivery_fails(
    receiver: Receiver, edited: Version, settings: Settings
) -> None:
    settings.NOTIFY_RETRY_DELAY, settings.NOTIFY_MAX_ATTEMPTS = 60, 3
    receiver.status = 500
    rule_for(receiver)
    delivery = delivery_of(edited)

    for attempt, wait in ((1, 60), (2, 120), (3, None)):
        started = timezone.now()
        tasks.send_delivery.apply(args=(delivery.pk,))  # its retry runs at once too, and finds it not due
        finished = timezone.now()
        delivery.refresh_from_db()
        assert delivery.attempts == attempt
        assert len(receiver.received) == attempt
        assert "HTTP 500" in delivery.last_error
        if wait is not None:
            assert delivery.status == Delivery.Status.RETRYING
            due = timedelta(seconds=wait)
            assert started + due <= delivery.next_attempt_at <= finished + due
            Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())  # time passes
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.last_error.startswith(f"webhook http://127.0.0.1:{receiver.port}/hook: HTTP 500")
    assert tasks.send_delivery(delivery.pk) == "not due, or sent elsewhere"
    assert len(receiver.received) == 3


@pytest.mark.django_db
def test_a_refused_port_is_recorded_and_retried_until_failed(edited: Version, settings: Settings) -> None:
    settings.NOTIFY_RETRY_DELAY, settings.NOTIFY_MAX_ATTEMPTS = 0, 3
    port = free_port()  # nothing listens there
    rule_for(targets=f"json://127.0.0.1:{port}/x", webhook_url=f"http://127.0.0.1:{port}/hook")
    delivery = delivery_of(edited)
    tasks.send_delivery.apply(args=(delivery.pk,))  # with no wait, the retries run one after the other
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, 3)
    assert "Connection error" in delivery.last_error
    assert "Connection refused" in delivery.last_error
    assert f"webhook http://127.0.0.1:{port}/hook: ConnectError" in delivery.last_error


@pytest.mark.django_db
def test_a_retry_sends_only_to_the_targets_that_failed(edited: Version, settings: Settings) -> None:
    settings.NOTIFY_RETRY_DELAY = 60
    working, failing = Receiver(), Receiver(status=503)
    try:
        rule_for(targets=working.url("/a", scheme="json"), webhook_url=failing.url("/hook"))
        delivery = delivery_of(edited)
        tasks.send_delivery.apply(args=(delivery.pk,))
        delivery.refresh_from_db()
        assert delivery.status == Delivery.Status.RETRYING  # the retry came too soon to claim it
        failing.status = 200
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        assert tasks.send_delivery.apply(args=(delivery.pk,)).get() == "sent"
        assert (len(working.received), len(failing.received)) == (1, 2)
    finally:
        working.close()
        failing.close()


@pytest.mark.django_db(transaction=True)
def test_each_target_reached_is_on_record_at_once(receiver: Receiver, edited: Version) -> None:
    """A worker that dies while sending to its rule's second target leaves the first on record: sending
    the delivery again goes to the second only."""
    chat = Receiver()
    try:
        rule_for(receiver, targets=chat.url("/chat", scheme="json"))
        delivery = delivery_of(edited)
        receiver.hold = threading.Event()  # the webhook, sent after the Apprise URLs, is held

        def send() -> None:
            try:
                tasks.send_delivery(delivery.pk)
            finally:
                connection.close()

        sender = threading.Thread(target=send)
        sender.start()
        wait_for(lambda: receiver.received, "the webhook to be sent", timeout=10)
        under_way = Delivery.objects.get(pk=delivery.pk)
        chat_key = targets.target_key(chat.url("/chat", scheme="json"))
        assert (under_way.status, under_way.done_targets) == (Delivery.Status.SENDING, [chat_key])
        receiver.hold.set()
        sender.join(timeout=10)
        delivery.refresh_from_db()
        assert delivery.status == Delivery.Status.SENT
        assert delivery.done_targets == sorted([chat_key, "webhook"])
    finally:
        chat.close()


@pytest.mark.django_db
def test_a_claimed_delivery_is_sent_by_its_claimer_only(
    receiver: Receiver, edited: Version, settings: Settings
) -> None:
    """A second task for a delivery being sent does nothing; once the claim is older than any send can be,
    its worker died mid-send: the delivery is interrupted, not sent again."""
    settings.NOTIFY_SEND_LEASE = 60
    rule_for(receiver)
    delivery = delivery_of(edited)
    assert Delivery.objects.claim(delivery.pk, timezone.now())  # a worker is sending it
    assert tasks.send_delivery(delivery.pk) == "not due, or sent elsewhere"
    Delivery.objects.filter(pk=delivery.pk).update(claimed_at=timezone.now() - timedelta(seconds=61))
    assert tasks.send_delivery(delivery.pk) == "interrupted"
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.INTERRUPTED
    assert "stopped mid-send" in delivery.last_error
    assert receiver.received == []

    assert delivery.send_again(timezone.now())  # staff: it did not arrive
    assert tasks.send_delivery(delivery.pk) == "sent"
    assert len(receiver.received) == 1


@pytest.mark.django_db
def test_the_sweep_interrupts_dead_sends_and_requeues_lost_tasks(
    edited: Version, settings: Settings, no_broker: list[tuple[str, int]]
) -> None:
    settings.NOTIFY_SEND_LEASE, settings.NOTIFY_SWEEP_GRACE = 60, 120
    rule_for(targets="json://127.0.0.1:9/")
    first = delivery_of(edited)
    other_rule = rule_for(name="other", targets="json://127.0.0.1:9/")
    second = Delivery.objects.create(rule=other_rule, version=edited)
    long_ago = timezone.now() - timedelta(minutes=10)
    Delivery.objects.filter(pk=first.pk).update(status=Delivery.Status.SENDING, claimed_at=long_ago)
    Delivery.objects.filter(pk=second.pk).update(next_attempt_at=long_ago)
    assert tasks.sweep_deliveries() == "1 interrupted, 1 queued again"
    assert Delivery.objects.get(pk=first.pk).status == Delivery.Status.INTERRUPTED
    assert no_broker == [("send_delivery", second.pk)]


def test_the_retry_wait_doubles_up_to_its_cap(settings: Settings) -> None:
    settings.NOTIFY_RETRY_DELAY, settings.NOTIFY_RETRY_MAX_DELAY = 60, 300
    assert [deliveries.retry_delay(n) for n in range(1, 6)] == [60, 120, 240, 300, 300]
