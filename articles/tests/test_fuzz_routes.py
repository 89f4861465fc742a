"""Property-based fuzzing of every route: whatever a client sends, to whichever address, the answer is never
a server error (5xx).

The routes are read from the URL resolver, so a route added later is fuzzed without being listed here. Each
example is one request: a route with its path parameters filled in (ids that exist and ids that do not, 0,
negatives, numbers past 64 bits, text where a number belongs, hostile text), a query string of the
parameters the site reads and of others, any method, a body (a form, JSON, JSON nested 100,000 deep, bytes
that are neither) and a client (anonymous, staff signed in, a reader signed in, a staff API token, a
broken token). Every example runs in a transaction that is rolled back, so staff writes and deletes by one
example leave the next one the same seeded site.

CI runs a fixed set of examples (derandomized, no example database) on both databases; ``FUZZ_EXAMPLES=N
make fuzz`` runs a long random search of N examples per test instead.
"""

import base64
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote_from_bytes

import pytest
from django.conf import settings
from django.db import transaction
from django.test import Client
from django.urls import URLResolver, get_resolver
from django.utils.regex_helper import normalize
from hypothesis import HealthCheck, event, example, given
from hypothesis import strategies as st
from rest_framework.authtoken.models import Token
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from articles.models import Version
from articles.tests.support import a_small_site, fuzz_settings

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Route:
    """One way to write a route's address: ``template`` with a %(name)s per parameter, each with the
    regular expression that its value must match for the route to be taken."""

    template: str
    parameters: tuple[tuple[str, str], ...]

    @property
    def is_admin(self) -> bool:
        return self.template.startswith(settings.ADMIN_PATH)

    @property
    def is_api(self) -> bool:
        return self.template.startswith("api/")


def group_patterns(regex: str) -> dict[str, str]:
    """The pattern inside each named group (?P<name>...) of ``regex``."""
    groups = {}
    for match in re.finditer(r"\(\?P<(\w+)>", regex):
        depth, at = 1, match.end()
        while depth:
            char = regex[at]
            if char == "\\":
                at += 2
                continue
            if char == "[":  # a class: its brackets and parentheses are characters
                at = regex.index("]", at + 2 if regex[at + 1] in "^]" else at + 1) + 1
                continue
            depth += {"(": 1, ")": -1}.get(char, 0)
            at += 1
        groups[match.group(1)] = regex[match.end() : at - 1]
    return groups


def _leaves(patterns: list[Any], prefix: str = "") -> Iterator[str]:
    for pattern in patterns:
        regex = prefix + pattern.pattern.regex.pattern.removeprefix("^")
        if isinstance(pattern, URLResolver):
            yield from _leaves(pattern.url_patterns, regex)
        else:
            yield regex


def all_routes() -> list[Route]:
    """Every route the site answers, the admin's and the API's included, from the URL resolver."""
    routes = []
    for regex in _leaves(get_resolver().url_patterns):
        groups = group_patterns(regex)
        for template, names in normalize(regex):
            routes.append(Route(template, tuple((name, groups[name]) for name in names)))
    return routes


ROUTES = all_routes()

# --- what a request is made of ------------------------------------------------------------------------

ANY_CHARACTER = st.characters(exclude_categories=())  # lone surrogates too: sent as they encode
HUGE = [10**20, 2**63, 2**63 - 1, 2**64, 2**31, 2**31 - 1, 2**32, 10**100]
NUMBER = st.one_of(
    st.sampled_from([0, 1, 2, 3, -1, *HUGE, *(-n for n in HUGE)]),
    st.integers(-(10**30), 10**30),
).map(str)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


