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

from django.db import reset_queries, transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from articles import activity, searching
from articles.canonical import canonical_url
from articles.diffing import ChangeStats
from articles.models import STAT_FIELDS, Article, Source, Version, load_paragraphs, pack_paragraphs
from articles.normalising import ArticleText

CHUNK_SIZE = 500


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
    return articles.prefetch_related(Prefetch("versions", queryset=Version.objects.order_by("number")))


def export_lines(articles: QuerySet[Article]) -> Iterator[str]:
    """One line per article. Rows stream from a server-side cursor in chunks, each chunk's versions
    fetched in one query, so memory stays flat however large the database."""
    for number, article in enumerate(articles.iterator(chunk_size=CHUNK_SIZE)):
        if number % CHUNK_SIZE == 0:
            reset_queries()  # with DEBUG on, Django would keep every chunk's SQL for the whole run
        yield json.dumps(article_record(article), ensure_ascii=False, separators=(",", ":")) + "\n"


class InvalidRecord(ValueError):
    pass


@dataclass
class ImportResult:
    articles_created: int = 0
    versions_created: int = 0
    versions_present: int = 0
    problems: list[str] = field(default_factory=list)


def _parse_time(value: Any, what: str) -> datetime:
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None or parsed.tzinfo is None:
        raise InvalidRecord(f"{what} is not a date and time with a zone: {value!r}")
    return parsed


def _stated(data: dict[str, Any], name: str, number: object) -> datetime | None:
    """A page-stated date of an export, which exports made before they were read do not carry."""
    value = data.get(name)
    return _parse_time(value, f"v{number} {name}") if value else None


