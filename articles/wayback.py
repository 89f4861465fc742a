"""The Internet Archive's Save Page Now (SPN2): asking for a capture of a URL, looking at a capture under way,
and the one rate at which every worker together asks.

SPN2's protocol: ``POST {base}/save`` with the form ``url=…`` (``Accept: application/json``; with an
archive.org account's keys, ``Authorization: LOW key:secret``) answers ``{"job_id": …}``, or a message why not
(HTTP 429 when a client asks too often); ``GET {base}/save/status/{job_id}`` answers ``{"status": "pending"}``
until the capture is done, then ``{"status": "success", "timestamp": "YYYYmmddHHMMSS", "original_url": …}``,
whose snapshot is ``{base}/web/{timestamp}/{original_url}``, or ``{"status": "error", "message": …}``.

Every connection passes the address guard, as fetches and notifications do: the SPN host is resolved and
judged once before anything is sent (``fetching.guard.checked_address``: a refused address fails without a
packet), and the connect itself is judged again by the audit hook (``notifying.guard.guarded``), so a DNS
answer that changes in between changes nothing. No proxy from the environment, no redirect followed.

Nothing here knows of versions or tasks: the task (``articles.tasks.save_to_wayback``) decides what an
answer means for a save.
"""

import contextlib
import functools
import json
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit

import httpx
from django.conf import settings

from articles.canonical import SCHEMES
from articles.fetching.errors import FetchError
from articles.fetching.guard import Resolver, checked_address, resolve
from articles.fetching.urls import _default_port
from articles.notifying.guard import guarded, outbound_client

# SPN answers 429 without a Retry-After at times: then its turn comes back after this many seconds.
TOO_MANY_WAIT = 120.0
MAX_ERROR = 2000
_TIMESTAMP = re.compile(r"[0-9]{14}")


@dataclass(frozen=True)
class Submitted:
    """SPN took the capture: look at ``job_id`` later."""

    job_id: str


@dataclass(frozen=True)
class Capturing:
    """The capture is still under way."""


@dataclass(frozen=True)
class Captured:
    snapshot_url: str


@dataclass(frozen=True)
class Failed:
    """Why SPN gave no capture. ``wait``: SPN asked every client to wait this long (429). ``permanent``: no
    retry can mend it (the guard refused SPN's address). ``transport``: no answer at all (a timeout, a
    refused connection, a 5xx), which says nothing of the capture itself."""

    reason: str
    wait: float | None = None
    permanent: bool = False
    transport: bool = False


def submit(url: str, resolver: Resolver | None = None) -> Submitted | Failed:
    """Ask SPN to capture ``url``."""
    response = _request("POST", "/save", {"url": url}, resolver)
    if isinstance(response, Failed):
        return response
    status, data = response
    if status == 429:
        return Failed(_said(data, "HTTP 429: too many captures asked for"), wait=_retry_after(data))
    job = data.get("job_id") if isinstance(data, dict) else None
    if 200 <= status < 300 and isinstance(job, str) and job:
        return Submitted(job)
    return Failed(_said(data, f"HTTP {status}"), transport=status >= 500)


def status(job_id: str, original: str, resolver: Resolver | None = None) -> Capturing | Captured | Failed:
    """How the capture ``job_id`` of ``original`` (the URL asked for) stands."""
    response = _request("GET", f"/save/status/{job_id}", None, resolver)
    if isinstance(response, Failed):
        return response
    code, data = response
    if code == 429:
        return Failed(_said(data, "HTTP 429"), wait=_retry_after(data), transport=True)
    if not (200 <= code < 300) or not isinstance(data, dict):
        return Failed(_said(data, f"HTTP {code}"), transport=True)
    state = data.get("status")
    if state == "pending":
        return Capturing()
    if state == "success":
        return _captured(data, original)
    return Failed(_said(data, f"capture {state or 'status unknown'}"))


def snapshot_url(timestamp: str, original: str) -> str:
    return f"{settings.WAYBACK_URL}/web/{timestamp}/{original}"


def _captured(data: dict[str, Any], original: str) -> Captured | Failed:
    """The snapshot's address, from a timestamp and a URL that could only be what SPN says they are: its
    answer comes from the web, and the address becomes a link on our pages."""
    timestamp = data.get("timestamp")
    if not isinstance(timestamp, str) or not _TIMESTAMP.fullmatch(timestamp):
        return Failed(f"capture succeeded with an unreadable timestamp {str(timestamp)[:40]!r}")
    said = data.get("original_url")
    if isinstance(said, str) and urlsplit(said).scheme.lower() in SCHEMES and len(said) <= 4096:
        original = said
    return Captured(snapshot_url(timestamp, original))


def _said(data: Any, fallback: str) -> str:
    """SPN's own words for a refusal (its ``message`` and ``status_ext``), else ``fallback``."""
    if isinstance(data, dict):
        words = [str(data[key]) for key in ("status_ext", "message") if data.get(key)]
        if words:
            return f"{fallback}: {' '.join(words)}"[:MAX_ERROR]
    return fallback[:MAX_ERROR]


def _retry_after(data: Any) -> float:
    wait = data.get("retry_after") if isinstance(data, dict) else None
    return float(wait) if isinstance(wait, int | float) and 0 < wait <= 24 * 3600 else TOO_MANY_WAIT


