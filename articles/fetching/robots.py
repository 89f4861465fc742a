"""robots.txt glue: the rules of ``articles/robots.py``, fetched through the guarded path.

robots.txt (see ``articles/robots.py``) is honoured unless ``settings.FETCH_ROBOTS`` or the ``robots``
argument says otherwise. It is fetched through the same guarded path with a small size cap and short
timeouts, and its rules are cached per scheme, host and port.
"""

from urllib.parse import SplitResult, urlunsplit

from django.conf import settings

from articles import robots as robots_txt
from articles.fetching.body import ACCEPT_ENCODING, _read_body
from articles.fetching.client import _Session
from articles.fetching.errors import FetchError, TooManyRedirects
from articles.fetching.transport import _Budget
from articles.fetching.urls import _default_port, _netloc

# robots.txt is small and asked for before the page: a slow one must not use up the page's time.
ROBOTS_TIMEOUT = 5.0
ROBOTS_TOTAL_TIMEOUT = 10.0


def _robots_rules(session: _Session, origin: str, token: str, budget: _Budget) -> robots_txt.RobotsRules:
    headers = {
        "User-Agent": settings.FETCH_USER_AGENT,
        "Accept": "text/plain,*/*;q=0.1",
        "Accept-Encoding": ACCEPT_ENCODING,
    }
    budget = budget.within(ROBOTS_TOTAL_TIMEOUT, ROBOTS_TIMEOUT, ROBOTS_TIMEOUT)
    try:
        with session.final_response(f"{origin}/robots.txt", headers, budget) as (_url, response):
            status = response.status_code
            body = _read_body(response, robots_txt.MAX_BYTES, budget, cut=True) if status < 300 else b""
    except TooManyRedirects:
        return robots_txt.ALLOW_ALL  # RFC 9309 §2.3.1.2: may be read as "no robots.txt"
    except FetchError as error:
        raise robots_txt.RobotsUnavailable(error.reason) from None
    return robots_txt.rules_from_response(status, body, token)


def _obey_robots(session: _Session, parts: SplitResult, budget: _Budget) -> None:
    origin = f"{parts.scheme}://{_netloc(parts.hostname or '', _default_port(parts))}"
    token = robots_txt.product_token(settings.FETCH_USER_AGENT)
    try:
        rules = robots_txt.cached_rules(
            origin,
            token,
            lambda: _robots_rules(session, origin, token, budget),
            settings.FETCH_ROBOTS_CACHE_SECONDS,
        )
    except robots_txt.RobotsUnavailable as exc:
        # RFC 9309 §2.3.1.4: an unreachable robots.txt means "assume disallowed", which lasts only until
        # it can be read again.
        raise FetchError(f"robots.txt unavailable ({exc})", transient=True) from None
    if not rules.allows(urlunsplit(("", "", parts.path or "/", parts.query, ""))):
        raise FetchError("disallowed by robots.txt", transient=False)
