"""The Wayback Machine: each new edit (and first version) asks Save Page Now for a capture, against a local
stand-in of the SPN2 API on 127.0.0.1; the snapshot is stored on the version, linked on the article page and
given by the API. Failures retried with a doubling wait, 429s waited out by every worker, the shared rate,
duplicate deliveries, the setting off, the address guard, and beat's sweep."""

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from bs4 import BeautifulSoup
from django.conf import settings as django_settings
from django.db import connection
from django.test import Client
from django.utils import timezone
from pytest_django import Settings

from articles import tasks, wayback
from articles.checking import run_check
from articles.models import Article, Version
from articles.notifying import guard
from articles.tests.support import LocalSite, RecordingResolver, add_version, article_html, one, pause

STORY = ["The council approved the plan on Tuesday after a long debate.", "Work starts next spring."]
TIMESTAMP = "20261120093000"


@dataclass
class Answer:
    status: int = 200
    body: Any = None  # JSON
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    form: dict[str, list[str]]


class SaveServer:
    """A stand-in of SPN2 on ``host``: ``POST /save`` takes the next of ``saves`` (default: a new job id),
    ``GET /save/status/<job>`` the next of ``statuses[job]`` (the last one repeats). Records every request;
    while ``hold`` is set a POST is held (a capture asked for, still under way)."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.saves: list[Answer] = []
        self.statuses: dict[str, list[Answer]] = {}
        self.requests: list[Request] = []
        self.hold: threading.Event | None = None
        self.jobs = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                server.requests.append(Request("POST", self.path, dict(self.headers), form))
                if server.hold is not None:
                    pause(server.hold, 30)  # not a timed wait: it never wakes under libfaketime
                if server.saves:
                    answer = server.saves.pop(0)
                else:
                    server.jobs += 1
                    answer = Answer(body={"url": form.get("url", [""])[0], "job_id": f"spn2-{server.jobs}"})
                self.answer(answer)

            def do_GET(self) -> None:
                server.requests.append(Request("GET", self.path, dict(self.headers), {}))
                job = self.path.removeprefix("/save/status/")
                answers = server.statuses.get(job) or [Answer(body={"status": "pending", "job_id": job})]
                self.answer(answers.pop(0) if len(answers) > 1 else answers[0])

            def answer(self, answer: Answer) -> None:
                body = json.dumps(answer.body).encode() if answer.body is not None else b"oops"
                self.send_response(answer.status)
                self.send_header("Content-Type", "application/json")
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base = f"http://{host}:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def succeed(self, job: str, original: str, *before: Answer) -> None:
        """``job``'s status: ``before`` first, then success."""
        done = Answer(
            body={"status": "success", "job_id": job, "timestamp": TIMESTAMP, "original_url": original}
        )
        self.statuses[job] = [*before, done]

    def posts(self) -> list[Request]:
        return [r for r in self.requests if r.method == "POST"]

    def close(self) -> None:
        if self.hold is not None:
            self.hold.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def spn(settings: Settings) -> Iterator[SaveServer]:
    server = SaveServer()
    settings.WAYBACK_SAVE = True
    settings.WAYBACK_URL = server.base
    settings.WAYBACK_POLL_INTERVAL, settings.WAYBACK_RETRY_DELAY = 20, 60
    yield server
    server.close()


@pytest.fixture(autouse=True)
def _no_rate_limit_left_over(settings: Settings) -> Iterator[None]:
    """Every test starts with its turn free and no limit unless it sets one (the turn is shared state)."""
    settings.WAYBACK_SAVES_PER_MINUTE = 0

    def clear() -> None:
        wayback._limiter_for.cache_clear()
        if settings.REDIS_URL:
            import redis

            redis.Redis.from_url(settings.REDIS_URL).delete(wayback.KEY)

    clear()
    yield
    clear()


@pytest.fixture
def queued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The saves a test's code queues, recorded instead of sent to the broker: the test runs them itself."""
    ids: list[int] = []
    monkeypatch.setattr(tasks.save_to_wayback, "delay", ids.append)
    return ids


