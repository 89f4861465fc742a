"""Notification rules and signed webhooks: which versions a rule wants, one delivery per rule and version,
what is sent (webhook JSON with its signature, Apprise's json:// and mailto://, each to a real receiver on
127.0.0.1), failures and retries, the address guard over every connection, the staff page and the command.

Real workers (a duplicate task, a worker killed mid-send) are in test_notification_workers.py."""

import base64
import email.policy
import json
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from email import message_from_bytes
from email.message import EmailMessage
from io import BytesIO, StringIO
from pathlib import Path
from typing import Any

import httpx
import kombu.exceptions
import pytest
import requests
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.utils import timezone
from openapi_schema_validator import OAS31Validator
from pytest_django import Settings

from articles import tasks
from articles.checking import run_check
from articles.models import Article, Delivery, NotificationRule, Source, Version
from articles.notifying import deliveries, guard, messages, sending, signing, targets
from articles.tests.support import (
    LocalSite,
    Receiver,
    a_small_site,
    add_version,
    article_html,
)
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


# --- which versions a rule wants ------------------------------------------------------------------------


def version_like(
    kind: str = "edit", number: int = 1, title: bool = False, social: bool = False, words: int = 0
) -> Version:
    return Version(kind=kind, number=number, title_changed=title, social_title_changed=social,
                   words_added=words, words_removed=0)  # fmt: skip


@pytest.mark.parametrize(
    ("version", "every_edit", "headlines", "five_words"),
    [
        (version_like(title=True, words=2), True, True, False),
        (version_like(words=7), True, False, True),
        (version_like(social=True), True, True, False),
        (version_like(words=5), True, False, True),
        (version_like("minor", words=9), False, False, False),
        (version_like("parser", title=True, words=9), False, False, False),
        (version_like(number=0, title=True, words=9), False, False, False),
    ],
    ids=["headline", "seven-words", "social-headline", "five-words", "minor", "parser", "first-version"],
)
def test_it_wants_edits_by_what_the_rule_asks(
    version: Version, every_edit: bool, headlines: bool, five_words: bool
) -> None:
    assert NotificationRule(name="all").wants(version) is every_edit
    assert NotificationRule(name="h", headlines_only=True).wants(version) is headlines
    assert NotificationRule(name="5", min_words=5).wants(version) is five_words
    both = NotificationRule(name="h5", headlines_only=True, min_words=5).wants(version)
    assert both is (headlines and five_words)


@pytest.mark.django_db
def test_it_finds_the_enabled_rules_whose_scope_holds_the_article(source: Source) -> None:
    other_source = Source.objects.create(name="Other", slug="other")
    article = Article.objects.create(url="http://127.0.0.1/a", source=source)
    other = Article.objects.create(url="http://127.0.0.1/b", source=other_source)
    loose = Article.objects.create(url="http://127.0.0.1/c")
    scopes: list[tuple[str, dict[str, Any]]] = [
        ("article", {"article": article}), ("other-article", {"article": other}),
        ("source", {"source": source}), ("other-source", {"source": other_source}), ("everything", {}),
    ]  # fmt: skip
    for name, scope in scopes:
        rule_for(name=name, targets="json://127.0.0.1:9/", **scope)
    rule_for(name="disabled", targets="json://127.0.0.1:9/", enabled=False)

    def names(a: Article) -> set[str]:
        return set(NotificationRule.objects.for_article(a).values_list("name", flat=True))

    assert names(article) == {"article", "source", "everything"}
    assert names(other) == {"other-article", "other-source", "everything"}
    assert names(loose) == {"everything"}


@pytest.mark.django_db
def test_a_rule_is_for_an_article_or_a_source_and_sends_somewhere(source: Source) -> None:
    article = Article.objects.create(url="http://127.0.0.1/a", source=source)
    cases = {
        "source": NotificationRule(name="x", targets="json://127.0.0.1:9/", article=article, source=source),
        "targets": NotificationRule(name="x"),
    }
    for field, rule in cases.items():
        with pytest.raises(ValidationError) as refused:
            rule.full_clean()
        assert field in refused.value.message_dict
    for bad, said in [
        ("nosuchservice://x", "not a service Apprise knows"),
        ("json://10.0.0.1/hook", "a private or reserved address"),
    ]:
        with pytest.raises(ValidationError) as refused:
            NotificationRule(name="x", targets=bad).full_clean()
        assert said in str(refused.value)
    with pytest.raises(ValidationError, match="private or reserved"):
        NotificationRule(name="x", webhook_url="http://169.254.169.254/latest").full_clean()
    with pytest.raises(ValidationError, match="http or https"):
        NotificationRule(name="x", webhook_url="ftp://127.0.0.1/").full_clean()
    NotificationRule(name="ok", targets="json://127.0.0.1:9/\n# a comment\n\n", source=source).full_clean()


