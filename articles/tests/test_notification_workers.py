"""Exactly one notification per version and rule with real Celery workers on the configured broker (Redis in
`make test`): a task delivered twice at once, and a worker SIGKILLed while its receiver holds the send open.
"""

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.db import connection
from kombu import Connection

from articles.models import Article, Delivery, NotificationRule, Source, Version
from articles.tasks import queue_now, send_delivery
from articles.tests.support import Receiver, add_version, pause, worker_environment
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


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 30, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(
                f"timed out waiting for {what}" + (f":\n{log.read_text()[-3000:]}" if log else "")
            )
        time.sleep(0.05)


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
    celery = str(Path(sys.executable).with_name("celery"))
    command = [celery, "-A", "newsdiffs", "worker", "--pool", "solo", "--loglevel", "INFO",
               "--without-gossip", "--without-mingle", "--without-heartbeat"]  # fmt: skip
    app.control.purge()

    def worker(log: Path) -> subprocess.Popen[bytes]:
        with log.open("wb") as out:
            process = subprocess.Popen(
                command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=settings.BASE_DIR
            )
        wait_for(lambda: b"ready." in log.read_bytes(), "the worker to start", log=log)
        return process

    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    first = worker(first_log)
    second = None
    try:
        send_delivery.delay(delivery_id)
        wait_for(lambda: len(receiver.received) == 1, "the send to reach the receiver", log=first_log)
        assert Delivery.objects.get(pk=delivery_id).status == Delivery.Status.SENDING
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
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
        second = worker(second_log)
        wait_for(
            lambda: Delivery.objects.get(pk=delivery_id).status == Delivery.Status.INTERRUPTED,
            "the redelivered task", log=second_log,
        )  # fmt: skip
        wait_for(lambda: b"succeeded" in second_log.read_bytes(), "the task's end", log=second_log)
        assert "'interrupted'" in second_log.read_text()
        time.sleep(0.5)
        assert len(receiver.received) == 1
        delivery = Delivery.objects.get(pk=delivery_id)
        assert delivery.attempts == 1
        assert "stopped mid-send" in delivery.last_error
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