def asked_version(url: str = "http://127.0.0.1/story", number: int = 0) -> Version:
    """A stored version whose save was asked for now (as recording does with WAYBACK_SAVE on)."""
    article = Article.objects.get_or_create(url=url)[0]
    version = add_version(article, number, "Council approves plan", STORY)
    Version.objects.filter(pk=version.pk).update(**Version.wayback_asked(timezone.now()))
    version.refresh_from_db()
    return version


def step(version: Version) -> Version:
    """One run of the task, as a worker would run it (a retry it schedules runs at once too, and finds the
    save not due yet: these tests move time on themselves)."""
    tasks.save_to_wayback.apply(args=(version.pk,))
    version.refresh_from_db()
    return version


def time_passes(version: Version) -> None:
    Version.objects.filter(pk=version.pk).update(wayback_due_at=timezone.now())


def due_within(version: Version, started: datetime, finished: datetime, seconds: float) -> bool:
    assert version.wayback_due_at is not None
    wait = timedelta(seconds=seconds)
    return started + wait <= version.wayback_due_at <= finished + wait


# --- which versions are saved, and when they are queued ---------------------------------------------------


@pytest.mark.django_db
def test_a_stored_edit_is_queued_once_it_commits_and_minor_versions_are_not(
    spn: SaveServer, local_site: LocalSite, queued: list[int],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:  # fmt: skip
    url = local_site.serve("/story", article_html("Council approves plan", STORY))
    article, _ = Article.objects.track(url)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run_check(article)
    first = article.versions.get(number=0)
    assert first.wayback_status == Version.Wayback.PENDING
    assert first.wayback_requested_at == first.wayback_due_at == first.fetched_at
    assert queued == []  # not before the version is committed
    for callback in callbacks:
        callback()
    assert queued == [first.pk]

    local_site.serve("/story", article_html("Council approves plan", [STORY[0], STORY[1] + " Or later."]))
    with django_capture_on_commit_callbacks(execute=True):
        run_check(Article.objects.get(pk=article.pk))
    edit = article.versions.get(number=1)
    assert (edit.kind, edit.wayback_status) == (Version.Kind.EDIT, Version.Wayback.PENDING)
    assert queued == [first.pk, edit.pk]
    local_site.serve("/story", article_html("Council approves plan", [STORY[0], STORY[1] + " Or, later."]))
    with django_capture_on_commit_callbacks(execute=True):
        run_check(Article.objects.get(pk=article.pk))
    minor = article.versions.get(number=2)
    assert (minor.kind, minor.wayback_status) == (Version.Kind.MINOR, Version.Wayback.NONE)
    assert queued == [first.pk, edit.pk]  # the page a reader sees is the one the edit saved
    assert spn.requests == []  # queued, not sent: the worker sends


@pytest.mark.django_db
def test_with_the_setting_off_nothing_is_asked_or_sent(
    spn: SaveServer, local_site: LocalSite, queued: list[int], settings: Settings,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:  # fmt: skip
    settings.WAYBACK_SAVE = False
    url = local_site.serve("/story", article_html("Council approves plan", STORY))
    article, _ = Article.objects.track(url)
    with django_capture_on_commit_callbacks(execute=True):
        run_check(article)
    assert article.versions.get().wayback_status == Version.Wayback.NONE
    assert queued == []
    # A save asked for while it was on, then turned off: its task and the sweep send nothing.
    version = asked_version("http://127.0.0.1/other")
    Version.objects.filter(pk=version.pk).update(wayback_due_at=timezone.now() - timedelta(days=1))
    assert tasks.save_to_wayback.apply(args=(version.pk,)).get() == "off"
    assert tasks.sweep_wayback_saves() == "off"
    assert (queued, spn.requests) == ([], [])
    version.refresh_from_db()
    assert (version.wayback_status, version.wayback_attempts) == (Version.Wayback.PENDING, 0)


@pytest.mark.django_db
def test_a_removed_articles_save_is_never_sent(spn: SaveServer) -> None:
    version = asked_version()
    Article.objects.filter(pk=version.article_id).update(status=Article.Status.REMOVED)
    assert tasks.save_to_wayback.apply(args=(version.pk,)).get() == "removed"
    version.refresh_from_db()
    assert (version.wayback_status, version.wayback_attempts) == (Version.Wayback.FAILED, 0)
    assert spn.requests == []


# --- a save --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_capture_pending_then_done_is_stored_linked_and_given_by_the_api(
    spn: SaveServer, client: Client, settings: Settings
) -> None:
    settings.WAYBACK_ACCESS_KEY, settings.WAYBACK_SECRET_KEY = "key", "secret"
    version = asked_version()
    spn.succeed("spn2-1", "http://127.0.0.1/story", Answer(body={"status": "pending", "job_id": "spn2-1"}))

    started = timezone.now()
    step(version)
    post = spn.posts()[0]
    assert (post.path, post.form) == ("/save", {"url": ["http://127.0.0.1/story"]})
    assert post.headers["Accept"] == "application/json"
    assert post.headers["Authorization"] == "LOW key:secret"
    assert (version.wayback_status, version.wayback_job, version.wayback_attempts) == (
        Version.Wayback.CAPTURING, "spn2-1", 1,
    )  # fmt: skip
    assert due_within(version, started, timezone.now(), 20)  # looked at again later, not waited for

    time_passes(version)
    step(version)
    assert [r.path for r in spn.requests] == ["/save", "/save/status/spn2-1"]
    assert version.wayback_status == Version.Wayback.CAPTURING  # still pending
    time_passes(version)
    step(version)
    snapshot = f"{spn.base}/web/{TIMESTAMP}/http://127.0.0.1/story"
    assert (version.wayback_status, version.wayback_url, version.wayback_attempts) == (
        Version.Wayback.SAVED, snapshot, 1,
    )  # fmt: skip
    assert version.wayback_due_at is None
    assert len(spn.posts()) == 1

    soup = BeautifulSoup(client.get(f"/articles/{version.article_id}/").content, "html.parser")
    link = one(soup, "table.versions td.links a[href*='/web/']")
    assert (link.get_text(), link["href"]) == ("Wayback Machine snapshot", snapshot)
    data = client.get(f"/api/v1/articles/{version.article_id}/versions/0/").json()
    assert data["wayback_url"] == snapshot
    # Done: a late or duplicate task finds nothing to do.
    assert tasks.save_to_wayback.apply(args=(version.pk,)).get() == "not due, or done elsewhere"
    assert len(spn.requests) == 3


@pytest.mark.django_db
def test_without_keys_the_save_is_anonymous_and_a_hostile_answer_links_only_the_article(
    spn: SaveServer,
) -> None:
    version = asked_version()
    spn.statuses["spn2-1"] = [
        Answer(body={"status": "success", "timestamp": TIMESTAMP, "original_url": "javascript:alert(1)"})
    ]
    step(version)
    assert "Authorization" not in spn.posts()[0].headers
    time_passes(version)
    step(version)
    assert version.wayback_url == f"{spn.base}/web/{TIMESTAMP}/http://127.0.0.1/story"

    other = asked_version("http://127.0.0.1/other")
    spn.statuses["spn2-2"] = [
        Answer(body={"status": "success", "timestamp": "<script>", "original_url": "x"})
    ]
    step(other)
    time_passes(other)
    step(other)
    assert (other.wayback_status, other.wayback_url) == (Version.Wayback.PENDING, "")  # retried later
    assert "unreadable timestamp" in other.wayback_error


# --- failures -----------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("where", ["save", "status"])
def test_an_spn_error_is_retried_with_a_doubling_wait_then_the_save_fails(
    spn: SaveServer, settings: Settings, where: str
) -> None:
    settings.WAYBACK_MAX_ATTEMPTS = 3
    error = {"status": "error", "status_ext": "error:service-unavailable", "message": "Try again later."}
    version = asked_version()
    for attempt, wait in ((1, 60), (2, 120), (3, None)):
        if where == "save":
            spn.saves.append(Answer(body=error))
        else:
            spn.statuses[f"spn2-{attempt}"] = [Answer(body={**error, "job_id": f"spn2-{attempt}"})]
            step(version)  # the capture is taken; its status, looked at later, is the error
            time_passes(version)
        started = timezone.now()
        step(version)
        assert version.wayback_attempts == attempt
        assert version.wayback_error.endswith("error:service-unavailable Try again later.")
        if wait is not None:
            assert version.wayback_status == Version.Wayback.PENDING
            assert due_within(version, started, timezone.now(), wait)
            time_passes(version)
    assert version.wayback_status == Version.Wayback.FAILED
    assert len(spn.posts()) == 3
    assert tasks.save_to_wayback.apply(args=(version.pk,)).get() == "not due, or done elsewhere"
    assert len(spn.posts()) == 3


@pytest.mark.django_db
def test_a_429_is_waited_out_by_every_worker(spn: SaveServer) -> None:
    spn.saves.append(
        Answer(
            429, {"message": "You have already reached the limit of active sessions."}, {"Retry-After": "600"}
        )
    )
    version, other = asked_version(), asked_version("http://127.0.0.1/other")
    started = timezone.now()
    step(version)
    assert (version.wayback_status, version.wayback_attempts) == (Version.Wayback.PENDING, 1)
    assert version.wayback_error.startswith("HTTP 429: too many captures asked for: You have already")
    assert due_within(version, started, timezone.now(), 600)  # SPN's wait, longer than the 60 s backoff
    # Another save finds no turn for ten minutes, and asks for nothing meanwhile.
    step(other)
    assert (other.wayback_status, other.wayback_attempts) == (Version.Wayback.PENDING, 0)
    assert other.wayback_due_at is not None
    assert timedelta(seconds=590) < other.wayback_due_at - started <= timedelta(seconds=601)
    assert len(spn.posts()) == 1


@pytest.mark.django_db
def test_a_capture_that_takes_too_long_counts_as_a_failed_attempt(
    spn: SaveServer, settings: Settings
) -> None:
    settings.WAYBACK_POLL_TIMEOUT = 600
    version = step(asked_version())
    Version.objects.filter(pk=version.pk).update(wayback_submitted_at=timezone.now() - timedelta(seconds=601))
    time_passes(version)
    step(version)
    assert (version.wayback_status, version.wayback_attempts) == (Version.Wayback.PENDING, 1)
    assert version.wayback_error == "the capture took longer than 600 s"


@pytest.mark.django_db
def test_an_unreachable_spn_is_retried_like_an_error(spn: SaveServer, settings: Settings) -> None:
    version = asked_version()
    spn.close()  # nothing answers there any more
    step(version)
    assert (version.wayback_status, version.wayback_attempts) == (Version.Wayback.PENDING, 1)
    assert "ConnectError" in version.wayback_error


# --- the shared rate --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_rate_limit_spaces_captures_and_waiting_is_no_attempt(
    spn: SaveServer, settings: Settings
) -> None:
    settings.WAYBACK_SAVES_PER_MINUTE = 2  # a turn every 30 s
    versions = [asked_version(f"http://127.0.0.1/{n}") for n in range(3)]
    started = timezone.now()
    for version in versions:
        step(version)
    assert [v.wayback_status for v in versions] == [Version.Wayback.CAPTURING, *[Version.Wayback.PENDING] * 2]
    assert len(spn.posts()) == 1
    for waiting in versions[1:]:
        assert waiting.wayback_attempts == 0
        assert due_within(waiting, started - timedelta(seconds=1), timezone.now(), 30)
    time_passes(versions[1])
    step(versions[1])  # due by the clock of the database, but the turn is still the first save's
    assert versions[1].wayback_status == Version.Wayback.PENDING
    assert len(spn.posts()) == 1