# --- a stored version makes one delivery per rule ---------------------------------------------------------


@pytest.mark.django_db
def test_a_check_that_stores_an_edit_makes_one_delivery_per_rule(
    local_site: LocalSite, no_broker: list[tuple[str, int]],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:  # fmt: skip
    rule = rule_for(targets="json://127.0.0.1:9/")
    other = rule_for(name="long edits only", targets="json://127.0.0.1:9/", min_words=50)
    url = local_site.serve("/story", article_html("Council approves plan", STORY))
    article, _ = Article.objects.track(url)
    with django_capture_on_commit_callbacks(execute=True):
        run_check(article)
    assert Delivery.objects.count() == 0  # version 0 is no change

    local_site.serve("/story", article_html("Council approves plan", [STORY[0], STORY[1] + " Or later."]))
    with django_capture_on_commit_callbacks(execute=True):
        run_check(Article.objects.get(pk=article.pk))
    version = article.versions.get(number=1)
    delivery = Delivery.objects.get()  # made in the version's transaction; the other rule wants more words
    assert (delivery.rule, delivery.version, delivery.status) == (rule, version, Delivery.Status.PENDING)
    assert no_broker == [("send_delivery", delivery.pk)]  # queued once the version was committed
    assert Delivery.objects.create_for(version) == [delivery.pk]  # again: the same delivery, no other
    assert not Delivery.objects.filter(rule=other).exists()

    local_site.serve("/story", article_html("Council approves plan", [STORY[0], STORY[1] + " Or, later."]))
    with django_capture_on_commit_callbacks(execute=True):
        run_check(Article.objects.get(pk=article.pk))
    assert article.versions.get(number=2).kind == Version.Kind.MINOR
    assert Delivery.objects.count() == 1  # a minor edit never notifies
    assert len(no_broker) == 1


@pytest.mark.django_db
def test_no_rule_for_the_article_makes_nothing(
    local_site: LocalSite, no_broker: list[tuple[str, int]], source: Source,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:  # fmt: skip
    rule_for(targets="json://127.0.0.1:9/", source=source)
    url = local_site.serve("/story", article_html("Council approves plan", STORY))
    article, _ = Article.objects.track(url)
    run_check(article)
    local_site.serve("/story", article_html("Council rejects plan", STORY))
    with django_capture_on_commit_callbacks(execute=True):
        run_check(Article.objects.get(pk=article.pk))
    assert article.versions.count() == 2
    assert Delivery.objects.count() == 0
    assert no_broker == []


@pytest.mark.django_db
def test_a_broker_that_cannot_take_the_send_does_not_fail_the_check(
    local_site: LocalSite, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:  # fmt: skip
    """Redis down as the version commits: the check is a success all the same, and the delivery waits for
    the sweep, which queues it again once it is overdue."""

    def broker_down(pk: int) -> None:
        raise kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.send_delivery, "delay", broker_down)
    rule_for(targets="json://127.0.0.1:9/")
    url = local_site.serve("/story", article_html("Council approves plan", STORY))
    article, _ = Article.objects.track(url)
    run_check(article)
    local_site.serve("/story", article_html("Council rejects plan", STORY))
    with django_capture_on_commit_callbacks(execute=True):
        outcome = run_check(Article.objects.get(pk=article.pk))
    assert str(outcome) == "new version 1"
    assert Article.objects.get(pk=article.pk).last_error == ""
    assert "could not queue deliveries" in caplog.text
    assert Delivery.objects.get().status == Delivery.Status.PENDING


# --- what is sent ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_webhook_gets_signed_json_that_the_readme_snippet_verifies(
    receiver: Receiver, edited: Version, settings: Settings
) -> None:
    settings.SITE_URL = "https://news.example.org"
    rule = rule_for(receiver)
    delivery = delivery_of(edited)
    before = int(time.time())

    assert tasks.send_delivery(delivery.pk) == "sent"

    [request] = receiver.received
    headers = {name.lower(): value for name, value in request.headers.items()}
    assert headers["content-type"] == "application/json"
    assert headers["newsdiffs-event"] == "version.stored"
    assert headers["newsdiffs-delivery"] == str(delivery.pk)
    verify = readme_verifier()
    assert verify(rule.webhook_secret, headers["newsdiffs-signature"], request.body)
    timestamp = int(re.search(r"t=(\d+)", headers["newsdiffs-signature"]).group(1))  # type: ignore[union-attr]
    assert before <= timestamp <= time.time()
    assert not verify(rule.webhook_secret, headers["newsdiffs-signature"], request.body + b" ")
    assert not verify("another-secret", headers["newsdiffs-signature"], request.body)
    assert signing.verify(rule.webhook_secret, headers["newsdiffs-signature"], request.body, time.time())
    old = signing.signature_header(rule.webhook_secret, before - 301, request.body)
    assert not verify(rule.webhook_secret, old, request.body)  # a replay, five minutes late

    data = json.loads(request.body)
    article = edited.article
    assert data["event"] == "version.stored"
    assert data["delivery"] == delivery.pk
    assert data["rule"] == {"id": rule.pk, "name": "desk"}
    assert data["article"] == {
        "id": article.pk, "url": article.url, "source": "daily",
        "page_url": f"https://news.example.org/articles/{article.pk}/",
    }  # fmt: skip
    assert data["versions"]["old"] == 0
    assert data["versions"]["new"] == 1
    assert data["headline"] == {
        "before": "Council approves plan", "after": "Council rejects plan", "changed": True,
        "social_changed": False,
    }  # fmt: skip
    assert data["stats"]["words_added"] == edited.words_added > 0
    assert data["diff_url"] == f"https://news.example.org/articles/{article.pk}/diff/0/1/"
    assert data["api_diff_url"] == f"https://news.example.org/api/v1/articles/{article.pk}/diff/0/1/"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (Delivery.Status.SENT, 1, "")
    assert delivery.sent_at is not None


@pytest.mark.django_db
def test_the_webhook_payload_is_what_the_openapi_schema_says(receiver: Receiver, edited: Version) -> None:
    rule_for(receiver)
    tasks.send_delivery(delivery_of(edited).pk)
    schema = Client().get("/api/v1/schema?format=json").json()
    assert schema["openapi"].startswith("3.1")
    webhook = schema["webhooks"]["version.stored"]["post"]
    assert {p["name"] for p in webhook["parameters"]} == {
        "Newsdiffs-Signature", "Newsdiffs-Delivery", "Newsdiffs-Event",
    }  # fmt: skip
    body_schema = webhook["requestBody"]["content"]["application/json"]["schema"]
    document = {**body_schema, "components": schema["components"]}
    OAS31Validator(document).validate(json.loads(receiver.received[0].body))
    ping = schema["webhooks"]["ping"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    OAS31Validator({**ping, "components": schema["components"]}).validate(
        json.loads(messages.encoded(messages.ping_payload(1, "desk", timezone.now())))
    )


@pytest.mark.django_db
def test_apprise_json_gets_the_title_and_body(receiver: Receiver, edited: Version) -> None:
    rule_for(targets=receiver.url("/notify", scheme="json"))
    delivery = delivery_of(edited)
    assert tasks.send_delivery(delivery.pk) == "sent"
    [request] = receiver.received
    assert request.path == "/notify"
    data = json.loads(request.body)
    assert data["title"] == "Headline changed: Council approves plan → Council rejects plan"
    article = edited.article
    assert data["message"].splitlines() == [
        f"v1 of {article.url} (The Daily Test): {edited.stats.summary()}.",
        "Before: Council approves plan",
        "After: Council rejects plan",
        f"Diff: http://127.0.0.1:8000/articles/{article.pk}/diff/0/1/",
        f"Card: http://127.0.0.1:8000/articles/{article.pk}/diff/0/1/card.png",
        f"History: http://127.0.0.1:8000/articles/{article.pk}/",
    ]


def test_a_title_without_a_headline_change_counts_the_words(edited_change: messages.Change) -> None:
    assert messages.title(edited_change) == "Council approves plan: +3/−1 words"


@pytest.fixture
def edited_change() -> messages.Change:
    from articles.diffing import ChangeStats

    stats = ChangeStats(words_added=3, words_removed=1)
    return messages.Change(
        article_id=1, article_url="https://news.example/a", source=None, source_name=None, old_number=0,
        new_number=1, kind="edit", fetched_at=timezone.now(), headline_before="Council approves plan",
        headline_after="Council approves plan", stats=stats, page_url="/a", diff_url="/d", card_url=None,
        api_diff_url="/api",
    )  # fmt: skip


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


@pytest.mark.django_db
def test_mailto_sends_an_email_to_a_local_smtp_server(mailbox: tuple[Mailbox, int], edited: Version) -> None:
    box, port = mailbox
    rule_for(
        targets=f"mailto://127.0.0.1:{port}?from=newsdiffs@example.org&to=desk@example.org&mode=insecure"
    )
    assert tasks.send_delivery(delivery_of(edited).pk) == "sent"
    [envelope] = box.envelopes
    assert envelope.rcpt_tos == ["desk@example.org"]
    assert isinstance(envelope.content, bytes)
    mail = message_from_bytes(envelope.content, policy=email.policy.default)
    assert isinstance(mail, EmailMessage)
    assert mail["Subject"] == "Headline changed: Council approves plan → Council rejects plan"
    body = mail.get_body(preferencelist=("plain",))
    assert isinstance(body, EmailMessage)
    text = body.get_content()
    assert f"/articles/{edited.article_id}/diff/0/1/" in text


# --- failures and retries -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_failing_receiver_is_retried_with_a_doubling_wait_then_the_delivery_fails(
    receiver: Receiver, edited: Version, settings: Settings
) -> None:
    settings.NOTIFY_RETRY_DELAY, settings.NOTIFY_MAX_ATTEMPTS = 60, 3
    receiver.status = 500
    rule_for(receiver)
    delivery = delivery_of(edited)

    for attempt, wait in ((1, 60), (2, 120), (3, None)):
        started = timezone.now()
        tasks.send_delivery.apply(args=(delivery.pk,))  # its retry runs at once too, and finds it not due
        finished = timezone.now()
        delivery.refresh_from_db()
        assert delivery.attempts == attempt
        assert len(receiver.received) == attempt
        assert "HTTP 500" in delivery.last_error
        if wait is not None:
            assert delivery.status == Delivery.Status.RETRYING
            due = timedelta(seconds=wait)
            assert started + due <= delivery.next_attempt_at <= finished + due
            Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())  # time passes
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.last_error.startswith(f"webhook http://127.0.0.1:{receiver.port}/hook: HTTP 500")
    assert tasks.send_delivery(delivery.pk) == "not due, or sent elsewhere"
    assert len(receiver.received) == 3


