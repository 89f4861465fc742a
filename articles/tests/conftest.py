import os
import socket
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from pytest_django import Settings

from articles import fetching, robots
from articles.tests.support import Behaviour, LocalSite, RawServer

DATABASE_FIXTURES = {"db", "transactional_db", "_django_db_helper", "live_server"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the second database, leave out what would only repeat the first: tests that never touch the
    database, and those marked ``once`` (browser, real workers and outages, fuzzing, the newsroom)."""
    if not config.getoption("--database-pass"):
        return
    kept: list[pytest.Item] = []
    left: list[pytest.Item] = []
    for item in items:
        fixtures = set(item.fixturenames) if isinstance(item, pytest.Function) else set()
        uses_database = item.get_closest_marker("django_db") or DATABASE_FIXTURES & fixtures
        (kept if uses_database and not item.get_closest_marker("once") else left).append(item)
    config.hook.pytest_deselected(items=left)
    items[:] = kept


@pytest.fixture(autouse=True, scope="session")
def _a_redis_database_per_test_process() -> None:
    """Under pytest-xdist each test process gets a Redis database of its own (15, 14, …), as pytest-django
    gives each a database of its own: a task that one process's test leaves in the broker must never reach
    another's worker, which would run it against the wrong database."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not django_settings.REDIS_URL or not worker.startswith("gw"):
        return
    from newsdiffs.celery import app

    base, _, number = django_settings.REDIS_URL.rpartition("/")
    own = f"{base}/{(int(number or 0) - int(worker[2:])) % 16}"
    django_settings.REDIS_URL = django_settings.CELERY_BROKER_URL = own
    app.conf.broker_url = own  # type: ignore[misc]  # read-only in celery-types; Celery's conf takes it


@pytest.fixture
def celery_worker() -> Iterator[None]:
    """A real Celery worker, in a thread of this process, on the broker (this process's Redis database)."""
    from celery.contrib.testing.worker import start_worker

    from newsdiffs.celery import app

    app.control.purge()  # tasks left in the broker by an earlier run must not run against this database
    with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, loglevel="WARNING"):
        yield


@pytest.fixture(autouse=True)
def _no_wait_for_first_checks(settings: Settings) -> None:
    """Tracking waits for the first check to say how it went; most tests run no worker to make one."""
    settings.TRACK_WAIT_SECONDS = 0


@pytest.fixture(autouse=True)
def _quick_password_hashing(settings: Settings) -> None:
    """A million PBKDF2 rounds cost half a second a user; the tests are not about the hash's strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _serving(site: LocalSite) -> Iterator[LocalSite]:
    site.thread.start()
    yield site
    site.server.shutdown()
    site.server.server_close()


@pytest.fixture
def local_site() -> Iterator[LocalSite]:
    yield from _serving(LocalSite())


@pytest.fixture
def other_site() -> Iterator[LocalSite]:
    """A second local site on 127.0.0.2, which tests keep out of FETCH_ALLOWED_NETWORKS (127.0.0.1/32)."""
    yield from _serving(LocalSite("127.0.0.2"))


@pytest.fixture
def raw_server() -> Iterator[Callable[[Behaviour], RawServer]]:
    """Raw TCP servers on 127.0.0.1 for what an HTTP server will not do (stall, trickle, lie)."""
    servers: list[RawServer] = []

    def start(behaviour: Behaviour) -> RawServer:
        servers.append(RawServer(behaviour))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


LOCAL_NAMES = ("localhost", "127.0.0.1", "::1")


def _is_local(address: object) -> bool:
    if isinstance(address, str | bytes):  # a Unix socket path
        return True
    host = str(address[0]) if isinstance(address, tuple) else ""
    return host.startswith("127.") or host in LOCAL_NAMES


@pytest.fixture(autouse=True, scope="session")
def _no_network_beyond_loopback() -> Iterator[None]:
    """Fail any test that would send a packet, DNS query included, anywhere but 127.0.0.0/8."""
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> None:
        if not _is_local(address):
            raise OSError(f"test tried to connect to {address!r}: only 127.0.0.0/8 is allowed")
        return real_connect(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if host is not None and not _is_local((host,)):
            raise OSError(f"test tried to resolve {host!r}: only local names are allowed")
        return real_getaddrinfo(host, *args, **kwargs)

    # Patched on the class on purpose; typeshed's connect takes _socket.socket, the base, as self.
    socket.socket.connect = connect  # type: ignore[method-assign, assignment]
    socket.getaddrinfo = getaddrinfo
    yield
    socket.socket.connect = real_connect  # type: ignore[method-assign]  # put back, as patched above
    socket.getaddrinfo = real_getaddrinfo


@pytest.fixture(autouse=True)
def _fetch_from_loopback_only(settings: Settings) -> None:
    """Tests fetch from their own site on 127.0.0.1; everything else stays refused."""
    settings.FETCH_ALLOWED_NETWORKS = ["127.0.0.1/32"]


@pytest.fixture(autouse=True)
def _fresh_cache(settings: Settings) -> None:
    """Each test starts with an empty cache: no totals, diffs or API throttle counts from another test."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": str(uuid.uuid4())}
    }
    robots._local.clear()


@pytest.fixture(autouse=True)
def _no_connection_kept_between_tests() -> Iterator[None]:
    """Each test's sites are its own: no kept-alive connection outlives the test that opened it."""
    yield
    fetching.close_clients()


@pytest.fixture(autouse=True)
def _no_politeness_delay(settings: Settings) -> None:
    """Tests hit their own local site back to back; test_politeness.py turns the limits on itself."""
    settings.POLITE_HOST_DELAY = 0
    settings.POLITE_HOST_CONCURRENCY = 1000


@pytest.fixture(autouse=True)
def _exact_schedule(settings: Settings) -> None:
    """Tests assert exact check times; test_scheduling.py tests the jitter itself."""
    settings.TRACK_JITTER = 0


@pytest.fixture(autouse=True)
def _no_proxy_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A proxy set on the test machine must not carry the local sites' requests; proxy tests set their own."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)
