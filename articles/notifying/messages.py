"""What a notification says about a stored version: a title and a plain-text body for Apprise's services,
and the JSON payload of a webhook. Pure: built from a ``Change``, which is read from the version once."""

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.urls import NoReverseMatch, reverse

from articles.diffing import ChangeStats

if TYPE_CHECKING:
    from articles.models import Version

VERSION_STORED = "version.stored"
PING = "ping"
# Longest headline quoted in a title: chat services cut long titles anyway, and two must fit.
TITLE_QUOTE = 120


@dataclass(frozen=True)
class Change:
    """One stored version and the one before it, as notifications tell it."""

    article_id: int
    article_url: str
    source: str | None  # the source's slug
    source_name: str | None
    old_number: int
    new_number: int
    kind: str
    fetched_at: datetime
    headline_before: str
    headline_after: str
    stats: ChangeStats
    page_url: str  # this site's page of the article
    diff_url: str
    card_url: str | None  # the share card, where this installation has one
    api_diff_url: str

    @classmethod
    def of(cls, version: "Version", before_title: str, site_url: str) -> "Change":
        """``version`` against the version before it (whose headline is ``before_title``), with absolute
        links on ``site_url``."""
        article = version.article
        old, new = version.number - 1, version.number
        site = site_url.rstrip("/")
        source = article.source
        return cls(
            article_id=article.pk, article_url=article.url,
            source=source.slug if source else None, source_name=source.name if source else None,
            old_number=old, new_number=new, kind=version.kind, fetched_at=version.fetched_at,
            headline_before=before_title, headline_after=version.title, stats=version.stats,
            page_url=site + reverse("article", args=[article.pk]),
            diff_url=site + reverse("diff", args=[article.pk, old, new]),
            card_url=card_path(article.pk, old, new, site),
            api_diff_url=site + reverse("api-diff", args=[article.pk, old, new]),
        )  # fmt: skip


def card_path(article_id: int, old: int, new: int, site: str) -> str | None:
    """The share card's address (``diff_card``), or None in an installation without share cards."""
    try:
        return site + reverse("diff_card", args=[article_id, old, new])
    except NoReverseMatch:
        return None


def _quoted(headline: str) -> str:
    return headline if len(headline) <= TITLE_QUOTE else headline[: TITLE_QUOTE - 1].rstrip() + "…"


def title(change: Change) -> str:
    """ "Headline changed: old → new" when it did (the news most rules are about), otherwise the headline
    with the words changed."""
    stats = change.stats
    if stats.title_changed:
        return f"Headline changed: {_quoted(change.headline_before)} → {_quoted(change.headline_after)}"
    return f"{_quoted(change.headline_after)}: +{stats.words_added}/−{stats.words_removed} words"


def body(change: Change) -> str:
    """Plain text (every service shows it): what changed, where, and the links to see it."""
    where = f" ({change.source_name})" if change.source_name else ""
    lines = [
        f"v{change.new_number} of {change.article_url}{where}: {change.stats.summary()}.",
        f"Diff: {change.diff_url}",
    ]
    if change.stats.title_changed:
        lines[1:1] = [f"Before: {change.headline_before}", f"After: {change.headline_after}"]
    if change.card_url:
        lines.append(f"Card: {change.card_url}")
    lines.append(f"History: {change.page_url}")
    return "\n".join(lines)


def payload(change: Change, delivery_id: int, rule_id: int, rule_name: str) -> dict[str, Any]:
    """The webhook's JSON (documented in the OpenAPI schema: ``articles.serializers``'s webhook
    serializers)."""
    return {
        "event": VERSION_STORED,
        "delivery": delivery_id,
        "rule": {"id": rule_id, "name": rule_name},
        "article": {
            "id": change.article_id, "url": change.article_url, "source": change.source,
            "page_url": change.page_url,
        },
        "versions": {
            "old": change.old_number, "new": change.new_number, "kind": change.kind,
            "fetched_at": change.fetched_at.isoformat(),
        },
        "headline": {
            "before": change.headline_before, "after": change.headline_after,
            "changed": change.stats.title_changed, "social_changed": change.stats.social_title_changed,
        },
        "stats": {
            key: value for key, value in asdict(change.stats).items()
            if key not in ("title_changed", "social_title_changed")
        },
        "summary": change.stats.summary(),
        "diff_url": change.diff_url,
        "card_url": change.card_url,
        "api_diff_url": change.api_diff_url,
    }  # fmt: skip


def ping_payload(rule_id: int, rule_name: str, sent_at: datetime) -> dict[str, Any]:
    """The test a staff member sends from the notifications page: no version, no delivery, only the rule."""
    return {"event": PING, "rule": {"id": rule_id, "name": rule_name}, "sent_at": sent_at.isoformat()}


def encoded(data: dict[str, Any]) -> bytes:
    """The exact bytes that are signed and sent (UTF-8 JSON, compact)."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