@pytest.mark.django_db
def test_a_refused_port_is_recorded_and_retried_until_failed(edited: Version, settings: Settings) -> None:
    settings.NOTIFY_RETRY_DELAY, settings.NOTIFY_MAX_ATTEMPTS = 0, 3
    port = free_port()  # nothing listens there
    rule_for(targets=f"json://127.0.0.1:{port}/x", webhook_url=f"http://127.0.0.1:{port}/hook")
    delivery = delivery_of(edited)
    tasks.send_delivery.apply(args=(delivery.pk,))  # with no wait, the retries run one after the other
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, 3)
    assert "Connection error" in delivery.last_error
    assert "Connection refused" in delivery.last_error
    assert f"webhook http://127.0.0.1:{port}/hook: ConnectError" in delivery.last_error


@pytest.mark.django_db
def test_a_retry_sends_only_to_the_targets_that_failed(edited: Version, settings: Settings) -> None:
    settings.NOTIFY_RETRY_DELAY = 60
    working, failing = Receiver(), Receiver(status=503)
    try:
        rule_for(targets=working.url("/a", scheme="json"), webhook_url=failing.url("/hook"))
        delivery = delivery_of(edited)
        tasks.send_delivery.apply(args=(delivery.pk,))
        delivery.refresh_from_db()
        assert delivery.status == Delivery.Status.RETRYING  # the retry came too soon to claim it
        failing.status = 200
        Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now())
        assert tasks.send_delivery.apply(args=(delivery.pk,)).get() == "sent"
        assert (len(working.received), len(failing.received)) == (1, 2)
    finally:
        working.close()
        failing.close()


