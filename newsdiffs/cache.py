"""A Redis cache that degrades to "no cache" while Redis is unreachable.

Everything the site keeps in its cache (page totals, rendered diffs, robots.txt rules, API throttle
counters) can be recomputed, so an outage of Redis must cost speed, not pages: reads miss, writes are
dropped, and the web keeps serving from Postgres until Redis is back (no restart needed: redis-py opens a
new connection on the next call). Throttling fails open meanwhile, which is the lesser evil for a read-only
public API.
"""

import logging
import time
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

    def _unavailable(self, error: Exception) -> None:
        now = time.monotonic()
        if now - ResilientRedisCache._last_warning > WARN_EVERY:
            ResilientRedisCache._last_warning = now
            logger.warning("cache unavailable, serving without it: %s", error)

    def add(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        try:
            return super().add(key, value, timeout, version)
        except UNAVAILABLE as error:
            self._unavailable(error)
            return False

    def get(self, key: Any, default: Any = None, version: int | None = None) -> Any:
        try:
            return super().get(key, default, version)
        except UNAVAILABLE as error:
            self._unavailable(error)
            return default

    def set(self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> None:
        try:
            super().set(key, value, timeout, version)
        except UNAVAILABLE as error:
            self._unavailable(error)

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: int | None = None) -> bool:
        try:
            return super().touch(key, timeout, version)
        except UNAVAILABLE as error:
            self._unavailable(error)
            return False

    def delete(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().delete(key, version)
        except UNAVAILABLE as error:
            self._unavailable(error)
            return False

    def get_many(self, keys: Any, version: int | None = None) -> dict[Any, Any]:
        try:
            return super().get_many(keys, version)
        except UNAVAILABLE as error:
            self._unavailable(error)
            return {}

    def has_key(self, key: Any, version: int | None = None) -> bool:
        try:
            return super().has_key(key, version)
        except UNAVAILABLE as error:
            self._unavailable(error)
            return False

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: int | None = None
    ) -> list[Any]:
        try:
            return super().set_many(data, timeout, version)
        except UNAVAILABLE as error:
            self._unavailable(error)
            return list(data)

    def delete_many(self, keys: Any, version: int | None = None) -> None:
        try:
            super().delete_many(keys, version)
        except UNAVAILABLE as error:
            self._unavailable(error)
