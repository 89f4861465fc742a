"""Test support: a local web site on 127.0.0.1 whose pages a test can rewrite between checks, and a raw
TCP server for what an HTTP server will not do."""

import contextlib
import dataclasses
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

import pytest
from bs4 import BeautifulSoup, Tag

# The one wait_for of benchmarks and tests, named here too for the tests that take their helpers from here.
from bench.processes import wait_for as wait_for

if TYPE_CHECKING:
    import hypothesis
    from django.contrib.auth.models import User
    from django.test import Client
    from lxml import etree
    from playwright.sync_api import Browser
    from playwright.sync_api import Page as Tab

    from articles.models import Article, Source, Version


def one(soup: Tag, selector: str) -> Tag:
    """The first element ``selector`` matches in ``soup``: the test fails here if there is none."""
    found = soup.select_one(selector)
    assert found is not None, f"nothing matches {selector!r}"
    return found


def text_at(element: "ElementTree.Element | etree._Element", path: str) -> str:
    """The text of the XML element at ``path`` under ``element``: the test fails here if there is none."""
    text = element.findtext(path)
    assert text is not None, f"nothing at {path}"
    return text


@dataclass
class Page:
    body: bytes | str
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html; charset=utf-8"})
    delay: float = 0.0  # seconds before the answer: keeps a check under way while a test strikes


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up early (the fetcher's size cap does) is not a server error."""


class LocalSite:
    """An HTTP server on ``host`` (127.0.0.1, or another loopback address) serving ``pages`` (path → Page);
    records every request it gets."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.pages: dict[str, Page] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        # When set, every response waits here: a test makes concurrent fetches overlap with it.
        self.barrier: threading.Barrier | None = None
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                site.requests.append((self.path, dict(self.headers)))
                if site.barrier is not None:
                    site.barrier.wait(timeout=10)
                page = site.pages.get(self.path) or Page("not found", status=404)
                time.sleep(page.delay)
                body = page.body.encode("utf-8") if isinstance(page.body, str) else page.body
                self.send_response(page.status)
                for name, value in page.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = _QuietServer((host, 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def serve(self, path: str, body: bytes | str, **kwargs: Any) -> str:
        self.pages[path] = Page(body, **kwargs)
        return self.url(path)


def article_html(headline: str, paragraphs: list[str], byline: str = "By Jane Roe", churn: str = "") -> str:
    """A news page with chrome around the story; ``churn`` varies the chrome only."""
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return f"""<!doctype html><html><head><title>{headline} | The Daily Test</title>
<meta name="author" content="Jane Roe"></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><header><h1>{headline}</h1><p class="byline">{byline}</p></header>
{body}
<div class="share-tools">Share this {churn}</div></article>
<aside class="related"><a href="/other">Related story {churn}</a></aside>
<footer>© The Daily Test {churn}</footer></body></html>"""


# --- programs the tests start but do not test ---------------------------------------------------------

# Under a faked clock (Debian's faketime, which the suite is run under to prove it keeps to its own clock)
# redis-server crashes and Chromium crawls; they are tools here, not the subject, so they keep the real one.
FAKED_CLOCK_VARIABLES = ("LD_PRELOAD", "FAKETIME", "FAKETIME_DONT_FAKE_MONOTONIC", "DONT_FAKE_MONOTONIC")


def real_clock_environment() -> dict[str, str]:
    """The environment for a helper program: this one's, less the faked clock."""
    return {k: v for k, v in os.environ.items() if k not in FAKED_CLOCK_VARIABLES}


def worker_environment(redis_url: str, var_dir: Path, **settings: str) -> dict[str, str]:
    """The environment of a Celery worker started as its own process: this test's Postgres database and
    ``redis_url``, fetching allowed on 127.0.0.1 only, and ``settings`` besides."""
    from django.db import connection

    database = connection.settings_dict
    return {
        **os.environ,
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "REDIS_URL": redis_url,
        "NEWSDIFFS_VAR_DIR": str(var_dir),
        "FETCH_ALLOWED_NETWORKS": "127.0.0.1/32",
        **settings,
    }


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
    # Pages link to the outside (the original article, the Wayback Machine): no name but the test
    # server's may even be looked up, so not one packet leaves 127.0.0.0/8.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
]  # fmt: skip
# In CI a missing Chromium is a failure (.ci/run installs it); elsewhere the browser tests are skipped.
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists() and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (.ci/run installs it)",
)