@pytest.mark.django_db(transaction=True)
def test_each_target_reached_is_on_record_at_once(receiver: Receiver, edited: Version) -> None:
    """A worker that dies while sending to its rule's second target leaves the first on record: sending
    the delivery again goes to the second only."""
    chat = Receiver()
    try:
        rule_for(receiver, targets=chat.url("/chat", scheme="json"))
        delivery = delivery_of(edited)
        receiver.hold = threading.Event()  # the webhook, sent after the Apprise URLs, is held

        def send() -> None:
            try:
                tasks.send_delivery(delivery.pk)
            finally:
                connection.close()

        sender = threading.Thread(target=send)
        sender.start()
        deadline = time.monotonic() + 10
        while not receiver.received:
            assert time.monotonic() < deadline, "the webhook was never sent"
            time.sleep(0.02)
        under_way = Delivery.objects.get(pk=delivery.pk)
        chat_key = targets.target_key(chat.url("/chat", scheme="json"))
        assert (under_way.status, under_way.done_targets) == (Delivery.Status.SENDING, [chat_key])
        receiver.hold.set()
        sender.join(timeout=10)
        delivery.refresh_from_db()
        assert delivery.status == Delivery.Status.SENT
        assert delivery.done_targets == sorted([chat_key, "webhook"])
    finally:
        chat.close()


