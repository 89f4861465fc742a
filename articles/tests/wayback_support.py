"""What the Wayback Machine tests (test_wayback_*.py) share: a stand-in of the SPN2 API (Save Page Now) on
127.0.0.1 that a test tells what to answer, the saves a test's code queues (recorded, not sent to the
broker), a version whose save was asked for, and one run of the task as a worker runs it.

conftest.py registers this module in ``pytest_plugins``, so its fixtures reach the test modules; each asks
in its pytestmark for a turn free of any rate limit left over (the turn is shared state), and they import
the helpers by name."""

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
from django.utils import timezone
from pytest_django import Settings

from articles import tasks, wayback
from articles.models import Article, Version
from articles.tests.support import add_version, pause

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


@pytest.fixture
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