def _version(data: dict[str, Any]) -> Version:
    try:
        # Exports made before the social headline was read carry none.
        text = ArticleText(
            data["title"], data["byline"], tuple(data["paragraphs"]), data.get("social_title", "")
        )
        # An export made before a figure existed (paragraphs_moved) carries no value for it: the default.
        defaults = dataclasses.asdict(ChangeStats())
        stats = ChangeStats(**{name: data["stats"].get(name, defaults[name]) for name in STAT_FIELDS})
        version = Version(
            number=int(data["number"]),
            fetched_at=_parse_time(data["fetched_at"], f"v{data['number']} fetched_at"),
            title=text.title,
            byline=text.byline,
            plain_paragraphs=list(text.paragraphs),
            social_title=text.social_title,
            page_published_at=_stated(data, "page_published_at", data["number"]),
            page_modified_at=_stated(data, "page_modified_at", data["number"]),
            content_hash=data["content_hash"],
            extractor=data["extractor"],
            extractor_version=data["extractor_version"],
            kind=data["kind"],
            **dataclasses.asdict(stats),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidRecord(f"malformed version: {exc}") from None
    if version.kind not in Version.Kind.values:
        raise InvalidRecord(f"v{version.number}: unknown kind {version.kind!r}")
    if text.content_hash != version.content_hash:
        raise InvalidRecord(f"v{version.number}: content hash does not match its text")
    return version


@dataclass
class _Incoming:
    """An article record, parsed and checked, waiting to be stored with its batch."""

    url: str
    source: dict[str, Any] | None
    title: str
    status: str
    first_seen_at: datetime
    versions: dict[int, Version]


def _parse_record(record: Any) -> _Incoming:
    try:
        url = canonical_url(record["url"])
        status = record.get("status", Article.Status.ACTIVE)
        incoming = _Incoming(
            url=url,
            source=record.get("source") or None,
            title=str(record.get("title", "")),
            status=status if status in Article.Status.values else Article.Status.ACTIVE,
            first_seen_at=_parse_time(record["first_seen_at"], "first_seen_at"),
            versions={},
        )
        versions_data = list(record["versions"])
        if incoming.source is not None:
            incoming.source = {key: str(incoming.source[key]) for key in ("slug", "name", "homepage")}
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidRecord(f"malformed article: {exc}") from None
    for data in versions_data:
        version = _version(data)
        if version.number in incoming.versions:
            raise InvalidRecord(f"v{version.number} appears twice")
        incoming.versions[version.number] = version
    return incoming


class Importer:
    """Imports records a batch at a time: each batch is checked in full first, then stored with a handful
    of queries in one transaction, so a million articles cost thousands of round trips, not millions."""

    def __init__(self) -> None:
        self.result = ImportResult()

    def add_batch(self, records: list[tuple[int, Any]]) -> None:
        incoming: dict[str, _Incoming] = {}
        for line_number, record in records:
            try:
                parsed = _parse_record(record)
            except InvalidRecord as exc:
                self.result.problems.append(f"line {line_number}: {exc}")
                continue
            if parsed.url in incoming:
                self.result.problems.append(f"line {line_number}: {parsed.url} appears twice in one batch")
                continue
            incoming[parsed.url] = parsed
        if incoming:
            with transaction.atomic():
                self._store(incoming)

    def _sources(self, incoming: dict[str, _Incoming]) -> dict[str, Source]:
        wanted = {i.source["slug"]: i.source for i in incoming.values() if i.source}
        known = {s.slug: s for s in Source.objects.filter(slug__in=wanted)}
        missing = [Source(**data) for slug, data in wanted.items() if slug not in known]
        Source.objects.bulk_create(missing, ignore_conflicts=True)
        return {s.slug: s for s in Source.objects.filter(slug__in=wanted)} if missing else known

    def _store(self, incoming: dict[str, _Incoming]) -> None:
        sources = self._sources(incoming)
        articles = {a.url: a for a in Article.objects.filter(url__in=incoming)}
        now = timezone.now()
        created = [
            Article(
                url=item.url,
                source=sources.get(item.source["slug"]) if item.source else None,
                title=item.title,
                status=item.status,
                first_seen_at=item.first_seen_at,
                # An imported article that was still tracked goes on being tracked here.
                next_check_at=now if item.status == Article.Status.ACTIVE else None,
            )
            for url, item in incoming.items()
            if url not in articles
        ]
        Article.objects.bulk_create(created)
        self.result.articles_created += len(created)
        new_ids = {a.pk for a in created}
        articles.update({a.url: a for a in created})

        present: dict[int, dict[int, str]] = {}
        newest_before: dict[int, datetime] = {}
        existing_ids = [a.pk for a in articles.values() if a.pk not in new_ids]
        for article_id, number, content_hash, fetched_at in Version.objects.filter(
            article_id__in=existing_ids
        ).values_list("article_id", "number", "content_hash", "fetched_at"):
            present.setdefault(article_id, {})[number] = content_hash
            newest_before[article_id] = max(newest_before.get(article_id, fetched_at), fetched_at)

        new_versions, changed_articles = [], []
        words: dict[int, list[str]] = {}
        stored: list[activity.Stored] = []
        for url, item in incoming.items():
            article = articles[url]
            ours = present.get(article.pk, {})
            added = []
            for number, version in sorted(item.versions.items()):
                if number not in ours:
                    version.article = article
                    added.append(version)
                elif ours[number] == version.content_hash:
                    self.result.versions_present += 1
                else:
                    self.result.problems.append(
                        f"{url} v{number}: differs from the version stored here; kept ours"
                    )
            if added:
                newest = added[-1]
                if newest.number > max(ours, default=-1):
                    article.title, article.last_changed_at = newest.title, newest.fetched_at
                article.version_count = len(ours) + len(added)
                changed_articles.append(article)
                new_versions.extend(added)
                words[article.pk] = [searching.searchable_text(v.text) for v in added]
                fetched = [v.fetched_at for v in added]
                stored.append(activity.Stored(article.source_id, newest_before.get(article.pk), fetched))
        pack_paragraphs(new_versions)  # each against its keyframe, from this batch or read in one query
        Version.objects.bulk_create(new_versions, batch_size=1000)
        searching.add_words(words)
        activity.count_stored(stored)
        Article.objects.bulk_update(
            changed_articles, ["title", "last_changed_at", "version_count"], batch_size=1000
        )
        self.result.versions_created += len(new_versions)