@pytest.mark.django_db
def test_a_claimed_delivery_is_sent_by_its_claimer_only(
    receiver: Receiver, edited: Version, settings: Settings
) -> None:
    """A second task for a delivery being sent does nothing; once the claim is older than any send can be,
    its worker died mid-send: the delivery is interrupted, not sent again."""
    settings.NOTIFY_SEND_LEASE = 60
    rule_for(receiver)
    delivery = delivery_of(edited)
    assert Delivery.objects.claim(delivery.pk, timezone.now())  # a worker is sending it
    assert tasks.send_delivery(delivery.pk) == "not due, or sent elsewhere"
    Delivery.objects.filter(pk=delivery.pk).update(claimed_at=timezone.now() - timedelta(seconds=61))
    assert tasks.send_delivery(delivery.pk) == "interrupted"
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.INTERRUPTED
    assert "stopped mid-send" in delivery.last_error
    assert receiver.received == []

    assert delivery.send_again(timezone.now())  # staff: it did not arrive
    assert tasks.send_delivery(delivery.pk) == "sent"
    assert len(receiver.received) == 1


@pytest.mark.django_db
def test_the_sweep_interrupts_dead_sends_and_requeues_lost_tasks(
    edited: Version, settings: Settings, no_broker: list[tuple[str, int]]
) -> None:
    settings.NOTIFY_SEND_LEASE, settings.NOTIFY_SWEEP_GRACE = 60, 120
    rule_for(targets="json://127.0.0.1:9/")
    first = delivery_of(edited)
    other_rule = rule_for(name="other", targets="json://127.0.0.1:9/")
    second = Delivery.objects.create(rule=other_rule, version=edited)
    long_ago = timezone.now() - timedelta(minutes=10)
    Delivery.objects.filter(pk=first.pk).update(status=Delivery.Status.SENDING, claimed_at=long_ago)
    Delivery.objects.filter(pk=second.pk).update(next_attempt_at=long_ago)
    assert tasks.sweep_deliveries() == "1 interrupted, 1 queued again"
    assert Delivery.objects.get(pk=first.pk).status == Delivery.Status.INTERRUPTED
    assert no_broker == [("send_delivery", second.pk)]


def test_the_retry_wait_doubles_up_to_its_cap(settings: Settings) -> None:
    settings.NOTIFY_RETRY_DELAY, settings.NOTIFY_RETRY_MAX_DELAY = 60, 300
    assert [deliveries.retry_delay(n) for n in range(1, 6)] == [60, 120, 240, 300, 300]


# --- the address guard ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [("10.0.0.1", 80), ("169.254.169.254", 80), ("192.168.1.1", 25), ("127.0.0.2", 8080),
     ("::ffff:10.0.0.1", 443, 0, 0), ("fe80::1%eth0", 80, 0, 2), ("::1", 80, 0, 0), ("0.0.0.0", 80),
     ("metadata.google.internal", 80)],
)  # fmt: skip
def test_the_guard_refuses_non_public_addresses_without_connecting(address: tuple[Any, ...]) -> None:
    assert guard.refusal(address, ["127.0.0.1/32"]) is not None
    with (
        guard.guarded(["127.0.0.1/32"]),
        socket.socket() as sock,
        pytest.raises(guard.RefusedAddress, match="refused"),
    ):
        guard._audit("socket.connect", (sock, address))  # what connect() would do first


