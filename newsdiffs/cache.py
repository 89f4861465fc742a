"""A Redis cache that degrades to "no cache" while Redis is unreachable.

Everything the site keeps in its cache (page totals, rendered diffs, robots.txt rules, API throttle
counters, failed-login counts) can be recomputed, so an outage of Redis must cost speed, not pages: reads
miss, writes are dropped, and the web keeps serving from Postgres until Redis is back (no restart needed:
redis-py opens a new connection on the next call). Throttling fails open meanwhile, which is the lesser
evil for a read-only public API (and for logins, whose passwords are still checked).
"""

import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError, TimeoutError

logger = logging.getLogger(__name__)

UNAVAILABLE = (ConnectionError, TimeoutError, OSError)
# One warning per this many seconds, not one per request, while Redis is down.
WARN_EVERY = 30.0


class ResilientRedisCache(RedisCache):
    _last_warning = 0.0

    def _or(self, default: Any, call: Callable[..., Any], *args: Any) -> Any:
        """``call(*args)``, or ``default`` while Redis cannot be reached."""
        try:
            return call(*args)
        except UNAVAILABLE as error:
            now = time.monotonic()
            if now - ResilientRedisCache._last_warning > WARN_EVERY:
                ResilientRedisCache._last_warning = now
                logger.warning("cache unavailable, serving without it: %s", error)
            return default

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._or(False, super().add, key, value, timeout, version)

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        return self._or(default, super().get, key, default, version)

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        self._or(None, super().set, key, value, timeout, version)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        return self._or(False, super().touch, key, timeout, version)

    def delete(self, key: Any, version: int | None = None) -> bool:
        return self._or(False, super().delete, key, version)

    def incr(self, key: Any, delta: int = 1, version: int | None = None) -> int:
        # Failed logins and diffs made per client: while Redis is down each counts as the first (fail open).
        return self._or(delta, super().incr, key, delta, version)

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        return self._or({}, super().get_many, keys, version)

    def has_key(self, key: Any, version: int | None = None) -> bool:
        return self._or(False, super().has_key, key, version)

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        return self._or(list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        self._or(None, super().delete_many, keys, version)
