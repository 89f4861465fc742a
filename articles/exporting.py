"""Research export and import: one JSON object per line, an article with all its versions (NewsEdits-style).

The format is the contract between installations: ``import`` reads what ``export`` writes, and importing a
file twice changes nothing. A version's content hash is checked against its text on the way in, so a
damaged or edited file cannot pass off altered text as a recorded version.
"""

import dataclasses
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from articles.canonical import canonical_url
from articles.diffing import ChangeStats
from articles.models import STAT_FIELDS, Article, Source, Version
from articles.normalising import ArticleText

CHUNK_SIZE = 500


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def version_record(version: Version) -> dict[str, Any]:
    return {
        "number": version.number,
        "fetched_at": _time(version.fetched_at),
        "title": version.title,
        "byline": version.byline,
        "paragraphs": version.paragraphs,
        "content_hash": version.content_hash,
        "extractor": version.extractor,
        "extractor_version": version.extractor_version,
        "kind": version.kind,
        "stats": dataclasses.asdict(version.stats),
    }


def article_record(article: Article) -> dict[str, Any]:
    """``article`` with its versions prefetched in number order (see ``articles_to_export``)."""
    source = article.source
    return {
        "url": article.url,
        "source": {"slug": source.slug, "name": source.name, "homepage": source.homepage} if source else None,
        "title": article.title,
        "status": article.status,
        "first_seen_at": _time(article.first_seen_at),
        "last_changed_at": _time(article.last_changed_at),
        "versions": [version_record(v) for v in article.versions.all()],
    }


def articles_to_export(source: str | None = None, since: datetime | None = None) -> QuerySet[Article]:
    articles = Article.objects.select_related("source").order_by("pk")
    if source:
        articles = articles.filter(source__slug=source)
    if since:
        articles = articles.filter(last_changed_at__gte=since)
    return articles.prefetch_related(Prefetch("versions", queryset=Version.objects.order_by("number")))


def export_lines(articles: QuerySet[Article]) -> Iterator[str]:
    """One line per article. Rows stream from a server-side cursor in chunks, each chunk's versions
    fetched in one query, so memory stays flat however large the database."""
    for article in articles.iterator(chunk_size=CHUNK_SIZE):
        yield json.dumps(article_record(article), ensure_ascii=False, separators=(",", ":")) + "\n"


class InvalidRecord(ValueError):
    pass


@dataclass
class ImportResult:
    articles_created: int = 0
    versions_created: int = 0
    versions_present: int = 0
    problems: list[str] = field(default_factory=list)

    def add(self, other: "ImportResult") -> None:
        self.articles_created += other.articles_created
        self.versions_created += other.versions_created
        self.versions_present += other.versions_present
        self.problems.extend(other.problems)


def _parse_time(value: Any, what: str) -> datetime:
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None or parsed.tzinfo is None:
        raise InvalidRecord(f"{what} is not a date and time with a zone: {value!r}")
    return parsed


def _version(article: Article, data: dict[str, Any]) -> Version:
    try:
        text = ArticleText(data["title"], data["byline"], tuple(data["paragraphs"]))
        stats = ChangeStats(**{name: data["stats"][name] for name in STAT_FIELDS})
        version = Version(
            article=article,
            number=int(data["number"]),
            fetched_at=_parse_time(data["fetched_at"], f"v{data['number']} fetched_at"),
            title=text.title,
            byline=text.byline,
            paragraphs=list(text.paragraphs),
            content_hash=data["content_hash"],
            extractor=data["extractor"],
            extractor_version=data["extractor_version"],
            kind=data["kind"],
            **dataclasses.asdict(stats),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidRecord(f"malformed version: {exc}") from None
    if version.kind not in Version.Kind.values:
        raise InvalidRecord(f"v{version.number}: unknown kind {version.kind!r}")
    if text.content_hash != version.content_hash:
        raise InvalidRecord(f"v{version.number}: content hash does not match its text")
    return version


@transaction.atomic
def import_record(record: dict[str, Any]) -> ImportResult:
    """Store the article and whichever of its versions this installation does not have yet."""
    result = ImportResult()
    try:
        url = canonical_url(record["url"])
        source_data = record.get("source")
        versions_data = record["versions"]
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidRecord(f"malformed article: {exc}") from None
    source = None
    if source_data:
        source, _ = Source.objects.get_or_create(
            slug=source_data["slug"],
            defaults={"name": source_data["name"], "homepage": source_data["homepage"]},
        )
    status = record.get("status", Article.Status.ACTIVE)
    article, created = Article.objects.get_or_create(
        url=url,
        defaults={
            "source": source,
            "title": record.get("title", ""),
            "status": status if status in Article.Status.values else Article.Status.ACTIVE,
            "first_seen_at": _parse_time(record["first_seen_at"], "first_seen_at"),
            # An imported article that was still tracked goes on being tracked here.
            "next_check_at": timezone.now() if status == Article.Status.ACTIVE else None,
        },
    )
    result.articles_created += created
    present = dict(article.versions.values_list("number", "content_hash"))
    new_versions = []
    for data in versions_data:
        version = _version(article, data)
        if version.number not in present:
            new_versions.append(version)
        elif present[version.number] == version.content_hash:
            result.versions_present += 1
        else:
            result.problems.append(
                f"{url} v{version.number}: differs from the version stored here; kept ours"
            )
    if new_versions:
        Version.objects.bulk_create(new_versions)
        latest = article.versions.order_by("-number").first()
        article.title, article.last_changed_at = latest.title, latest.fetched_at
        article.version_count = article.versions.count()
        article.save(update_fields=["title", "last_changed_at", "version_count"])
        result.versions_created += len(new_versions)
    return result
