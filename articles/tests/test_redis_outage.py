"""Redis down: pages, feeds and the API keep serving; checks are put back, not failed; all resumes by
itself. Runs a private redis-server that the tests stop and start (the shared one stays untouched)."""

import contextlib
import shutil
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from celery import Celery
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
from bench.processes import PrivateRedis, Stack, wait_for

pytestmark = [
    pytest.mark.once,
    pytest.mark.django_db,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    server = PrivateRedis(real_clock_environment())
    server.start()
    yield server
    server.kill()


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

    redis_cache.kill()
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
    private_redis.kill()

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
    sender = Celery(broker=private_redis.url, set_as_current=False)
    with Stack(tmp_path, env) as stack, contextlib.closing(sender):
        worker = stack.worker("worker", "prefork", "INFO", concurrency=1, wait=True)
        log = stack.log_path("worker")
        sender.send_task("articles.tasks.check_article", args=[first.pk])
        wait_for(lambda: any(path == "/first" for path, _ in local_site.requests), "the first fetch", 60, log)
        private_redis.kill()  # the check of ``first`` is under way, unacknowledged (acks_late)

        time.sleep(3)
        assert worker.poll() is None, stack.log("worker")[-3000:]  # kombu's close-time fault killed it before
        wait_for(lambda: Article.objects.get(pk=first.pk).version_count == 1, "the check under way", 60, log)

        private_redis.start()
        sender.send_task("articles.tasks.check_article", args=[second.pk])
        wait_for(
            lambda: Article.objects.get(pk=second.pk).version_count == 1,
            "a check after Redis is back",
            60,
            log,
        )
        assert worker.poll() is None


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