def test_the_guard_allows_public_addresses_and_the_allowed_networks() -> None:
    for address in [("93.184.216.34", 443), ("2606:2800:220:1::", 443, 0, 0), ("127.0.0.1", 80)]:
        assert guard.refusal(address, ["127.0.0.1/32"]) is None


def test_the_guard_refuses_127_0_0_2_for_every_client_and_only_while_sending() -> None:
    target = Receiver("127.0.0.2")
    try:
        host, port = target.host, target.port
        with guard.guarded(["127.0.0.1/32"]) as watching:
            with pytest.raises(guard.RefusedAddress):
                socket.create_connection((host, port), timeout=2)
            with pytest.raises(httpx.ConnectError):
                httpx.post(target.url(), content=b"{}", timeout=2)
            with pytest.raises(requests.ConnectionError):
                requests.post(target.url(), data=b"{}", timeout=2)
        assert len(watching.refused) == 3
        assert target.received == []
        requests.post(target.url(), data=b"{}", timeout=2)  # outside a send the hook lets it be
        assert len(target.received) == 1
    finally:
        target.close()


@pytest.mark.django_db
def test_a_notification_to_a_refused_address_fails_at_once_naming_it(
    edited: Version, monkeypatch: pytest.MonkeyPatch, mailbox: tuple[Mailbox, int]
) -> None:
    """The rule's form refuses literal private addresses; this one got past it (a name that resolves
    there would): the guard refuses every connection at connect, Apprise's and the webhook's, before a
    packet goes out, and the delivery fails without retries."""
    target = Receiver("127.0.0.2")
    monkeypatch.setattr(sending, "_refused_up_front", lambda url, allowed: None)
    try:
        rule_for(
            targets=f"json://127.0.0.2:{target.port}/x\nmailto://127.0.0.2:{mailbox[1]}?from=a@example.org&to=b@example.org&mode=insecure",
            webhook_url=target.url("/hook"),
        )
        delivery = delivery_of(edited)
        assert tasks.send_delivery.apply(args=(delivery.pk,)).get() == "failed"
        delivery.refresh_from_db()
        assert delivery.attempts == 1
        errors = delivery.last_error.split("; ")
        assert [error.partition(":")[0] for error in errors] == ["json", "mailto", "webhook http"]
        for error in errors:
            assert "refused: 127.0.0.2 is a non-public address" in error
        assert target.received == []
        assert mailbox[0].envelopes == []
    finally:
        target.close()


# --- secrets ----------------------------------------------------------------------------------------------


def test_targets_are_shown_with_their_secrets_masked() -> None:
    assert (
        targets.shown("json://user:s3cretpassw0rd@127.0.0.1:8080/hook")
        == "json://user:****@127.0.0.1:8080/hook"
    )
    slack = targets.shown("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#general")
    assert "TIiajkdnlazkcOXrIdevi7FQ" not in slack
    assert slack.startswith("slack://")
    assert targets.shown("nonsense://secret-token") == "nonsense://…"
    error = "POST to json://user:s3cretpassw0rd@127.0.0.1:8080/hook failed (password s3cretpassw0rd)"
    scrubbed = targets.scrub(error, ["json://user:s3cretpassw0rd@127.0.0.1:8080/hook"])
    assert "s3cretpassw0rd" not in scrubbed
    assert sending.webhook_shown("https://u:p@hooks.example.org/in?token=abcdefsecret") == (
        "https://hooks.example.org/in"
    )


# --- the staff page, the test button, send again ------------------------------------------------------------


@pytest.fixture
def staff_site() -> dict[str, Any]:
    made = a_small_site()
    version = made.article.versions.get(number=1)
    rule = rule_for(
        name="Desk <b>alerts</b>",
        targets="json://user:s3cretpassw0rd@127.0.0.1:9/hook",
        webhook_url="http://127.0.0.1:9/hook?token=abcdefsecret",
        source=made.source,
    )
    delivery = Delivery.objects.create(
        rule=rule, version=version, status=Delivery.Status.FAILED, attempts=5,
        last_error="<script>alert(1)</script> HTTP 500",
    )  # fmt: skip
    staff, reader = Client(), Client()
    staff.force_login(made.staff)
    reader.force_login(made.reader)
    return {"rule": rule, "delivery": delivery, "staff": staff, "reader": reader}