@contextlib.contextmanager
def chromium(args: list[str] = CHROMIUM_ARGS) -> Iterator["Browser"]:
    """Debian's Chromium (never a browser download of Playwright's own), headless, on the real clock; closed
    (with Playwright) on the way out. Playwright runs an event loop in the calling thread, where the ORM
    then refuses to run: a test makes its data first."""
    from playwright.sync_api import sync_playwright

    environment: dict[str, str | float | bool] = {**real_clock_environment()}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=args, env=environment)
        try:
            yield browser
        finally:
            browser.close()


@contextlib.contextmanager
def chromium_for_a_module(args: list[str] = CHROMIUM_ARGS) -> Iterator["Browser"]:
    """One Chromium for all the tests of a module (a launch costs about a second), which make their data
    while it runs. Playwright's sync API marks an event loop as running in this thread between its calls,
    so Django's ORM would refuse to run here although no asynchronous code does; DJANGO_ALLOW_ASYNC_UNSAFE
    is Django's switch for that case, set only while this browser is open."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")
        with chromium(args) as browser:
            yield browser


# Deque's axe-core, from npm (package.json pins it, package-lock.json holds its hash; the Makefile's dev
# install runs npm ci): a local file, so the accessibility checks need no network.
AXE_CORE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def axe_core() -> str:
    """axe-core's script, for a page to evaluate; a test that needs it fails, saying how to get it, when
    it is missing."""
    if not AXE_CORE.exists():
        pytest.fail(
            f"axe-core is missing ({AXE_CORE}): it comes from npm, as package.json says. "
            "Run `make test` (its dev install runs npm ci), or `npm ci --ignore-scripts` here."
        )
    return AXE_CORE.read_text()


@contextlib.contextmanager
def watched_page(browser: "Browser", width: int) -> Iterator["Tab"]:
    """A page ``width`` px wide in a context of its own (no cookie from another test); any script error or
    console error on it fails the test."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    yield page
    page.context.close()
    assert errors == []


def fits(page: "Tab") -> bool:
    """Nothing on the page is wider than the screen: it never scrolls sideways."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


# The 61 real pages with hand-checked bodies (MIT, see its README): inside the repo, so a clone tests alone.
EXTRACTION_CORPUS = Path(__file__).resolve().parent / "data" / "extraction"

T0 = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)


def add_version(
    article: "Article",
    number: int,
    title: str,
    paragraphs: list[str],
    byline: str = "By A",
    kind: str = "edit",
) -> "Version":
    """Store a version fetched ``number`` hours after T0, with its stats against its predecessor."""
    from articles import activity, search_documents
    from articles.diffing import change_stats
    from articles.models import Article, Version
    from articles.normalising import ArticleText

    previous = article.versions.filter(number=number - 1).first()
    newest_before = article.versions.order_by("-fetched_at").values_list("fetched_at", flat=True).first()
    text = ArticleText(title, byline, tuple(paragraphs))
    version = Version.objects.create(
        article=article, number=number, fetched_at=T0 + timedelta(hours=number), title=title, byline=byline,
        plain_paragraphs=paragraphs, content_hash=text.content_hash, extractor="generic",
        extractor_version="1", kind=kind,
        **dataclasses.asdict(change_stats(previous.text if previous else None, text)),
    )  # fmt: skip
    # What recording does beside the version: its words to the article's search document, the counters.
    search_documents.add_words({article.pk: [search_documents.searchable_text(text)]})
    activity.count_stored([activity.Stored(article.source_id, newest_before, [version.fetched_at])])
    Article.objects.filter(pk=article.pk).update(
        title=title, version_count=number + 1, last_changed_at=version.fetched_at
    )
    return version


# The staff member's and the reader's password in the tests that sign them in.
PASSWORD = "a-long-password-for-tests-0123"


def soup_of(client: "Client", path: str, status: int = 200) -> BeautifulSoup:
    """The page at ``path``, parsed, after checking its status."""
    response = client.get(path)
    assert response.status_code == status, response.content[:500]
    return BeautifulSoup(response.content, "lxml")


def texts(soup: Tag, selector: str) -> list[str]:
    """The text of each element ``selector`` finds, its whitespace collapsed."""
    return [" ".join(node.get_text(" ", strip=True).split()) for node in soup.select(selector)]


def daily_test_source() -> "Source":
    from articles.models import Source

    return Source.objects.create(name="The Daily Test", slug="daily", homepage="http://127.0.0.1/")


def bridge_story(source: "Source | None") -> "Article":
    """The view tests' article: an edit (v1), a minor edit (v2), a new headline and paragraph (v3)."""
    from articles.models import Article

    article = Article.objects.create(url="http://127.0.0.1/story", source=source, first_seen_at=T0)
    add_version(article, 0, "Mayor opens bridge", ["It opened on Tuesday.", "Crowds came.", "Music played."])
    add_version(article, 1, "Mayor opens bridge", ["It opened on Monday.", "Crowds came.", "Music played."])
    add_version(
        article,
        2,
        "Mayor opens bridge",
        ["It opened on Monday.", "Crowds came.", "Music played!"],
        kind="minor",
    )
    add_version(
        article,
        3,
        "Mayor closes bridge",
        ["It opened on Monday.", "Crowds came.", "Music played!", "Closed."],
    )
    article.refresh_from_db()
    return article


