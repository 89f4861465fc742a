"""Per-host politeness: at most POLITE_HOST_CONCURRENCY requests to one host at a time, and their starts at
least POLITE_HOST_DELAY seconds apart, however many workers run.

The state must be shared by every worker on every machine, so it lives in Redis: one Lua script checks and
takes a slot atomically, with Redis's own clock (workers' clocks may disagree). A slot is a lease that
expires on its own, so a worker killed mid-fetch cannot block a host for ever. Without REDIS_URL (the
embedded default: one worker process with threads) a lock-protected table in the process does the same.
"""

import contextlib
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Protocol

from django.conf import settings

# A slot not released after this long (a killed worker) frees itself; longer than any fetch may take.
LEASE_SECONDS = 120
# While Redis is unreachable nobody can tell how busy a host is: checks are put back this long rather than
# fetched unthrottled by every worker at once (and are not counted as the article's failures).
UNAVAILABLE_WAIT = 60.0


class Gate(Protocol):
    def try_acquire(self, host: str, token: str) -> float:
        """Take a slot for ``host``: 0 if taken, else the seconds to wait before trying again."""

    def release(self, host: str, token: str) -> None: ...


# KEYS: slots zset (token → lease expiry), next-start key. ARGV: limit, delay, lease, token.
ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local limit, delay, lease = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local next_start = tonumber(redis.call('GET', KEYS[2]) or '0')
if next_start > now then return tostring(next_start - now) end
if redis.call('ZCARD', KEYS[1]) >= limit then
  local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return tostring(math.max(math.min(tonumber(first[2]) - now, 1.0), 0.05))
end
redis.call('ZADD', KEYS[1], now + lease, ARGV[4])
redis.call('EXPIRE', KEYS[1], math.ceil(lease) + 60)
if delay > 0 then
  redis.call('SET', KEYS[2], tostring(now + delay), 'PX', math.ceil(delay * 1000) + 1000)
end
return '0'
"""


class RedisGate:
    def __init__(self, url: str) -> None:
        import redis

        # Short timeouts: a Redis that stopped answering must defer a check in seconds, not hang a worker.
        self.client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        self.acquire_script = self.client.register_script(ACQUIRE)
        self.unavailable = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)

    @staticmethod
    def _keys(host: str) -> list[str]:
        return [f"newsdiffs:polite:{host}:slots", f"newsdiffs:polite:{host}:next"]

    def try_acquire(self, host: str, token: str) -> float:
        limit, delay = settings.POLITE_HOST_CONCURRENCY, settings.POLITE_HOST_DELAY
        try:
            wait = self.acquire_script(keys=self._keys(host), args=[limit, delay, LEASE_SECONDS, token])
        except self.unavailable as error:
            raise GateUnavailable(host, UNAVAILABLE_WAIT) from error
        return float(wait)

    def release(self, host: str, token: str) -> None:
        with contextlib.suppress(*self.unavailable):  # the lease expires on its own
            self.client.zrem(self._keys(host)[0], token)


@dataclass
class LocalGate:
    lock: threading.Lock = field(default_factory=threading.Lock)
    slots: dict[str, dict[str, float]] = field(default_factory=dict)
    next_start: dict[str, float] = field(default_factory=dict)

    def try_acquire(self, host: str, token: str) -> float:
        with self.lock:
            now = time.monotonic()
            leases = {t: end for t, end in self.slots.get(host, {}).items() if end > now}
            self.slots[host] = leases
            if (wait := self.next_start.get(host, 0.0) - now) > 0:
                return wait
            if len(leases) >= settings.POLITE_HOST_CONCURRENCY:
                return max(min(min(leases.values()) - now, 1.0), 0.05)
            leases[token] = now + LEASE_SECONDS
            self.next_start[host] = now + settings.POLITE_HOST_DELAY
            return 0.0

    def release(self, host: str, token: str) -> None:
        with self.lock:
            self.slots.get(host, {}).pop(token, None)


@cache
def _gate_for(redis_url: str) -> Gate:
    return RedisGate(redis_url) if redis_url else LocalGate()


def gate() -> Gate:
    return _gate_for(settings.REDIS_URL)


class HostBusy(Exception):
    """The host's slots stayed taken for longer than the caller would wait; try again after ``wait``."""

    def __init__(self, host: str, wait: float) -> None:
        super().__init__(f"{host} is busy; retry in {wait:.1f} s")
        self.wait = wait


class GateUnavailable(HostBusy):
    """The shared politeness state (Redis) cannot be reached: wait as for a busy host."""

    def __init__(self, host: str, wait: float) -> None:
        Exception.__init__(self, f"politeness state unavailable (Redis down?); retry {host} in {wait:.0f} s")
        self.wait = wait


@contextmanager
def host_slot(host: str, max_wait: float | None = None) -> Iterator[None]:
    """Hold one of ``host``'s slots for the duration; sleep for short waits, raise HostBusy for long ones."""
    max_wait = settings.POLITE_MAX_WAIT if max_wait is None else max_wait
    token, waited, the_gate = uuid.uuid4().hex, 0.0, gate()
    while (wait := the_gate.try_acquire(host, token)) > 0:
        if waited + wait > max_wait:
            raise HostBusy(host, wait)
        time.sleep(wait)
        waited += wait
    try:
        yield
    finally:
        the_gate.release(host, token)
