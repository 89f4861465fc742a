"""What the notification tests (test_notifications_*.py) share: a receiver on 127.0.0.1 for webhooks and
Apprise's json://, a local SMTP server for mailto://, the sends a test's code queues (recorded, not sent to
the broker), a source and an edited version of its article, a rule and its one delivery, and the README's
signature verifier.

conftest.py registers this module in ``pytest_plugins``, so its fixtures reach every test module; the
tests import its helpers by name."""

import re
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from articles import tasks
from articles.models import Article, Delivery, NotificationRule, Source, Version
from articles.tests.support import Receiver, add_version
from bench.processes import free_port

BASE_DIR = Path(__file__).resolve().parents[2]
STORY = ["The council approved the plan on Tuesday after a long debate.", "Work starts next spring."]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def no_broker(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """The sends a test's code queues, recorded instead of sent to the broker: the test runs them itself."""
    queued: list[tuple[str, int]] = []
    record = lambda pk: queued.append(("send_delivery", pk))  # noqa: E731
    monkeypatch.setattr(tasks.send_delivery, "delay", record)
    return queued


@pytest.fixture
def source() -> Source:
    return Source.objects.create(name="The Daily Test", slug="daily", homepage="http://127.0.0.1/")


@pytest.fixture
def edited(source: Source) -> Version:
    """Version 1 of an article of ``source``: its headline rewritten, a word of its text changed."""
    article = Article.objects.create(url="http://127.0.0.1/story", source=source)
    add_version(article, 0, "Council approves plan", STORY)
    return add_version(article, 1, "Council rejects plan", [STORY[0].replace("Tuesday", "Monday"), STORY[1]])


def rule_for(receiver: Receiver | None = None, **fields: Any) -> NotificationRule:
    if receiver is not None:
        fields.setdefault("webhook_url", receiver.url("/hook"))
    return NotificationRule.objects.create(name=fields.pop("name", "desk"), **fields)


def delivery_of(version: Version) -> Delivery:
    ids = Delivery.objects.create_for(version)
    assert len(ids) == 1
    return Delivery.objects.get(pk=ids[0])


def readme_verifier() -> Callable[[str, str, bytes], bool]:
    """The README's verification snippet, run as a receiver would paste it."""
    readme = (BASE_DIR / "README.md").read_text()
    section = readme[readme.index("## Notifications") : readme.index("## API")]
    code = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert code is not None
    namespace: dict[str, Any] = {}
    exec(code.group(1), namespace)
    verifier: Callable[[str, str, bytes], bool] = namespace["verify_newsdiffs_signature"]
    return verifier


class Mailbox:
    """aiosmtpd's handler: keeps what it is given."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def mailbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Mailbox, int]]:
    # smtplib names this machine in its EHLO with getfqdn(), a resolver query the tests never make.
    monkeypatch.setattr(socket, "getfqdn", lambda name="": "newsdiffs.test")
    box, port = Mailbox(), free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port, server_hostname="smtp.test")
    controller.start()
    yield box, port
    controller.stop()
