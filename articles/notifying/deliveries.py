"""What a delivery sends: the message about its version, to its rule's targets not yet done; and the test
message staff send from the notifications page. The glue between the models and ``sending``."""

import logging
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils import timezone

from articles.notifying import messages, sending
from articles.notifying.targets import target_key

if TYPE_CHECKING:
    from articles.models import Article, Delivery, NotificationRule, Version

logger = logging.getLogger(__name__)
CardMaker = Callable[["Version", "Version"], bytes]


def card_maker() -> CardMaker:
    """The share card's maker: the diff's card from the cache the card page fills, drawn if it is not
    there (not counted against any reader's throttle)."""
    from articles.browsing import diff_card  # the read side, which imports the models this module serves

    return diff_card


def card_image(article: "Article", old: int, new: int) -> bytes | None:
    """The share card of versions ``old`` and ``new``, or None: a card that cannot be drawn is logged and
    the notification goes without it, never held back by it."""
    make = card_maker()
    # With their paragraphs, which the card shows (read with their keyframe in one query).
    pair = article.version_pair(old, new)
    if pair is None:
        return None
    try:
        return make(*pair)
    except Exception:
        logger.exception(
            "the share card of article %s, v%s to v%s, failed; sent without it", article.pk, old, new
        )
        return None


def retry_delay(attempts: int) -> int:
    """Seconds before attempt ``attempts + 1``: NOTIFY_RETRY_DELAY, doubling, up to NOTIFY_RETRY_MAX_DELAY."""
    delay: int = settings.NOTIFY_RETRY_DELAY * 2 ** max(attempts - 1, 0)
    return min(delay, settings.NOTIFY_RETRY_MAX_DELAY)


def message_for(delivery: "Delivery") -> sending.Message:
    version = delivery.version
    article = version.article
    before = article.versions.filter(number=version.number - 1).values_list("title", flat=True).first()
    change = messages.Change.of(version, before or "", settings.SITE_URL)
    data = messages.payload(change, delivery.pk, delivery.rule_id, delivery.rule.name)
    image = card_image(article, version.number - 1, version.number)
    return sending.Message(
        title=messages.title(change), body=messages.body(change), payload=messages.encoded(data),
        event=messages.VERSION_STORED, delivery=str(delivery.pk), image=image,
    )  # fmt: skip


def send(delivery: "Delivery") -> sending.Outcome:
    """Send ``delivery`` to the targets of its rule that it has not reached yet."""
    rule = delivery.rule
    done = set(delivery.done_targets)
    urls = [url for url in rule.target_urls if target_key(url) not in done]
    webhook = _webhook(rule) if sending.WEBHOOK not in done else None
    return sending.send(message_for(delivery), urls, webhook, on_sent=delivery.record_target_done)


def send_test(rule: "NotificationRule") -> sending.Outcome:
    """A made-up message to every target of ``rule``, now, in this process; recorded on the rule."""
    now = timezone.now()
    delivery = f"test-{uuid.uuid4().hex[:12]}"
    message = sending.Message(
        title=f"newsdiffs: test of “{rule.name}”",
        body=(
            f"This is a test notification from newsdiffs ({settings.SITE_URL}). The rule “{rule.name}” "
            f"sends {rule.what()} of {rule.scope()} here."
        ),
        payload=messages.encoded(messages.ping_payload(rule.pk, rule.name, now)),
        event=messages.PING,
        delivery=delivery,
    )
    outcome = sending.send(message, rule.target_urls, _webhook(rule))
    rule.tested_at = now
    rule.test_result = "; ".join(outcome.errors)[:4000] if outcome.errors else "sent"
    type(rule).objects.filter(pk=rule.pk).update(tested_at=rule.tested_at, test_result=rule.test_result)
    return outcome


def _webhook(rule: "NotificationRule") -> sending.Webhook | None:
    return sending.Webhook(rule.webhook_url, rule.webhook_secret) if rule.webhook_url else None
