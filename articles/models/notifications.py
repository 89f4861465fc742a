"""Notification rules and their deliveries, one per rule and version."""

import secrets
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from articles.addresses import refused_literal
from articles.models.article import Article
from articles.models.sources import Source
from articles.models.versions import Version


def new_webhook_secret() -> str:
    return secrets.token_hex(32)


class NotificationRuleQuerySet(models.QuerySet["NotificationRule"]):
    def for_article(self, article: Article) -> "NotificationRuleQuerySet":
        """Enabled rules whose scope holds ``article``: the article itself, its source, or everything."""
        scope = Q(article_id=article.pk) | Q(article__isnull=True, source__isnull=True)
        if article.source_id is not None:
            scope |= Q(source_id=article.source_id)
        return self.filter(scope, enabled=True)


class NotificationRule(models.Model):
    """Where to send word of a stored version (Apprise URLs, a signed webhook), which changes (all edits,
    headline changes only, at least N words) and of which articles (one, a source's, all). Minor edits,
    parser changes and first versions are never news."""

    name = models.CharField(max_length=200)
    enabled = models.BooleanField(default=True)
    targets = models.TextField(
        blank=True,
        help_text="Apprise URLs, one a line (slack://…, mailto://…, json://…; see Apprise's documentation). "
        "They hold credentials: pages and logs show them only with their secrets masked.",
    )
    webhook_url = models.CharField(
        max_length=2048, blank=True, help_text="An http(s) URL that receives a signed JSON POST per change."
    )
    webhook_secret = models.CharField(max_length=128, default=new_webhook_secret, editable=False)
    headlines_only = models.BooleanField(
        default=False, help_text="Only changes of the headline (or the social headline)."
    )
    min_words = models.PositiveIntegerField(
        default=0, help_text="Only changes of at least this many words added and removed (0: any edit)."
    )
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.CASCADE, related_name="notification_rules",
        help_text="Only this article (leave article and source empty for every article).",
    )  # fmt: skip
    source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.CASCADE, related_name="notification_rules",
        help_text="Only this source's articles.",
    )  # fmt: skip
    created_at = models.DateTimeField(default=timezone.now)
    # The last "send a test notification" and what it did, for the notifications page.
    tested_at = models.DateTimeField(null=True, blank=True, editable=False)
    test_result = models.TextField(blank=True, editable=False)

    objects = NotificationRuleQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(article__isnull=True) | Q(source__isnull=True), name="notification_rule_one_scope"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # Imported here, as below: Apprise takes a third of a second to load its services, which only the
        # processes that send or edit rules should pay.
        from articles.notifying import targets

        errors: dict[str, list[str]] = {}
        if self.article_id is not None and self.source_id is not None:
            errors.setdefault("source", []).append("Choose an article or a source, not both.")
        urls = targets.split_targets(self.targets)
        if not urls and not self.webhook_url:
            errors.setdefault("targets", []).append("Give at least one Apprise URL or a webhook URL.")
        for url in urls:
            if (problem := targets.target_problem(url)) is not None:
                errors.setdefault("targets", []).append(problem)
            elif refused_literal(targets.host(url), settings.FETCH_ALLOWED_NETWORKS) is not None:
                errors.setdefault("targets", []).append(
                    f"{targets.shown(url)}: a private or reserved address"
                )
        if self.webhook_url:
            parts = urlsplit(self.webhook_url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                errors.setdefault("webhook_url", []).append("Enter an http or https URL.")
            elif refused_literal(parts.hostname, settings.FETCH_ALLOWED_NETWORKS) is not None:
                errors.setdefault("webhook_url", []).append("A private or reserved address.")
        if errors:
            raise ValidationError(errors)

    @property
    def target_urls(self) -> list[str]:
        from articles.notifying.targets import split_targets

        return split_targets(self.targets)

    def shown_targets(self) -> list[str]:
        """The targets as pages show them: secrets masked (Apprise's privacy form)."""
        from articles.notifying.targets import shown

        return [shown(url) for url in self.target_urls]

    def shown_webhook(self) -> str:
        from articles.notifying.sending import webhook_shown

        return webhook_shown(self.webhook_url) if self.webhook_url else ""

    def scope(self) -> str:
        if self.article_id is not None:
            return f"article {self.article_id}"
        if self.source_id is not None:
            return f"source {self.source.slug if self.source else self.source_id}"
        return "every article"

    def what(self) -> str:
        """Which changes, in words: "headline changes of at least 10 words"."""
        kind = "headline changes" if self.headlines_only else "every edit"
        return f"{kind} of at least {self.min_words} words" if self.min_words else kind

    def wants(self, version: "Version") -> bool:
        """Whether ``version`` is news to this rule (its scope aside): a publisher's edit after the first
        version, of the headline if the rule asks, of at least ``min_words`` words."""
        if version.kind != Version.Kind.EDIT or version.number == 0:
            return False
        if self.headlines_only and not (version.title_changed or version.social_title_changed):
            return False
        return version.words_added + version.words_removed >= self.min_words


class DeliveryQuerySet(models.QuerySet["Delivery"]):
    def create_for(self, version: "Version") -> list[int]:
        """One delivery per rule that wants ``version``, made once however often this runs (the unique
        (rule, version) pair); the ids of those of its deliveries still waiting to be sent. Minor edits,
        parser changes and first versions, which no rule wants, cost no query."""
        article = version.article
        if (
            version.kind != Version.Kind.EDIT
            or version.number == 0
            or article.status == Article.Status.REMOVED
        ):
            return []
        rules = [rule for rule in NotificationRule.objects.for_article(article) if rule.wants(version)]
        if not rules:
            return []
        now = timezone.now()
        self.bulk_create(
            [Delivery(rule=rule, version=version, created_at=now, next_attempt_at=now) for rule in rules],
            ignore_conflicts=True,
        )
        return list(self.filter(version=version, status=Delivery.Status.PENDING).values_list("pk", flat=True))

    def claim(self, pk: int, now: datetime) -> bool:
        """Take delivery ``pk`` for one send attempt if it waits for one and its time has come: a
        conditional UPDATE, committed before anything is sent, so that of two workers given the same
        delivery (a duplicate task) exactly one sends."""
        waiting = [Delivery.Status.PENDING, Delivery.Status.RETRYING]
        return (
            self.filter(pk=pk, status__in=waiting, next_attempt_at__lte=now).update(
                status=Delivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1
            )
            == 1
        )

    def stale_claims(self, now: datetime) -> "DeliveryQuerySet":
        """Deliveries claimed longer ago than any send can last: their worker died mid-send."""
        lease = now - timedelta(seconds=settings.NOTIFY_SEND_LEASE)
        return self.filter(status=Delivery.Status.SENDING, claimed_at__lt=lease)

    def interrupt_stale(self, now: datetime) -> int:
        """Mark the stale claims interrupted. Never sent again by themselves: the message may well have
        arrived before the worker died. Staff can send one again from the delivery log."""
        return self.stale_claims(now).update(
            status=Delivery.Status.INTERRUPTED, last_error=Delivery.INTERRUPTED_ERROR
        )

    def overdue(self, now: datetime) -> "DeliveryQuerySet":
        """Deliveries waiting for a send whose task is late by a grace period: lost with the broker, say."""
        late = now - timedelta(seconds=settings.NOTIFY_SWEEP_GRACE)
        waiting = [Delivery.Status.PENDING, Delivery.Status.RETRYING]
        return self.filter(status__in=waiting, next_attempt_at__lte=late)


class Delivery(models.Model):
    """The one delivery of a version to a rule's targets: the idempotency record that makes a duplicate or
    late task send nothing more, and the delivery log staff read."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        RETRYING = "retrying", "Waiting to retry"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        # Its worker died mid-send: it may or may not have arrived, and it is not sent again by itself.
        INTERRUPTED = "interrupted", "Interrupted"

    INTERRUPTED_ERROR = (
        "The worker sending this stopped mid-send (killed or lost). It was not sent again, since it may "
        "have arrived; use “Send again” if it did not (webhooks carry the same Newsdiffs-Delivery id)."
    )

    rule = models.ForeignKey(NotificationRule, on_delete=models.CASCADE, related_name="deliveries")
    version = models.ForeignKey("Version", on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    # Keys (notifying.targets.target_key, or "webhook") of the targets already sent to: a retry after a
    # partial failure sends only to the others.
    done_targets = models.JSONField(default=list, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    objects = DeliveryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = "deliveries"
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["rule", "version"], name="delivery_once_per_rule")]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="delivery_log_idx"),
            # The sweep reads only deliveries in flight, never the log of sent ones.
            models.Index(
                fields=["status", "next_attempt_at"],
                name="delivery_waiting_idx",
                condition=Q(status__in=["pending", "retrying", "sending"]),
            ),
        ]

    def __str__(self) -> str:
        return f"delivery {self.pk}: {self.rule_id} × version {self.version_id} ({self.status})"

    def _finish(self, **fields: Any) -> bool:
        """Write the result of this claim's attempt, unless the claim was lost (marked interrupted and then
        sent again by staff): only the attempt that holds the claim records its result."""
        still_ours = Q(status__in=[Delivery.Status.SENDING, Delivery.Status.INTERRUPTED])
        updated = Delivery.objects.filter(still_ours, pk=self.pk, claimed_at=self.claimed_at).update(**fields)
        for name, value in fields.items():
            setattr(self, name, value)
        return updated == 1

    def record_target_done(self, key: str) -> None:
        """One of the rule's targets has the message: on record at once, for a retry or a send again."""
        self.done_targets = sorted({*self.done_targets, key})
        Delivery.objects.filter(pk=self.pk, claimed_at=self.claimed_at).update(done_targets=self.done_targets)

    def record_sent(self, done: list[str], now: datetime) -> bool:
        return self._finish(status=Delivery.Status.SENT, done_targets=done, sent_at=now, last_error="")

    def record_failure(self, done: list[str], error: str, retry_at: datetime | None) -> bool:
        """A failed attempt: retried at ``retry_at``, or given up (failed) when None."""
        status = Delivery.Status.FAILED if retry_at is None else Delivery.Status.RETRYING
        retry_at = retry_at or self.next_attempt_at
        return self._finish(status=status, done_targets=done, last_error=error, next_attempt_at=retry_at)

    def send_again(self, now: datetime) -> bool:
        """Staff ask for a failed or interrupted delivery to be sent once more (to the targets not done)."""
        again = [Delivery.Status.FAILED, Delivery.Status.INTERRUPTED]
        updated = Delivery.objects.filter(pk=self.pk, status__in=again).update(
            status=Delivery.Status.PENDING, next_attempt_at=now, attempts=0
        )
        return updated == 1
