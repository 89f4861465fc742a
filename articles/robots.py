"""robots.txt as RFC 9309 reads it: which paths a site lets our crawler fetch, cached per origin.

Not ``urllib.robotparser``: it applies a group's rules in file order (first match wins) where RFC 9309 says
the longest match wins, knows no ``*`` or ``$`` patterns, and matches user agents by substring. A news
site's common "Disallow: /" followed by "Allow: /news/" would then refuse every article. The RFC's rules
fit in this module, so no dependency is added for them.

Fetching robots.txt is the fetcher's job (through its address guard); this module turns the answer into
rules and keeps them in the Django cache.
"""

import contextlib
import hashlib
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

from django.core.cache import cache

logger = logging.getLogger(__name__)

# RFC 9309 §2.5: a crawler must read at least 500 KiB; what lies beyond the cap is ignored.
MAX_BYTES = 512 * 1024
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# Characters left as they are when percent-encoding a path: RFC 3986 reserved ones, '%' itself, and the
# pattern signs '*' and '$'.
_SAFE = "/?#[]@!$&'()*+,;=:%"


class RobotsUnavailable(Exception):
    """robots.txt could not be read (server error, network error): RFC 9309 says assume complete disallow."""


@dataclass(frozen=True)
class RobotsRules:
    """The Allow/Disallow lines of the groups that apply to our crawler, as (pattern, allowed) pairs."""

    rules: tuple[tuple[str, bool], ...] = ()

    def allows(self, path: str) -> bool:
        """``path`` is a URL's path and query. The longest matching pattern decides; Allow wins a tie."""
        if path == "/robots.txt":
            return True
        target = _normalise(path or "/")
        best_length, allowed = -1, True
        for pattern, allow in self.rules:
            longer = len(pattern) > best_length or (len(pattern) == best_length and allow)
            if longer and _matcher(pattern)(target):
                best_length, allowed = len(pattern), allow
        return allowed


ALLOW_ALL = RobotsRules()


def product_token(user_agent: str) -> str:
    """``newsdiffs/0.1 (…)`` → ``newsdiffs``: robots.txt groups name crawlers by their product token."""
    match = re.match(r"[A-Za-z_-]+", user_agent.strip())
    return match.group(0).lower() if match else "*"


def parse(text: str, token: str) -> RobotsRules:
    """The rules for ``token``: its own groups combined, else the ``*`` groups combined, else none."""
    groups: list[tuple[set[str], list[tuple[str, bool]]]] = []
    in_agent_lines = False
    for raw_line in text.lstrip("\ufeff").splitlines():
        key, sep, value = raw_line.split("#", 1)[0].partition(":")
        if not sep:
            continue
        key, value = key.strip().lower(), value.strip()
        if key == "user-agent":
            # Consecutive user-agent lines share one group; one after a rule starts the next group.
            if not in_agent_lines:
                groups.append((set(), []))
            groups[-1][0].add(value.lower())
            in_agent_lines = True
        elif key in ("allow", "disallow"):
            in_agent_lines = False
            # An empty Disallow allows everything, which is what no rule at all says.
            if groups and value:
                groups[-1][1].append((_normalise(value), key == "allow"))
        else:
            in_agent_lines = False  # Sitemap, Crawl-delay, … end a run of user-agent lines too
    for agent in (token.lower(), "*"):
        rules = [rule for agents, group_rules in groups if agent in agents for rule in group_rules]
        if any(agent in agents for agents, _ in groups):
            return RobotsRules(tuple(rules))
    return ALLOW_ALL


def rules_from_response(status: int, body: bytes, token: str) -> RobotsRules:
    """RFC 9309 §2.3.1: a 2xx is parsed; 4xx means there are no rules; 5xx means "assume disallowed"."""
    if 200 <= status < 300:
        return parse(body[:MAX_BYTES].decode("utf-8", errors="replace"), token)
    # 429 is "come back later", not "no robots.txt": treated like a server error, as major crawlers do.
    if 400 <= status < 500 and status != 429:
        return ALLOW_ALL
    raise RobotsUnavailable(f"HTTP {status}")


# Every fetch asks for its site's rules: the last ones read stay in the process this long, in front of
# the shared cache (a network round trip and an unpickling each time otherwise).
LOCAL_SECONDS = 300.0
_local: dict[str, tuple[float, RobotsRules]] = {}


def cached_rules(origin: str, token: str, load: Callable[[], RobotsRules], seconds: int) -> RobotsRules:
    """The rules for ``origin`` (scheme://host:port), loaded once per ``seconds``. Failures are not cached,
    so a site whose robots.txt was down is asked again at the next fetch."""
    # Hashed: a host name can be longer than the 250 characters some cache backends allow in a key.
    key = "robots:" + hashlib.sha256(f"{token} {origin}".encode()).hexdigest()
    now = time.monotonic()
    if (held := _local.get(key)) and held[0] > now:
        return held[1]
    rules = _shared_rules(key, origin, load, seconds)
    if len(_local) > 10_000:  # a bound on memory, not an eviction policy: all come back within minutes
        _local.clear()
    _local[key] = (now + min(LOCAL_SECONDS, seconds), rules)
    return rules


def _shared_rules(key: str, origin: str, load: Callable[[], RobotsRules], seconds: int) -> RobotsRules:
    try:
        rules: RobotsRules | None = cache.get(key)
    except Exception:  # the cache (Redis) is down: read robots.txt afresh rather than fail the check
        logger.warning("cache unavailable for robots.txt rules of %s", origin, exc_info=True)
        return load()
    if rules is None:
        rules = load()
        with contextlib.suppress(Exception):  # as above: a cache that cannot store costs a re-read
            cache.set(key, rules, seconds)
    return rules


def _normalise(path: str) -> str:
    """RFC 9309 §2.2.2: compare percent-encoded, with encoded unreserved characters decoded."""
    encoded = quote(path, safe=_SAFE)

    def unescape(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else match.group(0).upper()

    return re.sub(r"%([0-9A-Fa-f]{2})", unescape, encoded)


@lru_cache(maxsize=4096)
def _matcher(pattern: str) -> Callable[[str], object]:
    anchored = pattern.endswith("$")
    body = pattern[:-1] if anchored else pattern
    regex = ".*".join(re.escape(part) for part in body.split("*"))
    return re.compile(regex + (r"\Z" if anchored else ""), re.DOTALL).match