@pytest.mark.django_db
def test_the_staff_page_lists_rules_with_masked_secrets_and_the_log(staff_site: dict[str, Any]) -> None:
    rule = staff_site["rule"]
    page = staff_site["staff"].get("/staff/notifications/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "json://user:****@127.0.0.1:9/hook" in html
    assert "webhook <code>http://127.0.0.1:9/hook</code>" in html
    for secret in ("s3cretpassw0rd", "abcdefsecret", rule.webhook_secret):
        assert secret not in html
    assert 'every edit of <a href="/sources/daily/">source daily</a>' in html
    assert "Desk &lt;b&gt;alerts&lt;/b&gt;" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; HTTP 500" in html
    assert "<script>alert" not in html
    assert f'action="/staff/notifications/deliveries/{staff_site["delivery"].pk}/resend/"' in html


@pytest.mark.django_db
def test_only_staff_see_the_page_and_press_its_buttons(staff_site: dict[str, Any]) -> None:
    rule, delivery = staff_site["rule"], staff_site["delivery"]
    for url in ("/staff/notifications/", f"/staff/notifications/rules/{rule.pk}/test/"):
        anonymous = Client().post(url) if url.endswith("/test/") else Client().get(url)
        assert anonymous.status_code == 302
        assert anonymous["Location"].startswith("/admin/login/?next=")
    assert staff_site["reader"].get("/staff/notifications/").status_code == 403
    assert staff_site["reader"].post(f"/staff/notifications/rules/{rule.pk}/test/").status_code == 403
    assert (
        staff_site["reader"].post(f"/staff/notifications/deliveries/{delivery.pk}/resend/").status_code == 403
    )
    assert staff_site["staff"].get(f"/staff/notifications/rules/{rule.pk}/test/").status_code == 405
    assert Delivery.objects.get(pk=delivery.pk).status == Delivery.Status.FAILED
    assert NotificationRule.objects.get(pk=rule.pk).tested_at is None


@pytest.mark.django_db
def test_the_test_button_sends_a_ping_and_says_how_it_went(
    staff_site: dict[str, Any], receiver: Receiver
) -> None:
    rule = staff_site["rule"]
    NotificationRule.objects.filter(pk=rule.pk).update(
        targets=receiver.url("/chat", scheme="json"), webhook_url=receiver.url("/hook")
    )
    page = staff_site["staff"].post(f"/staff/notifications/rules/{rule.pk}/test/", follow=True)
    assert "Test sent to every target of “Desk &lt;b&gt;alerts&lt;/b&gt;”" in page.content.decode()
    chat, hook = sorted(receiver.received, key=lambda r: r.path)
    assert json.loads(chat.body)["title"] == "newsdiffs: test of “Desk <b>alerts</b>”"
    assert json.loads(hook.body)["event"] == "ping"
    headers = {name.lower(): value for name, value in hook.headers.items()}
    assert headers["newsdiffs-event"] == "ping"
    assert headers["newsdiffs-delivery"].startswith("test-")
    assert readme_verifier()(rule.webhook_secret, headers["newsdiffs-signature"], hook.body)
    rule.refresh_from_db()
    assert rule.test_result == "sent"

    receiver.status = 500
    page = staff_site["staff"].post(f"/staff/notifications/rules/{rule.pk}/test/", follow=True)
    html = page.content.decode()
    assert "failed:" in html
    assert "HTTP 500" in html


@pytest.mark.django_db
def test_send_again_queues_a_failed_delivery(
    staff_site: dict[str, Any], django_capture_on_commit_callbacks: Callable[..., Any],
    no_broker: list[tuple[str, int]],
) -> None:  # fmt: skip
    delivery = staff_site["delivery"]
    url = f"/staff/notifications/deliveries/{delivery.pk}/resend/"
    with django_capture_on_commit_callbacks(execute=True):
        staff_site["staff"].post(url)
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.PENDING, 0)
    assert no_broker == [("send_delivery", delivery.pk)]
    staff_site["staff"].post(url)  # pending: nothing to send again
    assert len(no_broker) == 1


