"""Exactly one notification per version and rule with real Celery workers on the configured broker (Redis in
`make test`): a task delivered twice at once, and a worker SIGKILLed while its receiver holds the send open.
"""

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection
from kombu import Connection

from articles.models import Article, Delivery, NotificationRule, Source, Version
from articles.tasks import queue_now, send_delivery
from articles.tests.support import Receiver, add_version, pause, worker_environment
from bench.processes import Stack, wait_for
from newsdiffs.celery import app

# The subject is the worker on the broker, not the database: the Postgres pass runs it.
pytestmark = [pytest.mark.once, pytest.mark.skipif(not settings.REDIS_URL, reason="needs Redis (REDIS_URL)")]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def edited_with_a_rule(receiver: Receiver) -> tuple[Version, NotificationRule]:
    source = Source.objects.create(name="Daily", slug="daily")
    article = Article.objects.create(url="http://127.0.0.1/story", source=source)
    add_version(article, 0, "Council approves plan", ["Vote on Tuesday."])
    version = add_version(article, 1, "Council rejects plan", ["Vote on Tuesday."])
    rule = NotificationRule.objects.create(name="desk", webhook_url=receiver.url("/hook"), source=source)
    return version, rule


@pytest.fixture
def two_threads() -> Iterator[None]:
    """A worker in this process running two tasks at a time, as two pool processes would."""
    app.control.purge()  # tasks left in the broker by an earlier run must not run against this database
    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, loglevel="WARNING"):
        yield


@pytest.mark.django_db(transaction=True)
def test_a_task_delivered_twice_at_once_sends_one_notification(receiver: Receiver, two_threads: None) -> None:
    version, _rule = edited_with_a_rule(receiver)
    hold = receiver.hold = threading.Event()  # the first send stays under way while the duplicate runs
    # Set a second later by a thread that sleeps (a threading.Timer's timed wait never wakes under
    # libfaketime, and the test process would wait for it at exit).

    def let_go() -> None:
        pause(threading.Event(), 1.0)
        hold.set()

    threading.Thread(target=let_go, daemon=True).start()

    ids = Delivery.objects.create_for(version)
    assert Delivery.objects.create_for(version) == ids  # made again: the same one
    queue_now(send_delivery, ids, "deliveries")
    queue_now(send_delivery, ids, "deliveries")  # the same task twice, at once (two pool threads)
    wait_for(lambda: Delivery.objects.filter(status=Delivery.Status.SENT).exists(), "the send")
    delivery = Delivery.objects.get()
    for _ in range(2):  # and twice more, late
        send_delivery.delay(delivery.pk)
    time.sleep(1.5)

    assert len(receiver.received) == 1
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.SENT, 1)
    assert Delivery.objects.count() == 1


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the worker process shares the Postgres test database"
)
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_send_never_sends_it_again(receiver: Receiver, tmp_path: Path) -> None:
    """SIGKILL while the receiver holds the request open: the task is unacknowledged (acks_late) and comes
    back to the next worker, which finds the delivery still claimed by the dead one, long enough ago that
    no send can be under way: it marks it interrupted and sends nothing."""
    version, _rule = edited_with_a_rule(receiver)
    [delivery_id] = Delivery.objects.create_for(version)
    receiver.hold = threading.Event()
    env = worker_environment(
        settings.REDIS_URL,
        tmp_path,
        NOTIFY_SEND_LEASE="2",  # a claim older than this had its worker die
        NOTIFY_TIMEOUT="60",  # the held request does not time out first
        LOG_LEVEL="INFO",
    )
    app.control.purge()

    with Stack(tmp_path, env) as workers:
        workers.worker("first", "solo", "INFO", wait=True)
        send_delivery.delay(delivery_id)
        wait_for(
            lambda: len(receiver.received) == 1,
            "the send to reach the receiver",
            log=workers.log_path("first"),
        )
        assert Delivery.objects.get(pk=delivery_id).status == Delivery.Status.SENDING
        workers.kill("first")
        receiver.hold.set()

        # What kombu does for a task whose worker vanished: once unacknowledged for longer than the
        # visibility timeout (shortened here from 15 minutes), it goes back on its queue.
        time.sleep(1.5)
        broker_options = {"visibility_timeout": 1}
        with Connection(
            settings.CELERY_BROKER_URL,
            transport=settings.CELERY_BROKER_TRANSPORT,
            transport_options=broker_options,
        ) as broker:
            broker.default_channel.qos.restore_visible(num=100)  # type: ignore[attr-defined]
        workers.worker("second", "solo", "INFO", wait=True)
        wait_for(
            lambda: Delivery.objects.get(pk=delivery_id).status == Delivery.Status.INTERRUPTED,
            "the redelivered task", log=workers.log_path("second"),
        )  # fmt: skip
        wait_for(
            lambda: "succeeded" in workers.log("second"), "the task's end", log=workers.log_path("second")
        )
        assert "'interrupted'" in workers.log("second")
        time.sleep(0.5)
        assert len(receiver.received) == 1
        delivery = Delivery.objects.get(pk=delivery_id)
        assert delivery.attempts == 1
        assert "stopped mid-send" in delivery.last_error