@dataclass
class SiteObjects:
    source: "Source"
    article: "Article"
    stopped: "Article"
    removed: "Article"
    staff: "User"
    reader: "User"


def a_small_site() -> SiteObjects:
    """A source, an article of it with two versions, a stopped and a removed article, a staff member and a
    reader (both with PASSWORD): what the access and route tests walk every route against."""
    from django.contrib.auth.models import User

    from articles.models import Article, Source

    source = Source.objects.create(name="The Daily Test", slug="daily", homepage="https://news.example/")
    article = Article.objects.create(url="http://127.0.0.1/story", source=source)
    add_version(article, 0, "Mayor opens bridge", ["It opened on Tuesday.", "Crowds came."])
    add_version(article, 1, "Mayor closes bridge", ["It opened on Monday.", "Crowds came."])
    return SiteObjects(
        source=source,
        article=article,
        stopped=Article.objects.create(url="http://127.0.0.1/stopped", status=Article.Status.STOPPED),
        removed=Article.objects.create(url="http://127.0.0.1/removed", status=Article.Status.REMOVED),
        staff=User.objects.create_superuser("editor", "editor@example.org", PASSWORD),
        reader=User.objects.create_user("reader", "reader@example.org", PASSWORD),
    )


Behaviour = Callable[[socket.socket, threading.Event], object]


def pause(stop: threading.Event, seconds: float) -> bool:
    """A server's pause: ``seconds``, or until ``stop`` is set (then True). In short sleeps rather than a
    timed ``stop.wait``, which never wakes under libfaketime (``make test-clock`` runs the suite on a moved
    clock with it)."""
    end = time.monotonic() + seconds
    while not stop.is_set():
        left = end - time.monotonic()
        if left <= 0:
            return False
        time.sleep(min(left, 0.01))
    return True


class RawServer:
    """A TCP server on 127.0.0.1 that reads one request per connection and then does ``behaviour``."""

    def __init__(self, behaviour: Behaviour) -> None:
        self.behaviour = behaviour
        self.stop = threading.Event()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/story"
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)
            with contextlib.suppress(OSError):  # the fetcher hung up, as it should
                self.behaviour(conn, self.stop)

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=2)
        self.sock.close()


class RecordingResolver:
    """Answers from a table and remembers every name it was asked for; asking for any other name fails."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        if host not in self.answers:
            raise OSError("Name or service not known")
        return self.answers[host]


def fuzz_settings(ci_examples: int, **options: Any) -> "hypothesis.settings":
    """Hypothesis settings for the property tests: in CI a fixed, derandomized ``ci_examples`` with no
    example database, so a run is quick and repeatable; ``FUZZ_EXAMPLES=N`` (``make fuzz``) makes it a
    long random search of N examples per property instead."""
    import hypothesis

    long_run = int(os.environ.get("FUZZ_EXAMPLES", "0"))
    return hypothesis.settings(
        max_examples=long_run or ci_examples, derandomize=not long_run, database=None, **options
    )


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


class Receiver:
    """An HTTP server on ``host`` that takes POSTs (webhooks, Apprise's json://) and records them: answers
    ``status``, after ``hold`` is set when a test holds the answer back (a send under way)."""

    def __init__(self, host: str = "127.0.0.1", status: int = 200) -> None:
        self.host = host
        self.status = status
        self.received: list[Received] = []
        self.hold: threading.Event | None = None
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                receiver.received.append(Received(self.path, dict(self.headers), self.rfile.read(length)))
                if receiver.hold is not None:
                    pause(receiver.hold, 60)  # not a timed wait: it never wakes under libfaketime
                self.send_response(receiver.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = _QuietServer((host, 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def url(self, path: str = "/hook", scheme: str = "http") -> str:
        return f"{scheme}://{self.host}:{self.port}{path}"

    def close(self) -> None:
        if self.hold is not None:
            self.hold.set()
        self.server.shutdown()
        self.server.server_close()
