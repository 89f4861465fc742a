"""What the hostile page tests (test_hostile_pages_*.py) share. They take hostile pages through the whole
check path: ``run_check`` on a tracked article against a local server.

Each case asserts what a worker and the staff see: the check ends within a bound (big ones also within a
memory bound, by tracemalloc, which sees every Python allocation including zlib's and brotli's output but
not libxml2's own), no version is stored for a page without an article (and the right text is stored for an
odd but valid one), ``last_error`` says why in words, and ``next_check_at`` backs off; repeated permanent
failures end in ``failing``. The fetcher's own unit tests (test_fetching*.py) cover the pieces one by one.

Limits are scaled down so the files run in seconds: a 1 MB size cap, 0.5 s connect/read timeouts and a
1.5 s total. A trickle of one byte every 0.2 s against a 0.5 s read timeout is the same race as one byte a
second against the default 20 s; one test runs the literal one byte a second.

conftest.py registers this module in ``pytest_plugins``, so its fixture of those limits reaches the test
modules (each asks for it in its pytestmark); they import the helpers by name.
"""

import time
import tracemalloc
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from django.conf import settings
from pytest_django import Settings

from articles.checking import CheckOutcome, run_check
from articles.models import Article
from articles.scheduling import backoff_delay
from articles.tests.support import article_html

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
CAP = 1_000_000
MB = 1 << 20
GIB = 1 << 30
STORY = ["The council voted on Tuesday to close the old bridge.", "Repairs will take two years."]
NO_TEXT = "no article text found on the page"
TOO_BIG = f"page larger than {CAP} bytes"
TOO_SLOW = "took too long to download"


@pytest.fixture
def _hostile_limits(settings: Settings) -> None:
    """The limits scaled down, for every test of the test_hostile_pages_*.py modules (their pytestmark)."""
    # robots.txt has its own tests; the raw servers here would answer /robots.txt like the page.
    settings.FETCH_ROBOTS = False
    settings.FETCH_CONNECT_TIMEOUT = 0.5
    settings.FETCH_READ_TIMEOUT = 0.5
    settings.FETCH_TOTAL_TIMEOUT = 1.5
    settings.FETCH_MAX_BYTES = CAP
    settings.TRACK_BACKOFF_MIN = 600
    settings.TRACK_BACKOFF_MAX = 86400
    settings.TRACK_FAILING_AFTER = 2
    settings.TRACK_MAX_FAILURES = 3


@dataclass
class Checked:
    outcome: CheckOutcome
    seconds: float
    peak_bytes: int
    article: Article

    @property
    def versions(self) -> list[tuple[str, list[str]]]:
        return [(v.title, v.paragraphs) for v in self.article.versions.order_by("number")]


def check(url: str, *, article: Article | None = None, memory: bool = False) -> Checked:
    """One check of the article at ``url`` (tracked if need be), timed, and traced for memory if asked."""
    article = article or Article.objects.track(url)[0]
    if memory:
        tracemalloc.start()
    started = time.monotonic()
    try:
        outcome = run_check(article, now=NOW)
    finally:
        seconds = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1] if memory else 0
        if memory:
            tracemalloc.stop()
    article.refresh_from_db()
    return Checked(outcome, seconds, peak, article)


def assert_refused(
    checked: Checked, reason: str, *, transient: bool, within: float, failures: int = 1
) -> None:
    """Nothing stored, the reason recorded as is, and the next check backed off (or given up on)."""
    article = checked.article
    assert (checked.outcome.kind, checked.outcome.reason) == ("error", reason)
    assert article.last_error == reason
    assert article.versions.count() == 0
    assert article.consecutive_failures == failures
    assert checked.seconds < within, f"took {checked.seconds:.2f} s"
    gives_up = failures >= (settings.TRACK_MAX_FAILURES if transient else settings.TRACK_FAILING_AFTER)
    if gives_up:
        assert (article.status, article.next_check_at) == (Article.Status.FAILING, None)
    else:
        assert article.status == Article.Status.ACTIVE
        assert article.next_check_at == NOW + backoff_delay(failures)


def assert_stored(checked: Checked, title: str, paragraphs: list[str], *, within: float) -> None:
    assert checked.outcome.kind == "new_version", checked.outcome
    assert checked.versions == [(title, paragraphs)]
    assert checked.article.last_error == ""
    assert checked.seconds < within, f"took {checked.seconds:.2f} s"


def html_response(body: bytes, content_type: str = "text/html; charset=utf-8", **headers: str) -> bytes:
    lines = [b"HTTP/1.1 200 OK", f"Content-Type: {content_type}".encode(), b"Connection: close"]
    lines += [f"{name.replace('_', '-')}: {value}".encode() for name, value in headers.items()]
    return b"\r\n".join([*lines, b"", b""]) + body


def story_page(headline: str = "Bridge to close", paragraphs: list[str] = STORY, churn: str = "") -> str:
    return article_html(headline, paragraphs, churn=churn)


CAFE_TITLE = "Caf\u00e9 cr\u00e8me to close"
CAFE = [
    "The caf\u00e9\u2019s cr\u00e8me br\u00fbl\u00e9e \u2014 \u201cthe best in town\u201d \u2014 goes.",
    "Gr\u00fc\u00dfe aus K\u00f6ln, said the owner, na\u00efvely.",
]


def cafe_page(churn: str, meta: str = "") -> str:
    return story_page(CAFE_TITLE, CAFE, churn=churn).replace("<head>", f"<head>{meta}")
