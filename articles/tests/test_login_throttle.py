"""Login throttling (django-axes, newsdiffs/logins.py): after LOGIN_FAILURE_LIMIT wrong passwords for one
username from one address, that username is refused from that address for LOGIN_COOLOFF_SECONDS, right
password included; other users and other addresses log in as before. On Redis (REDIS_URL) and on the file
cache of a local install."""

import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import User
from django.test import Client

from articles.tests.test_settings import manage

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-password-for-tests-0123"
LOGIN = f"/{django_settings.ADMIN_PATH}login/"
ADDRESS = "198.51.100.7"


@pytest.fixture(params=["redis", "file"])
def login_cache(request: pytest.FixtureRequest, settings: Any, tmp_path: Path) -> str:
    """The cache failures are counted in: the app's Redis cache, or a local install's file cache."""
    if request.param == "redis":
        if not settings.REDIS_URL:
            pytest.skip("REDIS_URL is not set")
        settings.CACHES = {
            "default": {
                "BACKEND": "newsdiffs.cache.ResilientRedisCache",
                "LOCATION": settings.REDIS_URL,
                "KEY_PREFIX": uuid.uuid4().hex,  # this test's counts only
                "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 1.0},
            }
        }
    else:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": str(tmp_path / "cache"),
            }
        }
    backend: str = request.param
    return backend


@pytest.fixture
def users() -> None:
    User.objects.create_superuser("editor", "editor@example.org", PASSWORD)
    User.objects.create_superuser("other", "other@example.org", PASSWORD)


def log_in(client: Client, username: str, password: str) -> "_MonkeyPatchedWSGIResponse":
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"})


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def fail(client: Client, username: str, times: int) -> None:
    """``times`` wrong passwords, each answered by the login form again (not yet locked out)."""
    for _ in range(times):
        response = log_in(client, username, "wrong")
        assert response.status_code == 200
        assert b"Please enter the correct username and password" in response.content


def test_the_limit_and_cool_off_are_settings_with_safe_defaults(tmp_path: Path) -> None:
    show = "from django.conf import settings as s; print(s.AXES_FAILURE_LIMIT, s.AXES_COOLOFF_TIME.seconds)"
    assert manage(tmp_path, "shell", "-v", "0", "-c", show).stdout.split() == ["5", "900"]
    changed = manage(
        tmp_path, "shell", "-v", "0", "-c", show, LOGIN_FAILURE_LIMIT="3", LOGIN_COOLOFF_SECONDS="60"
    )
    assert changed.stdout.split() == ["3", "60"]


def test_too_many_wrong_passwords_lock_the_username_out_even_with_the_right_one(
    login_cache: str, users: None, settings: Any
) -> None:
    limit = settings.AXES_FAILURE_LIMIT
    client = Client(REMOTE_ADDR=ADDRESS)
    fail(client, "editor", limit - 1)
    for password in ("wrong", "wrong", PASSWORD):  # the limit-th failure, one more, then the right one
        response = log_in(client, "editor", password)
        assert response.status_code == 429
        assert response["Retry-After"] == "900"
        assert b"Too many failed logins" in response.content
        assert b"Try again in 15 minutes" in response.content
    assert not signed_in(client)


def test_a_lockout_stops_no_one_else(login_cache: str, users: None, settings: Any) -> None:
    """Another user from the same address, and the same user from another address, log in."""
    locked = Client(REMOTE_ADDR=ADDRESS)
    fail(locked, "editor", settings.AXES_FAILURE_LIMIT - 1)
    assert log_in(locked, "editor", "wrong").status_code == 429
    colleague = Client(REMOTE_ADDR=ADDRESS)
    assert log_in(colleague, "other", PASSWORD).status_code == 302
    assert signed_in(colleague)
    elsewhere = Client(REMOTE_ADDR="198.51.100.8")
    assert log_in(elsewhere, "editor", PASSWORD).status_code == 302
    assert signed_in(elsewhere)
    # Staff already signed in are not logged out by someone guessing their password.
    assert colleague.get("/admin/").status_code == 200


def test_after_the_cool_off_the_right_password_works(login_cache: str, users: None, settings: Any) -> None:
    settings.AXES_COOLOFF_TIME = timedelta(seconds=1)
    client = Client(REMOTE_ADDR=ADDRESS)
    fail(client, "editor", settings.AXES_FAILURE_LIMIT - 1)
    assert log_in(client, "editor", "wrong").status_code == 429
    assert log_in(client, "editor", PASSWORD).status_code == 429
    time.sleep(1.5)
    assert log_in(client, "editor", PASSWORD).status_code == 302
    assert signed_in(client)


def test_a_successful_login_clears_the_failures_before_it(
    login_cache: str, users: None, settings: Any
) -> None:
    client = Client(REMOTE_ADDR=ADDRESS)
    fail(client, "editor", settings.AXES_FAILURE_LIMIT - 1)
    assert log_in(client, "editor", PASSWORD).status_code == 302
    client.logout()
    fail(client, "editor", settings.AXES_FAILURE_LIMIT - 1)


def test_a_forged_forwarded_for_does_not_reset_the_count(
    login_cache: str, users: None, settings: Any
) -> None:
    """NUM_PROXIES=0: the address is the connection's, whatever X-Forwarded-For says (as for the API)."""
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        fail(Client(REMOTE_ADDR=ADDRESS, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}"), "editor", 1)
    forged = Client(REMOTE_ADDR=ADDRESS, HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert log_in(forged, "editor", "wrong").status_code == 429


def test_while_redis_is_down_logins_are_not_throttled_and_do_not_fail(users: None, settings: Any) -> None:
    settings.CACHES = {
        "default": {
            "BACKEND": "newsdiffs.cache.ResilientRedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    client = Client(REMOTE_ADDR=ADDRESS)
    fail(client, "editor", settings.AXES_FAILURE_LIMIT + 1)
    assert log_in(client, "editor", PASSWORD).status_code == 302
