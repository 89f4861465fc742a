"""Login throttling: django-axes, counting failed logins in the site's cache.

After settings.AXES_FAILURE_LIMIT wrong passwords for one username from one address, that username is
refused from that address, right password included, for settings.AXES_COOLOFF_TIME: a 429 page saying when
to come back. Other users, and the same user from elsewhere, log in as before. The counts live in the
cache, which is Redis when REDIS_URL is set (one count for every web process) and the file cache of a local
install otherwise; while Redis is unreachable nothing is counted and logins are not throttled
(newsdiffs/cache.py), as for the API's throttle.
"""

from typing import Any

from axes.handlers.cache import AxesCacheHandler
from axes.helpers import get_cache, get_cool_off
from django.core.cache.backends.base import BaseCache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


class LoginThrottle(AxesCacheHandler):
    """axes' cache handler on the cache configured now. axes keeps one handler per process, made at its
    first use, and its own handler keeps the cache it found then: a cache replaced since (as each test
    replaces it) would go on counting in the old one."""

    def __init__(self) -> None:
        pass

    @property
    def cache(self) -> BaseCache:
        return get_cache()


def locked_out(request: HttpRequest, response: HttpResponse | None, credentials: Any = None) -> HttpResponse:
    """The answer to a login while its username and address are locked out: 429 and when to try again."""
    cool_off = get_cool_off(request)
    seconds = int(cool_off.total_seconds()) if cool_off else 0
    page = render(request, "login_locked.html", {"minutes": max(1, -(-seconds // 60))}, status=429)
    page["Retry-After"] = str(seconds)
    return page