NESTED = b"[" * 5000 + b"]" * 5000
HOSTILE_TEXT = st.sampled_from([
    "", " ", "0", "-0", "1.5", "1e3", "0x1f", "+1", " 1", "1_000", "\u0661", "\uff11", "NaN", "Infinity",
    "null", "true", "[]", "{}", "\x00", "a\x00b", "'", '"', "' OR '1'='1", ";--", "%", "%00", "%zz", "..",
    "../..", "/", "//", "\\", "é", "\ud800", "\u202e", "\r\n", "\t", "<script>alert(1)</script>", "a" * 5000,
    "9999-99-99T99:99Z", "2020-01-01T00:00:00+99:00", "2020-01-01T00:00:00+23:59",
    "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2026-11-20T10:30:00Z", "cD0xJTI3", "cD0lMDA",
    b64(b"p=99999999999999999999"),
    b64(b'["x", 1]'), b64(b'["2026-11-20T10:30:00+00:00", 99999999999999999999]'), b64(NESTED),
    b64(b'["9999-12-31T23:59:59-01:00", 1]'), "http://127.0.0.1/story", "javascript:alert(1)",
    "http://[::1", "https://example.com/" + "a" * 3000,
])  # fmt: skip
TEXT = st.one_of(HOSTILE_TEXT, st.text(ANY_CHARACTER, max_size=20), NUMBER)
# The site's objects by name ({article}: an id of one that exists), filled in per request.
KNOWN = st.sampled_from([
    "{article}", "{stopped}", "{removed}", "{source}", "{version}", "{staff}", "{reader}", "{token}",
    "daily", "articles", "auth", "authtoken", "article", "source", "version", "user", "add", "change",
])  # fmt: skip
PARAMETER_NAMES = [
    "after", "cursor", "changed_since", "page_size", "status", "source", "url", "q", "a", "b", "view", "show",
    "all", "text", "format", "o", "p", "e", "_changelist_filters", "next", "id__exact", "status__exact",
    "source__id__exact", "_popup", "_to_field", "script", "lang", "term", "app_label", "model_name",
    "field_name", "ct", "pk", "id", "number", "search", "page", "ordering", "username", "password",
]  # fmt: skip
NAME = st.one_of(st.sampled_from(PARAMETER_NAMES), st.text(ANY_CHARACTER, max_size=8))
VALUE = st.one_of(TEXT, KNOWN, NUMBER)


def encode(text: str) -> str:
    return quote_from_bytes(text.encode("utf-8", "surrogatepass"), safe="")


NUMERIC = {"[0-9]+", r"\d+"}


def valid_value(pattern: str) -> st.SearchStrategy[str]:
    """A value a route's parameter takes, naming something that exists more often than not."""
    if pattern in NUMERIC:
        return st.sampled_from(["{article}", "{article}", "0", "1"])
    return st.one_of(KNOWN, st.from_regex(pattern, fullmatch=True))


def hostile_value(pattern: str) -> st.SearchStrategy[str]:
    """Anything else: a number no column holds, a negative, text where a number belongs."""
    return st.one_of(NUMBER, NUMBER, TEXT, st.from_regex(pattern, fullmatch=True))


@st.composite
def path(draw: st.DrawFn, route: Route) -> str:
    """The route's address with every parameter valid but, half the time, one: a single fault at a time
    is what finds most errors, where faults everywhere mostly stop at the first 404."""
    values = {name: draw(valid_value(pattern)) for name, pattern in route.parameters}
    if bool(route.parameters) and draw(st.booleans()):
        name, pattern = draw(st.sampled_from(route.parameters))
        values[name] = draw(hostile_value(pattern))
    return "/" + route.template % {name: encode(value) for name, value in values.items()}


# The parameters the site reads, each with the values that its kind of value makes hostile.
DATE = st.one_of(
    st.sampled_from([
        "9999-99-99T99:99Z", "2020-01-01T00:00:00+99:00", "2020-01-01T00:00:00+23:59", "2026-11-20T10:30Z",
        "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2020-01-01", "2020-02-30T00:00Z",
    ]),
    st.datetimes().map(lambda d: d.isoformat() + "Z"),
)  # fmt: skip


def drf_cursor(position: str) -> str:
    return base64.b64encode(f"p={position}".encode()).decode()


CURSOR = st.one_of(
    st.sampled_from(["cD0xJTI3", b64(NESTED), b64(b'["x", 1]'), b64(b'["9999-12-31T23:59:59-01:00", 1]')]),
    st.builds(drf_cursor, st.one_of(NUMBER, TEXT).map(encode)),
    st.builds(lambda a, b: b64(json.dumps([a, b]).encode()), st.one_of(DATE, TEXT), st.one_of(NUMBER, TEXT)),
)
FAMILIES = {
    DATE: ["changed_since"],
    CURSOR: ["after", "cursor"],
    NUMBER: ["a", "b", "page_size", "p", "o", "e", "id__exact", "source__id__exact", "page"],
    TEXT: ["q", "url", "source", "status", "view", "show", "all", "text", "period", "format", "next", "term",
           "_changelist_filters", "_to_field", "app_label", "model_name", "field_name", "script"],
}  # fmt: skip
TYPED_PIECE = st.one_of(
    *[
        st.builds(lambda name, value: f"{name}={encode(value)}", st.sampled_from(names), values)
        for values, names in FAMILIES.items()
    ]
)
QUERY_PIECE = st.one_of(
    TYPED_PIECE,
    TYPED_PIECE,
    st.builds(lambda name, value: f"{encode(name)}={encode(value)}", NAME, VALUE),
    st.sampled_from(["", "=", "a", "a=", "=a", "%", "%zz", "a=%ff%fe", "&&", "a=1&a=2", "q=%00", "a=%C0%AF"]),
)
QUERY = st.lists(QUERY_PIECE, max_size=5).map("&".join)

JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), TEXT, KNOWN),
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.one_of(NAME, st.just("url")), children, max_size=4)
    ),
    max_leaves=10,
)
DEEP = st.builds(
    lambda depth, opener, closer: opener * depth + closer * depth,
    st.sampled_from([1_000, 10_000, 100_000]),
    st.sampled_from(["[", '{"a":[', '{"url":']),
    st.sampled_from(["]", "]}", "}"]),
)
FORM = st.lists(st.tuples(NAME, VALUE), max_size=6).map(
    lambda pairs: "&".join(f"{encode(k)}={encode(v)}" for k, v in pairs)
)
BODY = st.one_of(
    st.tuples(st.just(""), st.sampled_from(["", "application/json", "application/x-www-form-urlencoded"])),
    st.tuples(JSON.map(json.dumps), st.sampled_from(["application/json", "text/plain"])),
    st.tuples(DEEP, st.sampled_from(["application/json", "application/x-www-form-urlencoded"])),
    st.tuples(FORM, st.just("application/x-www-form-urlencoded")),
    st.tuples(FORM.map(lambda form: form.replace("&", "\r\n")), st.just("multipart/form-data; boundary=x")),
    st.tuples(
        st.binary(max_size=200).map(lambda data: data.decode("latin-1")),
        st.sampled_from([
            "application/json", "application/json; charset=utf-16", "application/json; charset=bogus",
            "multipart/form-data", "multipart/form-data; boundary=", "application/x-www-form-urlencoded",
            "text/html", "*/*", "\x00",
        ]),
    ),
)  # fmt: skip
METHOD = st.sampled_from(
    ["GET", "GET", "GET", "HEAD", "POST", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "FOO"]
)
WHO = st.sampled_from(["anonymous", "anonymous", "staff", "reader", "token", "bad-token"])
HEADERS = st.dictionaries(
    st.sampled_from([
        "Accept", "If-None-Match", "If-Modified-Since", "X-Forwarded-For", "Cookie", "Range",
        "Accept-Language", "X-Requested-With", "Host", "Origin", "Referer", "Authorization",
    ]),
    st.one_of(
        st.sampled_from([
            "application/json", "text/html", "*/*", "application/xml;q=x", '"etag"', "*", "W/\"x\"",
            "Sat, 29 Oct 1994 19:43:31 GMT", "Sun, 99 Foo 9999 99:99:99 GMT", "-1", "198.51.100.7, ::1",
            "diffview=inline", "sessionid=x; csrftoken=y", "bytes=0-1", "XMLHttpRequest", "testserver",
            "evil.example", "Token x", "Basic Og==",
        ]),
        st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20),
    ),
    max_size=3,
)  # fmt: skip


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    query: str
    body: tuple[str, str]  # and its content type
    who: str
    headers: dict[str, str]
    csrf_checks: bool


def requests(routes: list[Route]) -> st.SearchStrategy[Request]:
    route = st.sampled_from(routes)
    return st.builds(
        Request,
        method=METHOD,
        path=route.flatmap(path),
        query=QUERY,
        body=BODY,
        who=WHO,
        headers=HEADERS,
        csrf_checks=st.booleans(),
    )


# --- the site and the property -----------------------------------------------------------------------


