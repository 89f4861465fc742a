"""What a delivery sends, each to a real receiver on 127.0.0.1: the webhook's JSON with its signature (which
the README's snippet verifies, and which is what the OpenAPI schema says), Apprise's json:// and mailto://
(to a local SMTP server), and the share card, attached where the service takes files."""

import base64
import email.policy
import json
import re
import time
from email import message_from_bytes
from email.message import EmailMessage
from io import BytesIO

import pytest
from django.test import Client
from django.utils import timezone
from openapi_schema_validator import OAS31Validator
from pytest_django import Settings

from articles import tasks
from articles.models import Delivery, Version
from articles.notifying import deliveries, messages, signing
from articles.tests.notifications_support import Mailbox, delivery_of, readme_verifier, rule_for
from articles.tests.support import Receiver

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
