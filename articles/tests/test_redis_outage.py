"""Redis down: pages, feeds and the API keep serving; checks are put back, not failed; all resumes by
itself. Runs a private redis-server that the tests stop and start (the shared one stays untouched)."""

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from articles import politeness
from articles.checking import check_article
from articles.models import Article, Source
from articles.tests.support import LocalSite, add_version, article_html

pytestmark = [
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
def redis_cache(settings, private_redis: PrivateRedis) -> PrivateRedis:  # type: ignore[no-untyped-def]
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

    outcome = check_article(article)

    article.refresh_from_db()
    assert outcome.kind == "deferred"
    assert "unavailable" in outcome.reason
    assert article.consecutive_failures == 0
    assert article.last_error == ""
    assert article.status == Article.Status.ACTIVE
    wait = article.next_check_at - timezone.now()
    assert timedelta(seconds=40) < wait < timedelta(seconds=80)
    assert article.version_count == 0
    assert local_site.requests == []  # nothing fetched unthrottled

    private_redis.start()
    assert check_article(article).kind == "new_version"