@pytest.mark.skipif(not django_settings.REDIS_URL, reason="needs Redis (REDIS_URL)")
def test_the_turns_are_shared_by_every_worker_through_redis(settings: Settings) -> None:
    """Two workers' limiters (two Redis clients, as two processes hold): one turn between them."""
    settings.WAYBACK_SAVES_PER_MINUTE = 6
    first, second = wayback.RedisLimiter(settings.REDIS_URL), wayback.RedisLimiter(settings.REDIS_URL)
    assert first.take() == 0
    assert 9 < second.take() <= 10
    assert 9 < first.take() <= 10
    second.hold_off(100)
    assert 99 < first.take() <= 100


def test_the_local_limiter_spaces_turns_and_holds_off() -> None:
    limiter = wayback.LocalLimiter()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(wayback, "interval", lambda: 30.0)
        assert limiter.take() == 0
        assert 29 < limiter.take() <= 30
        limiter.hold_off(100)
        assert 99 < limiter.take() <= 100


# --- duplicate deliveries -------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_task_delivered_twice_at_once_asks_for_one_capture(spn: SaveServer) -> None:
    version = asked_version()
    spn.hold = threading.Event()  # the first capture stays under way while the duplicate runs
    outcomes: list[str] = []

    def deliver() -> None:
        try:
            outcomes.append(str(tasks.save_to_wayback.apply(args=(version.pk,)).result))
        finally:
            connection.close()

    first = threading.Thread(target=deliver)
    first.start()
    deadline = time.monotonic() + 10
    while not spn.posts():
        assert time.monotonic() < deadline, "the capture was never asked for"
        time.sleep(0.02)
    duplicate = threading.Thread(target=deliver)
    duplicate.start()
    duplicate.join(timeout=10)
    assert outcomes == ["not due, or done elsewhere"]
    spn.hold.set()
    first.join(timeout=10)
    version.refresh_from_db()
    assert (version.wayback_status, version.wayback_attempts) == (Version.Wayback.CAPTURING, 1)
    assert len(spn.posts()) == 1


