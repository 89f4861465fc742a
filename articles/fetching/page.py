"""The fetch itself: a page's request, and what its response is read as."""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import SplitResult

import httpx
from django.conf import settings

from articles.fetching.binary import binary_kind
from articles.fetching.body import ACCEPT_ENCODING, _read_body
from articles.fetching.charset import decode_html
from articles.fetching.client import _Session
from articles.fetching.errors import FetchError
from articles.fetching.guard import Resolver, resolve
from articles.fetching.robots import _obey_robots
from articles.fetching.transport import _Budget

HTML_TYPES = ("text/html", "application/xhtml+xml")
# What a site's feed is served as; section pages (text/html) are read for links to articles too.
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml", "text/html")


@dataclass(frozen=True)
class FetchResult:
    """A response: ``url`` the final URL after redirects; ``headers`` its headers in the order and case
    received, as (name, value) pairs of latin-1-decoded bytes (what a server sends, whatever its charset);
    ``body`` the body after its Content-Encoding was undone (gzip, br, deflate), so not the bytes on the
    wire when the headers name an encoding, and Content-Length then gives the encoded length."""

    url: str
    status: int
    not_modified: bool
    body: bytes = b""
    text: str = ""
    content_type: str = ""
    etag: str = ""
    last_modified: str = ""
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def body_hash(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


def _accept_header(media_types: Sequence[str]) -> str:
    first, *others = media_types
    # */* last: some servers answer 406 to a request that does not accept everything.
    return ",".join([first, *(f"{t};q=0.9" for t in others), "*/*;q=0.1"])


def fetch(
    url: str,
    *,
    etag: str = "",
    last_modified: str = "",
    resolver: Resolver = resolve,
    allowed_networks: Sequence[str] | None = None,
    max_bytes: int | None = None,
    media_types: Sequence[str] = HTML_TYPES,
    robots: bool | None = None,
    polite_wait: float | None = None,
) -> FetchResult:
    """GET ``url`` (following redirects) and return the page, or raise FetchError. ``media_types`` are the
    content types accepted (a response without one is accepted too); ``robots`` overrides FETCH_ROBOTS.
    Each hop (robots.txt and redirects included) takes its host's politeness slot while it talks to the
    host; one that would wait longer than ``polite_wait`` (POLITE_MAX_WAIT by default) raises HostBusy."""
    allowed = settings.FETCH_ALLOWED_NETWORKS if allowed_networks is None else allowed_networks
    limit = settings.FETCH_MAX_BYTES if max_bytes is None else max_bytes
    obey_robots = settings.FETCH_ROBOTS if robots is None else robots
    budget = _Budget.starting_now(
        settings.FETCH_TOTAL_TIMEOUT, settings.FETCH_CONNECT_TIMEOUT, settings.FETCH_READ_TIMEOUT
    )
    headers = {
        "User-Agent": settings.FETCH_USER_AGENT,
        "Accept": _accept_header(media_types),
        # Only what _decoded_chunks can undo within bounds (httpx would offer whatever it has installed).
        "Accept-Encoding": ACCEPT_ENCODING,
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified

    with _Session(resolver, allowed, settings.FETCH_MAX_REDIRECTS, polite_wait) as session:

        def before_hop(parts: SplitResult) -> None:
            _obey_robots(session, parts, budget)

        hook = before_hop if obey_robots else None
        with session.final_response(url, headers, budget, hook) as (final_url, response):
            return _read_response(final_url, response, limit, budget, media_types)


def _read_response(
    url: str,
    response: httpx.Response,
    limit: int,
    budget: _Budget,
    media_types: Sequence[str],
) -> FetchResult:
    status = response.status_code
    validators = {
        "etag": response.headers.get("etag", ""),
        "last_modified": response.headers.get("last-modified", ""),
    }
    # As received (httpx keeps the raw pairs): the archived page (articles/archiving.py) keeps them.
    received = tuple(
        (name.decode("latin-1"), value.decode("latin-1")) for name, value in response.headers.raw
    )
    if status == 304:
        return FetchResult(url=url, status=status, not_modified=True, headers=received, **validators)
    if status >= 400:
        transient = status >= 500 or status in (408, 425, 429)
        raise FetchError(f"HTTP {status}", transient=transient, status=status)
    if status != 200:
        raise FetchError(f"unexpected HTTP {status}", transient=True, status=status)
    content_type = response.headers.get("content-type", "")
    media_type = content_type.split(";")[0].strip().lower()
    if media_type and media_type not in media_types:
        what = "an HTML page" if tuple(media_types) == HTML_TYPES else "an accepted content type"
        raise FetchError(f"not {what} ({media_type})", transient=False, status=status)
    body = _read_body(response, limit, budget, cut=False)
    if kind := binary_kind(body):
        what = "an HTML page" if tuple(media_types) == HTML_TYPES else "an accepted content type"
        served = f"served as {media_type}" if media_type else "served without a content type"
        raise FetchError(f"not {what} ({kind} {served})", transient=False, status=status)
    return FetchResult(
        url=url,
        status=status,
        not_modified=False,
        body=body,
        text=decode_html(body, response.charset_encoding),
        content_type=content_type,
        headers=received,
        **validators,
    )