@pytest.fixture
def site(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """A source, an article with two versions, a stopped and a removed one, staff and a reader: the ids
    that exist. The API's throttle is lifted (thousands of requests come from one address) and the log of
    every 404 and 400 is silenced."""
    made = a_small_site()
    source, article, stopped, removed = made.source, made.article, made.stopped, made.removed
    staff, reader = made.staff, made.reader
    token = Token.objects.create(user=staff)
    sessions = {}
    for user in (staff, reader):
        client = Client()
        client.force_login(user)
        sessions[user.username] = client.cookies[settings.SESSION_COOKIE_NAME].value
    for throttle in (AnonRateThrottle, UserRateThrottle):
        monkeypatch.setattr(throttle, "rate", "1000000/minute", raising=False)
    loggers = [logging.getLogger(name) for name in ("django.request", "django.security", "axes")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    version = Version.objects.filter(article=article).first()
    assert version is not None
    yield {
        "article": str(article.pk), "stopped": str(stopped.pk), "removed": str(removed.pk),
        "source": str(source.pk), "version": str(version.pk),
        "staff": str(staff.pk), "reader": str(reader.pk), "token": token.key,
        "staff-session": sessions["editor"], "reader-session": sessions["reader"],
    }  # fmt: skip
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


def filled(text: str, site: dict[str, str]) -> str:
    """``text`` with each {name} of the site's objects (percent-encoded or not) replaced by its id."""
    return re.sub(r"(?:\{|%7B)(\w+)(?:\}|%7D)", lambda m: site.get(m.group(1), m.group(0)), text)


def send(request: Request, site: dict[str, str]) -> int:
    """The status of ``request`` sent to the site, in a transaction rolled back afterwards."""
    client = Client(enforce_csrf_checks=request.csrf_checks)
    headers = dict(request.headers)
    if request.who in ("staff", "reader"):
        client.cookies[settings.SESSION_COOKIE_NAME] = site[f"{request.who}-session"]
    elif request.who == "token":
        headers["Authorization"] = f"Token {site['token']}"
    elif request.who == "bad-token":
        headers["Authorization"] = "Token " + "0" * 40
    url = filled(request.path, site) + ("?" + filled(request.query, site) if request.query else "")
    body, content_type = request.body
    with transaction.atomic():
        response = client.generic(
            request.method,
            url,
            data=filled(body, site).encode("utf-8", "surrogatepass"),
            content_type=content_type,
            headers=headers,
        )
        transaction.set_rollback(True)
    event(f"{request.method} answered {response.status_code}")  # make fuzz's statistics show the mix
    return response.status_code


FUZZ = fuzz_settings(
    300,
    deadline=None,  # the property is the status, not the time; a shared test machine is slow at times
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def probe(
    method: str, path: str, query: str = "", body: tuple[str, str] = ("", ""), who: str = "anonymous"
) -> example:
    """One request as the outside probe sent it: each 500 it found stays an example of these properties."""
    return example(request_=Request(method, path, query, body, who, {}, csrf_checks=False))


@FUZZ
@given(requests([route for route in ROUTES if not route.is_admin and not route.is_api]))
@probe("GET", "/articles/{article}/diff/0/99999999999999999999/")
@probe("GET", "/", "after=" + b64(NESTED))
@probe("GET", "/articles/{article}/compare/", "a=-1&b=1")
def test_no_page_or_feed_answers_a_server_error(site: dict[str, str], request_: Request) -> None:
    assert send(request_, site) < 500, request_


@FUZZ
@given(requests([route for route in ROUTES if route.is_api]))
@probe("GET", "/api/v1/articles/", "changed_since=9999-99-99T99:99Z")
@probe("GET", "/api/v1/articles/", "changed_since=2020-01-01T00:00:00%2B99:00")
@probe("GET", "/api/v1/articles/", "changed_since=2020-01-01T00:00:00%2B23:59")
@probe("GET", "/api/v1/articles/", "cursor=cD0xJTI3")
@probe("GET", "/api/v1/articles/{article}/diff/0/99999999999999999999/")
@probe("POST", "/api/v1/articles/", body=("[" * 100_000 + "]" * 100_000, "application/json"), who="token")
@probe("OPTIONS", "/api/v1/docs/")
@probe("GET", "/api/v1/docs/", who="bad-token")
def test_no_api_endpoint_answers_a_server_error(site: dict[str, str], request_: Request) -> None:
    assert send(request_, site) < 500, request_


@fuzz_settings(
    150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(requests([route for route in ROUTES if route.is_admin]))
@probe("GET", f"/{settings.ADMIN_PATH}articles/article/", "status__exact=%00", who="staff")
@probe(
    "GET",
    f"/{settings.ADMIN_PATH}autocomplete/",
    "term=%00&app_label=articles&model_name=article&field_name=source",
    who="staff",
)
@probe(
    "POST",
    f"/{settings.ADMIN_PATH}articles/source/add/",
    body=("feed_urls=" + "[" * 100_000, "application/x-www-form-urlencoded"),
    who="staff",
)
def test_no_admin_page_answers_a_server_error(site: dict[str, str], request_: Request) -> None:
    assert send(request_, site) < 500, request_


def test_every_route_is_fuzzed() -> None:
    """The three properties between them draw from every route the resolver has, the admin's included."""
    templates = {route.template for route in ROUTES}
    for expected in ("articles/%(pk)s/diff/%(a)s/%(b)s/", "api/v1/articles/%(pk)s/", "feeds/changes.rss"):
        assert expected in templates
    assert any(route.is_admin for route in ROUTES)
    assert len(ROUTES) > 70
