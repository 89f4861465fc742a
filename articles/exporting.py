"""Research export: one JSON object per line, an article with all its versions (NewsEdits-style).

The format is the contract between installations: ``import`` (``articles.importing``) reads what ``export``
writes. A version carries the page it was read from, where one was kept (``page``, else null): its final URL,
status, headers as received, length and SHA-256, and its body in the packed form it is stored in
(``packed``: base64 of the blob ``archiving.encode`` made, packed alone when ``packed_against`` is null,
else against the body of the page of version ``packed_against`` of the same article, always in the same
line). Packed, a line weighs a few per cent of the raw pages, and the export decompresses nothing. Of a
version's Wayback Machine save, the snapshot of a saved one is carried (``wayback_url``), and
``wayback_status`` when saved or failed: a save that was pending elsewhere is not asked for here.
"""

import base64
import dataclasses
import json
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from django.db import reset_queries
from django.db.models import Prefetch, QuerySet

from articles.models import (
    Article,
    ServedPage,
    Version,
    load_paragraphs,
)

CHUNK_SIZE = 500


# The Wayback Machine saves an export carries: finished ones (one waiting elsewhere is not asked for here).
WAYBACK_KEPT = (Version.Wayback.SAVED, Version.Wayback.FAILED)


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def version_record(version: Version) -> dict[str, Any]:
    return {
        "number": version.number,
        "fetched_at": _time(version.fetched_at),
        "title": version.title,
        "social_title": version.social_title,
        "page_published_at": _time(version.page_published_at),
        "page_modified_at": _time(version.page_modified_at),
        "byline": version.byline,
        "paragraphs": version.paragraphs,
        "content_hash": version.content_hash,
        "extractor": version.extractor,
        "extractor_version": version.extractor_version,
        "kind": version.kind,
        "stats": dataclasses.asdict(version.stats),
        "wayback_status": version.wayback_status if version.wayback_status in WAYBACK_KEPT else "",
        "wayback_url": version.wayback_url if version.wayback_status == Version.Wayback.SAVED else "",
        "page": page_record(version),
    }


def page_record(version: Version) -> dict[str, Any] | None:
    """The page ``version`` was read from, as stored (its row selected with the version's)."""
    try:
        page = version.archived
    except ServedPage.DoesNotExist:
        return None
    return {
        "url": page.url,
        "status": page.status,
        "headers": page.headers,
        "length": page.length,
        "sha256": page.sha256,
        "packed_against": page.packed_against,
        "packed": base64.b64encode(bytes(page.packed)).decode("ascii"),
    }


def article_record(article: Article) -> dict[str, Any]:
    """``article`` with its versions prefetched in number order (see ``articles_to_export``)."""
    source = article.source
    versions = list(article.versions.all())
    load_paragraphs(versions)  # their keyframes are among them: no query
    return {
        "url": article.url,
        "source": {"slug": source.slug, "name": source.name, "homepage": source.homepage} if source else None,
        "title": article.title,
        "status": article.status,
        "first_seen_at": _time(article.first_seen_at),
        "last_changed_at": _time(article.last_changed_at),
        "versions": [version_record(v) for v in versions],
    }


def articles_to_export(source: str | None = None, since: datetime | None = None) -> QuerySet[Article]:
    articles = Article.objects.select_related("source").order_by("pk")
    if source:
        articles = articles.filter(source__slug=source)
    if since:
        articles = articles.filter(last_changed_at__gte=since)
    # Each version's page row in the same query as the versions (a LEFT JOIN): packed, it weighs little.
    versions = Version.objects.order_by("number").select_related("archived")
    return articles.prefetch_related(Prefetch("versions", queryset=versions))


def export_lines(articles: QuerySet[Article]) -> Iterator[str]:
    """One line per article. Rows stream from a server-side cursor in chunks, each chunk's versions
    fetched in one query, so memory stays flat however large the database."""
    for number, article in enumerate(articles.iterator(chunk_size=CHUNK_SIZE)):
        if number % CHUNK_SIZE == 0:
            reset_queries()  # with DEBUG on, Django would keep every chunk's SQL for the whole run
        yield json.dumps(article_record(article), ensure_ascii=False, separators=(",", ":")) + "\n"