# --- the address guard ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_spn_outside_the_allowed_networks_is_refused_without_connecting(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """127.0.0.2 is kept out of FETCH_ALLOWED_NETWORKS (127.0.0.1/32) by the tests: a save there fails at
    once, for good, and the stand-in there never hears of it; so does a name that resolves to 10.0.0.1,
    judged without a connection; and the connect itself is judged too (the hook), should a name resolve
    elsewhere the second time."""
    other = SaveServer("127.0.0.2")
    try:
        settings.WAYBACK_SAVE, settings.WAYBACK_URL = True, other.base
        version = step(asked_version())
        assert (version.wayback_status, version.wayback_attempts) == (Version.Wayback.FAILED, 1)
        assert version.wayback_error == "refused: 127.0.0.2 is non-public address 127.0.0.2"

        resolver = RecordingResolver({"spn.example": ["10.0.0.1"]})
        monkeypatch.setattr(wayback, "resolve", resolver)
        settings.WAYBACK_URL = "https://spn.example"
        named = step(asked_version("http://127.0.0.1/named"))
        assert named.wayback_error == "refused: spn.example resolves to non-public address 10.0.0.1"
        assert resolver.asked == ["spn.example"]

        # Past the first judgement (a DNS answer that changes), the connect to 127.0.0.2 is refused.
        monkeypatch.setattr(wayback, "checked_address", lambda *args: "127.0.0.1")
        settings.WAYBACK_URL = other.base
        hooked = step(asked_version("http://127.0.0.1/hooked"))
        assert hooked.wayback_status == Version.Wayback.FAILED
        assert hooked.wayback_error.startswith("refused: 127.0.0.2 is a non-public address ConnectError")
        assert other.requests == []
    finally:
        other.close()
    assert guard.refusal(("127.0.0.2", other.port), ["127.0.0.1/32"]) is not None


# --- beat's sweep ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_sweep_queues_due_saves_the_longest_due_first_a_bounded_number_a_run(
    spn: SaveServer, settings: Settings, queued: list[int]
) -> None:
    settings.WAYBACK_SWEEP_GRACE = 120
    now = timezone.now()

    def save(name: str, seconds_due: float, status: str = Version.Wayback.PENDING) -> Version:
        version = asked_version(f"http://127.0.0.1/{name}")
        due = now - timedelta(seconds=seconds_due)
        Version.objects.filter(pk=version.pk).update(wayback_status=status, wayback_due_at=due)
        return version

    lost = [save(f"lost-{n}", minutes * 60) for n, minutes in enumerate((30, 20, 10))]
    look_lost = save("look-lost", 200, Version.Wayback.CAPTURING)  # its countdown is late by the grace
    turn_come = save("turn-come", 10)
    save("look-coming", 60, Version.Wayback.CAPTURING)  # its own countdown will run it
    save("retry-later", -300)
    save("saved", 3600, Version.Wayback.SAVED)
    save("failed", 3600, Version.Wayback.FAILED)

    settings.WAYBACK_SWEEP_BATCH = 4
    assert tasks.sweep_wayback_saves() == "4 queued"
    assert queued == [v.pk for v in [*lost, look_lost]]
    queued.clear()
    settings.WAYBACK_SWEEP_BATCH = 20
    assert tasks.sweep_wayback_saves() == "5 queued"  # none run meanwhile: the same again, and one more
    assert queued == [v.pk for v in [*lost, look_lost, turn_come]]
    assert spn.requests == []


@pytest.mark.django_db
def test_a_save_without_a_turn_is_brought_back_by_the_sweep_once_its_turn_has_come(
    spn: SaveServer, settings: Settings, queued: list[int]
) -> None:
    settings.WAYBACK_SAVES_PER_MINUTE = 60
    first, second = asked_version("http://127.0.0.1/1"), asked_version("http://127.0.0.1/2")
    assert step(first).wayback_status == Version.Wayback.CAPTURING  # asked; looked at again by countdown
    assert tasks.save_to_wayback.apply(args=(second.pk,)).get() == "waiting for its turn"
    assert tasks.sweep_wayback_saves() == "0 queued"  # no task queued by countdown for it: nothing wakes
    pause(threading.Event(), 1.1)  # a turn a second
    assert tasks.sweep_wayback_saves() == "1 queued"
    assert queued == [second.pk]
    assert step(second).wayback_status == Version.Wayback.CAPTURING
    assert len(spn.posts()) == 2


def test_the_sweep_is_on_the_one_beat_schedule() -> None:
    from newsdiffs.celery import app

    entry = django_settings.CELERY_BEAT_SCHEDULE["sweep-wayback-saves"]
    assert entry["task"] == tasks.sweep_wayback_saves.name
    assert entry["task"] in app.tasks


@pytest.mark.once
@pytest.mark.skipif(not django_settings.REDIS_URL, reason="needs Redis (REDIS_URL)")
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_given_the_task_twice_asks_once_and_looks_again_by_countdown(
    spn: SaveServer, settings: Settings
) -> None:
    """A worker on the broker running two tasks at a time (as two pool processes would) gets the same save
    twice at once: one capture is asked for; the looks at it come back through the broker by countdown."""
    from celery.contrib.testing.worker import start_worker

    from newsdiffs.celery import app

    settings.WAYBACK_POLL_INTERVAL = 1
    version = asked_version()
    spn.succeed("spn2-1", "http://127.0.0.1/story", Answer(body={"status": "pending", "job_id": "spn2-1"}))
    spn.hold = threading.Event()
    app.control.purge()  # tasks left in the broker by an earlier run must not run against this database
    with start_worker(app, pool="threads", concurrency=2, perform_ping_check=False, loglevel="WARNING"):
        tasks.queue_now(tasks.save_to_wayback, [version.pk], "the Wayback save of version")
        tasks.queue_now(tasks.save_to_wayback, [version.pk], "the Wayback save of version")  # twice, at once
        deadline = time.monotonic() + 30
        while not spn.posts():
            assert time.monotonic() < deadline, "the capture was never asked for"
            time.sleep(0.05)
        pause(threading.Event(), 1.0)  # the duplicate runs meanwhile
        spn.hold.set()
        while Version.objects.get(pk=version.pk).wayback_status != Version.Wayback.SAVED:
            assert time.monotonic() < deadline + 30, "the capture was never looked at to the end"
            time.sleep(0.05)
    version.refresh_from_db()
    assert version.wayback_attempts == 1
    assert [r.path for r in spn.requests] == ["/save", "/save/status/spn2-1", "/save/status/spn2-1"]
