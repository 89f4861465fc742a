"""The app's models, a module per part of the record; every name is importable from ``articles.models``, which
is where the rest of the app and the migrations find them."""

from articles.models.article import Article, ArticleQuerySet
from articles.models.notifications import (
    Delivery,
    DeliveryQuerySet,
    NotificationRule,
    NotificationRuleQuerySet,
    new_webhook_secret,
)
from articles.models.pages import Rereading, ServedPage, ServedPageQuerySet, load_pages
from articles.models.sources import HOST_NAME, Source, SourceQuerySet, trackable_url
from articles.models.summaries import ArticleSearch, FeedEntry, SourceDay
from articles.models.versions import (
    STAT_FIELDS,
    TEXT_FIELDS,
    WAYBACK_READ,
    Version,
    VersionQuerySet,
    load_paragraphs,
    pack_paragraphs,
)

__all__ = [
    "HOST_NAME",
    "STAT_FIELDS",
    "TEXT_FIELDS",
    "WAYBACK_READ",
    "Article",
    "ArticleQuerySet",
    "ArticleSearch",
    "Delivery",
    "DeliveryQuerySet",
    "FeedEntry",
    "NotificationRule",
    "NotificationRuleQuerySet",
    "Rereading",
    "ServedPage",
    "ServedPageQuerySet",
    "Source",
    "SourceDay",
    "SourceQuerySet",
    "Version",
    "VersionQuerySet",
    "load_pages",
    "load_paragraphs",
    "new_webhook_secret",
    "pack_paragraphs",
    "trackable_url",
]