def _headers() -> dict[str, str]:
    headers = {"Accept": "application/json", "User-Agent": settings.FETCH_USER_AGENT}
    if settings.WAYBACK_ACCESS_KEY and settings.WAYBACK_SECRET_KEY:
        headers["Authorization"] = f"LOW {settings.WAYBACK_ACCESS_KEY}:{settings.WAYBACK_SECRET_KEY}"
    return headers


def _request(
    method: str,
    path: str,
    form: dict[str, str] | None,
    resolver: Resolver | None,
    allowed: Sequence[str] | None = None,
) -> tuple[int, Any] | Failed:
    """One request to SPN, through the guard: its status and its JSON (None if it sent none)."""
    allowed = settings.FETCH_ALLOWED_NETWORKS if allowed is None else allowed
    url = settings.WAYBACK_URL + path
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES or not parts.hostname:
        return Failed(f"refused: WAYBACK_URL {settings.WAYBACK_URL!r} is not an http(s) URL", permanent=True)
    try:
        checked_address(parts.hostname, _default_port(parts), resolver or resolve, allowed)
    except ValueError:
        return Failed(f"refused: WAYBACK_URL {settings.WAYBACK_URL!r} has an invalid port", permanent=True)
    except FetchError as exc:
        return Failed(f"{exc.reason}", permanent=not exc.transient, transport=exc.transient)
    with guarded(allowed) as guard:
        try:
            with outbound_client(settings.WAYBACK_TIMEOUT, connect=10.0) as client:
                response = client.request(method, url, data=form, headers=_headers())
        except httpx.HTTPError as exc:
            refused = " ".join(dict.fromkeys(guard.refused))
            reason = f"{refused} " if refused else ""
            return Failed(f"{reason}{type(exc).__name__}: {exc}"[:MAX_ERROR], permanent=bool(refused),
                          transport=not refused)  # fmt: skip
    try:
        data = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        data = None
    if response.status_code == 429 and isinstance(data, dict | None):
        seconds = _seconds(response.headers.get("retry-after", ""))
        data = {**(data or {}), **({"retry_after": seconds} if seconds else {})}
    return response.status_code, data


def _seconds(value: str) -> float | None:
    with contextlib.suppress(ValueError):
        return float(value)
    return None  # an HTTP date: SPN sends seconds; the default wait will do


# --- the rate every worker together asks for captures at -------------------------------------------------

# While Redis is unreachable nobody can tell whose turn it is: a capture waits this long rather than be asked
# for by every worker at once.
UNAVAILABLE_WAIT = 60.0


class Limiter(Protocol):
    def take(self) -> float:
        """Take the next turn to ask for a capture: 0 if it is now, else the seconds to wait first."""

    def hold_off(self, seconds: float) -> None:
        """No turn for anyone for ``seconds`` (SPN said 429)."""


# KEYS: the time of the next turn. ARGV: seconds between turns. Redis's clock, not the workers'.
TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local interval = tonumber(ARGV[1])
local next_turn = tonumber(redis.call('GET', KEYS[1]) or '0')
if next_turn > now then return tostring(next_turn - now) end
redis.call('SET', KEYS[1], tostring(now + interval), 'PX', math.ceil(interval * 1000) + 1000)
return '0'
"""
# KEYS: the time of the next turn. ARGV: seconds from now before any turn.
HOLD_OFF = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1e6
local until_ = now + tonumber(ARGV[1])
if tonumber(redis.call('GET', KEYS[1]) or '0') < until_ then
  redis.call('SET', KEYS[1], tostring(until_), 'PX', math.ceil(tonumber(ARGV[1]) * 1000) + 1000)
end
return 'ok'
"""
KEY = "newsdiffs:wayback:next-turn"


def interval() -> float:
    """Seconds between two captures asked for, from WAYBACK_SAVES_PER_MINUTE."""
    return 60.0 / settings.WAYBACK_SAVES_PER_MINUTE if settings.WAYBACK_SAVES_PER_MINUTE > 0 else 0.0


class RedisLimiter:
    """Turns spaced ``interval()`` apart for every worker on every machine: the next turn's time is one Redis
    key, read and moved by one script (atomic), on Redis's clock."""

    def __init__(self, url: str) -> None:
        import redis

        self.client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        self.take_script = self.client.register_script(TAKE)
        self.hold_off_script = self.client.register_script(HOLD_OFF)
        self.unavailable = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)

    def take(self) -> float:
        try:
            return float(self.take_script(keys=[KEY], args=[interval()]))
        except self.unavailable:
            return UNAVAILABLE_WAIT

    def hold_off(self, seconds: float) -> None:
        with contextlib.suppress(*self.unavailable):
            self.hold_off_script(keys=[KEY], args=[seconds])


class LocalLimiter:
    """Without REDIS_URL (the embedded default): the same turns within this process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.next_turn = 0.0

    def take(self) -> float:
        with self.lock:
            now = time.monotonic()
            if self.next_turn > now:
                return self.next_turn - now
            self.next_turn = now + interval()
            return 0.0

    def hold_off(self, seconds: float) -> None:
        with self.lock:
            self.next_turn = max(self.next_turn, time.monotonic() + seconds)


@functools.cache
def _limiter_for(redis_url: str) -> Limiter:
    return RedisLimiter(redis_url) if redis_url else LocalLimiter()


def limiter() -> Limiter:
    return _limiter_for(settings.REDIS_URL)
