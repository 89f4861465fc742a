"""Redis down: pages, feeds and the API keep serving; checks are put back, not failed; all resumes by
itself. Runs a private redis-server that the tests stop and start (the shared one stays untouched)."""

import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from celery import Celery
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone
from pytest_django import Settings

from articles import politeness
from articles.checking import run_check
from articles.models import Article, Source
from articles.tests.support import (
    LocalSite,
    add_version,
    article_html,
    real_clock_environment,
    worker_environment,
)

pytestmark = [
    pytest.mark.once,
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]


class PrivateRedis:
    """A redis-server of our own on a free port, which a test can take down and bring back."""

    def __init__(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ("redis-server --bind 127.0.0.1 --save '' --appendonly no --port " + str(self.port)).split(),
            stdout=subprocess.DEVNULL,
            env=real_clock_environment(),
        )
        deadline = time.monotonic() + 10
        while True:
            try:
                redis.Redis(port=self.port).ping()
                return
            except redis.ConnectionError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

    def stop(self) -> None:
        assert self.process is not None
        self.process.kill()  # as a crash would: no goodbye to the clients
        self.process.wait()


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis()
    server.start()
    yield server
    if server.process and server.process.poll() is None:
        server.stop()


@pytest.fixture
def redis_cache(settings: Settings, private_redis: PrivateRedis) -> PrivateRedis:
    settings.CACHES = {
        "default": {
            "BACKEND": "newsdiffs.cache.ResilientRedisCache",
            "LOCATION": private_redis.url,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
        }
    }
    return private_redis


@pytest.fixture
def article() -> Article:
    source = Source.objects.create(name="Daily", slug="daily", homepage="http://127.0.0.1/")
    article = Article.objects.create(url="http://127.0.0.1/story", source=source)
    add_version(article, 0, "Mayor opens bridge", ["It opened on Tuesday."])
    add_version(article, 1, "Mayor opens bridge", ["It opened on Monday."])
    return article


def pages(article: Article) -> list[str]:
    pk = article.pk
    return [
        "/",
        "/sources/",
        "/sources/daily/",
        f"/articles/{pk}/",
        f"/articles/{pk}/versions/1/",
        f"/articles/{pk}/diff/0/1/",
        f"/articles/{pk}/feed.rss",
        "/feeds/changes.atom",
        "/search/?q=bridge",
        "/api/v1/articles/",
        f"/api/v1/articles/{pk}/versions/",
        f"/api/v1/articles/{pk}/diff/0/1/",
        "/healthz/",
    ]


def test_pages_feeds_and_api_are_served_while_redis_is_down(
    client: Client, article: Article, redis_cache: PrivateRedis
) -> None:
    for path in pages(article):
        assert client.get(path).status_code == 200, path
    assert cache.get("home-totals") is not None  # the cache really was Redis, and in use

    redis_cache.stop()
    for path in pages(article):
        started = time.monotonic()
        response = client.get(path)
        assert response.status_code == 200, (path, response.content[:300])
        assert time.monotonic() - started < 2.0, path  # refused at once, not hung on the dead server
    assert cache.get("home-totals") is None

    redis_cache.start()  # empty, as a restarted Redis without persistence is; nothing to reconfigure
    assert client.get("/").status_code == 200
    assert cache.get("home-totals") is not None


def test_a_check_while_redis_is_down_is_put_back_not_failed(
    local_site: LocalSite, private_redis: PrivateRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(politeness, "gate", lambda: politeness.RedisGate(private_redis.url))
    url = local_site.serve("/story", article_html("Mayor opens bridge", ["It opened on Tuesday."]))
    article = Article.objects.create(url=url, next_check_at=timezone.now())
    private_redis.stop()

    outcome = run_check(article)

    article.refresh_from_db()
    assert outcome.kind == "deferred"
    assert "unavailable" in outcome.reason
    assert article.consecutive_failures == 0
    assert article.last_error == ""
    assert article.status == Article.Status.ACTIVE
    assert article.next_check_at is not None
    wait = article.next_check_at - timezone.now()
    assert timedelta(seconds=40) < wait < timedelta(seconds=80)
    assert article.version_count == 0
    assert local_site.requests == []  # nothing fetched unthrottled

    private_redis.start()
    assert run_check(article).kind == "new_version"


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the worker process shares the Postgres test database"
)
@pytest.mark.django_db(transaction=True)
def test_a_worker_survives_redis_dying_mid_check_and_resumes(
    local_site: LocalSite, private_redis: PrivateRedis, tmp_path: Path
) -> None:
    # Each page answers after 2 s, so the check is surely under way when Redis dies.
    story = article_html("Council meets", ["The council met on Tuesday."])
    first = Article.objects.create(url=local_site.serve("/first", story, delay=2))
    second = Article.objects.create(url=local_site.serve("/second", story, delay=2))
    env = worker_environment(private_redis.url, tmp_path, POLITE_HOST_DELAY="0", LOG_LEVEL="INFO")
    log = tmp_path / "worker.log"
    celery = str(Path(sys.executable).with_name("celery"))
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [celery, "-A", "newsdiffs", "worker", "--pool", "prefork", "--concurrency", "1",
             "--loglevel", "INFO", "--without-gossip", "--without-mingle", "--without-heartbeat"],
            env=env, stdout=out, stderr=subprocess.STDOUT, cwd=settings.BASE_DIR,
        )  # fmt: skip
    sender = Celery(broker=private_redis.url, set_as_current=False)
    try:
        wait_until(lambda: b"ready." in log.read_bytes(), "the worker to start", log)
        sender.send_task("articles.tasks.check_article", args=[first.pk])
        wait_until(lambda: any(path == "/first" for path, _ in local_site.requests), "the first fetch", log)
        private_redis.stop()  # the check of ``first`` is under way, unacknowledged (acks_late)

        time.sleep(3)
        assert worker.poll() is None, log.read_text()[-3000:]  # kombu's close-time fault killed it before
        wait_until(lambda: Article.objects.get(pk=first.pk).version_count == 1, "the check under way", log)

        private_redis.start()
        sender.send_task("articles.tasks.check_article", args=[second.pk])
        wait_until(
            lambda: Article.objects.get(pk=second.pk).version_count == 1, "a check after Redis is back", log
        )
        assert worker.poll() is None
    finally:
        sender.close()
        worker.terminate()
        worker.wait(timeout=30)


def wait_until(condition: Callable[[], bool], what: str, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}:\n{log.read_text()[-3000:]}"
        time.sleep(0.1)


def test_a_broker_channel_on_a_closed_connection_raises_the_error_the_worker_expects(
    private_redis: PrivateRedis,
) -> None:
    """kombu tears the transport down, then a channel's close still wants a Redis client to put back the
    worker's unacknowledged messages: stock kombu raises AttributeError there, which kills the worker;
    ours raises a connection error, which the worker's close ignores and its reconnect loop handles."""
    from kombu import Connection

    with Connection(private_redis.url, transport="newsdiffs.broker:Transport") as broker:
        queue = broker.SimpleQueue("newsdiffs-test")
        queue.put({"check": 1})
        queue.get(timeout=5)  # delivered and not acknowledged, as a check under way with acks_late
        errors = broker.connection_errors
        broker.transport.client = None  # what kombu's connection close leaves behind
        # A Redis channel; the stubs know the channel only as kombu's abstract StdChannel.
        queue.channel._pool = None  # type: ignore[attr-defined]
        with pytest.raises(errors):
            queue.channel.close()  # type: ignore[attr-defined]