# --- the command ------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_command_adds_a_rule_for_a_sources_headline_changes(source: Source, receiver: Receiver) -> None:
    out = StringIO()
    call_command(
        "notify", "--source", "daily", "--headlines-only", "--test", "--webhook", receiver.url("/hook"),
        "json://user:s3cretpassw0rd@" + receiver.url("/chat", scheme="json").partition("://")[2], stdout=out,
    )  # fmt: skip
    rule = NotificationRule.objects.get()
    assert (rule.source, rule.headlines_only, rule.article) == (source, True, None)
    said = out.getvalue().splitlines()
    assert said[0] == (
        f"rule {rule.pk} added: headline changes of source daily → "
        f"json://user:****@127.0.0.1:{receiver.port}/chat, webhook http://127.0.0.1:{receiver.port}/hook"
    )
    assert said[1] == f"webhook signing secret (shown this once): {rule.webhook_secret}"
    assert said[2] == "test sent"
    assert len(receiver.received) == 2
    with pytest.raises(Exception, match="No source with slug 'nope'"):
        call_command("notify", "--source", "nope", "json://127.0.0.1:9/")


# --- the share card ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_share_card_is_attached_where_the_service_takes_files(
    receiver: Receiver, mailbox: tuple[Mailbox, int], edited: Version
) -> None:
    from PIL import Image

    box, port = mailbox
    mailto = f"mailto://127.0.0.1:{port}?from=a@example.org&to=b@example.org&mode=insecure"
    rule_for(targets=f"{receiver.url('/chat', scheme='json')}\n{mailto}")
    assert tasks.send_delivery(delivery_of(edited).pk) == "sent"
    [attachment] = json.loads(receiver.received[0].body)["attachments"]
    assert attachment["mimetype"] == "image/png"
    png = base64.b64decode(attachment["base64"])
    assert Image.open(BytesIO(png)).size == (1200, 630)  # the diff's share card, as its page serves it
    assert Client().get(f"/articles/{edited.article_id}/diff/0/1/card.png").content == png
    mail = message_from_bytes(box.envelopes[0].content, policy=email.policy.default)  # type: ignore[arg-type]
    assert isinstance(mail, EmailMessage)
    [image] = [part for part in mail.iter_attachments() if part.get_content_type() == "image/png"]
    assert image.get_content() == png


@pytest.mark.django_db
def test_a_card_that_cannot_be_drawn_does_not_hold_the_notification_back(
    receiver: Receiver, edited: Version, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(old: Version, new: Version) -> bytes:
        raise ValueError("no font for this script")

    monkeypatch.setattr(deliveries, "card_maker", lambda: broken)
    rule_for(targets=receiver.url("/chat", scheme="json"))
    assert tasks.send_delivery(delivery_of(edited).pk) == "sent"
    assert json.loads(receiver.received[0].body)["attachments"] == []
    assert "share card of article" in caplog.text


# --- the admin --------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_admin_shows_a_new_webhook_secret_once_and_never_again(admin_client: Client) -> None:
    form = {"name": "Desk", "enabled": "on", "targets": "", "webhook_url": "http://127.0.0.1:9/hook",
            "min_words": "0", "article": "", "source": "", "new_webhook_secret": ""}  # fmt: skip
    added = admin_client.post("/admin/articles/notificationrule/add/", form, follow=True)
    rule = NotificationRule.objects.get()
    assert f"shown this once (keep it for the receiver): {rule.webhook_secret}" in added.content.decode()
    change = f"/admin/articles/notificationrule/{rule.pk}/change/"
    for page in (change, "/admin/articles/notificationrule/", "/staff/notifications/"):
        assert rule.webhook_secret not in admin_client.get(page).content.decode(), page

    admin_client.post(change, {**form, "new_webhook_secret": "a-secret-the-receiver-chose"})
    rule.refresh_from_db()
    assert rule.webhook_secret == "a-secret-the-receiver-chose"
    admin_client.post(change, {**form, "name": "Desk 2"})  # blank: kept
    rule.refresh_from_db()
    assert (rule.name, rule.webhook_secret) == ("Desk 2", "a-secret-the-receiver-chose")


@pytest.mark.django_db
def test_the_admin_refuses_a_rule_for_an_article_and_a_source(admin_client: Client, edited: Version) -> None:
    form = {"name": "Desk", "enabled": "on", "targets": "json://127.0.0.1:9/", "webhook_url": "",
            "min_words": "0", "article": str(edited.article_id), "source": str(edited.article.source_id),
            "new_webhook_secret": ""}  # fmt: skip
    page = admin_client.post("/admin/articles/notificationrule/add/", form)
    assert page.status_code == 200
    assert "Choose an article or a source, not both." in page.content.decode()
    assert not NotificationRule.objects.exists()
