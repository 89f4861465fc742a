"""How many diffs one client may have computed a minute, diff pages and the API together.

A diff served from the cache costs nothing and is never counted; one computed costs up to a few hundred
milliseconds of CPU for a hostile pair of versions, so a client asking for uncached diffs (every pair of
every article, or one pair in every view) gets 429 once it has had ``DIFF_RENDERS_PER_MINUTE`` of them in the
current minute. Counted in the shared cache (Redis), so all web processes count together; while Redis is
down the count fails open, as the API's own throttle does (newsdiffs/cache.py).
"""

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle

WINDOW_SECONDS = 60


class DiffThrottled(Exception):
    """This client has had its diffs for the minute; ``wait`` is the number of seconds until the next."""

    def __init__(self, wait: int) -> None:
        super().__init__(f"Too many diffs computed: try again in {wait} seconds.")
        self.wait = wait


def client_address(request: HttpRequest) -> str:
    """The client's address as the API's throttle finds it: behind NUM_PROXIES proxies, the address the last
    of them saw, so that a forged X-Forwarded-For changes nothing when it is 0. Failed logins are counted by
    it too (settings.AXES_CLIENT_IP_CALLABLE)."""
    # get_ident reads the request's META alone, which a Django request has as DRF's Request does.
    return BaseThrottle().get_ident(request)  # type: ignore[arg-type]


def client_of(request: HttpRequest) -> str:
    """Who is counted: a signed-in user (session or API token) by account, anyone else by address."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"address:{client_address(request)}"


def count_render(client: str) -> None:
    """Count one diff computed for ``client``, or raise DiffThrottled if it has had its share."""
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    key = f"diff-renders:{client}:{window}"
    cache.add(key, 0, 2 * WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr: count this one alone
        count = 1
    if count > settings.DIFF_RENDERS_PER_MINUTE:
        raise DiffThrottled(int((window + 1) * WINDOW_SECONDS - now) + 1)
