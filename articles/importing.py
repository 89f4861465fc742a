"""Research import: the JSON Lines that ``articles.exporting`` writes, read into this installation.

Importing a file twice changes nothing. A version's content hash is checked against its text on the way in,
so a damaged or edited file cannot pass off altered text as a recorded version. The import unpacks every
page and checks its length and SHA-256 (a page that fails is left out, its version imported), then keeps
the blob as it is where this installation's chain packs the page against the same keyframe
(``archiving.packed_against``) holding the same body, and packs it again against its own keyframe
otherwise. A Wayback save is taken as the file states it when saved or failed.
"""

import base64
import binascii
import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import zstandard
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from articles import activity, archiving, search_documents
from articles.canonical import canonical_url
from articles.diffing import ChangeStats
from articles.exporting import WAYBACK_KEPT
from articles.models import (
    STAT_FIELDS,
    Article,
    ServedPage,
    Source,
    Version,
    pack_paragraphs,
)
from articles.normalising import ArticleText
from articles.templatetags.links import web_url


class InvalidRecord(ValueError):
    pass


@dataclass
class ImportResult:
    articles_created: int = 0
    versions_created: int = 0
    versions_present: int = 0
    pages_created: int = 0
    pages_present: int = 0
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
        # Exports made before saves existed carry none; a snapshot must be a web address (it becomes a link).
        wayback = str(data.get("wayback_status") or "")
        snapshot = web_url(str(data.get("wayback_url") or ""))
        if wayback in WAYBACK_KEPT and (wayback != Version.Wayback.SAVED or snapshot):
            version.wayback_status = wayback
            version.wayback_url = snapshot if wayback == Version.Wayback.SAVED else ""
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InvalidRecord(f"malformed version: {exc}") from None
    if version.kind not in Version.Kind.values:
        raise InvalidRecord(f"v{version.number}: unknown kind {version.kind!r}")
    if text.content_hash != version.content_hash:
        raise InvalidRecord(f"v{version.number}: content hash does not match its text")
    return version


@dataclass(frozen=True)
class _IncomingPage:
    """A version's page as exported: its blob checked (it unpacks to ``length`` bytes with ``sha256``)."""

    url: str
    status: int
    headers: list[list[str]]
    length: int
    sha256: str
    packed: bytes
    packed_against: int | None


def _page(data: Any) -> _IncomingPage:
    """A page record as the export writes it (``page_record``); InvalidRecord if it is not one."""
    try:
        headers = [[name, value] for name, value in data["headers"]]
        against = data["packed_against"]
        page = _IncomingPage(
            url=data["url"],
            status=int(data["status"]),
            headers=headers,
            length=int(data["length"]),
            sha256=data["sha256"],
            packed=base64.b64decode(data["packed"], validate=True),
            packed_against=None if against is None else int(against),
        )
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise InvalidRecord(f"malformed page: {exc}") from None
    texts = [page.url, page.sha256, *(part for pair in headers for part in pair)]
    if not all(isinstance(text, str) for text in texts) or not 100 <= page.status <= 599:
        raise InvalidRecord("malformed page: its URL, headers and hash are strings, its status 100-599")
    return page


def _checked_pages(pages: dict[int, _IncomingPage]) -> tuple[dict[int, _IncomingPage], list[str]]:
    """The pages of one record that unpack, against a keyframe of the same record, to the length and
    SHA-256 they state; and what is wrong with the others."""
    good: dict[int, _IncomingPage] = {}
    problems: list[str] = []
    keyframes: dict[int, bytes] = {}
    # Keyframes first: the pages packed against them are unpacked with their bodies.
    for number, page in sorted(pages.items(), key=lambda item: (item[1].packed_against is not None, item[0])):
        try:
            if page.packed_against is None:
                body = archiving.decode(page.packed)
            elif page.packed_against in keyframes:
                body = archiving.decode(page.packed, keyframes[page.packed_against])
            else:
                raise ValueError(f"packed against v{page.packed_against}, which has no keyframe page here")
        except (ValueError, zstandard.ZstdError) as exc:
            problems.append(f"v{number}: its page does not unpack ({exc}); page left out")
            continue
        if len(body) != page.length or archiving.sha256(body) != page.sha256:
            problems.append(f"v{number}: its page does not match its length and SHA-256; page left out")
            continue
        if page.packed_against is None:
            keyframes[number] = body
        good[number] = page
    return good, problems


class _Unpacked:
    """The bodies of one record's pages (checked by ``_checked_pages``), each unpacked once when asked."""

    def __init__(self, pages: dict[int, _IncomingPage]) -> None:
        self.pages = pages
        self.bodies: dict[int, bytes] = {}

    def body(self, number: int) -> bytes:
        if number not in self.bodies:
            page = self.pages[number]
            dictionary = self.body(page.packed_against) if page.packed_against is not None else None
            self.bodies[number] = archiving.decode(page.packed, dictionary)
        return self.bodies[number]


@dataclass
class _Incoming:
    """An article record, parsed and checked, waiting to be stored with its batch."""

    url: str
    source: dict[str, Any] | None
    title: str
    status: str
    first_seen_at: datetime
    versions: dict[int, Version]
    pages: dict[int, _IncomingPage] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


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
    pages = {}
    for data in versions_data:
        version = _version(data)
        if version.number in incoming.versions:
            raise InvalidRecord(f"v{version.number} appears twice")
        incoming.versions[version.number] = version
        if isinstance(data, dict) and data.get("page") is not None:  # exports made before pages: none
            try:
                pages[version.number] = _page(data["page"])
            except InvalidRecord as exc:
                incoming.problems.append(f"v{version.number}: {exc}; page left out")
    incoming.pages, problems = _checked_pages(pages)
    incoming.problems.extend(problems)
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
            self.result.problems.extend(f"line {line_number}: {parsed.url} {p}" for p in parsed.problems)
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
        # The pages kept here (their chains), for the pages the batch brings: no body read.
        chains: dict[int, dict[int, tuple[int | None, str]]] = {}
        for article_id, number, against, sha256 in ServedPage.objects.filter(
            version__article_id__in=existing_ids
        ).values_list("version__article_id", "version__number", "packed_against", "sha256"):
            chains.setdefault(article_id, {})[number] = (against, sha256)
        pages: list[tuple[Article, int, _IncomingPage]] = []

        new_versions, changed_articles = [], []
        words: dict[int, list[str]] = {}
        stored: list[activity.Stored] = []
        for url, item in incoming.items():
            article = articles[url]
            ours = present.get(article.pk, {})
            added = []
            chain = chains.get(article.pk, {})
            for number, version in sorted(item.versions.items()):
                page = item.pages.get(number)
                if number not in ours:
                    version.article = article
                    added.append(version)
                elif ours[number] == version.content_hash:
                    self.result.versions_present += 1
                    if page is not None and number in chain:
                        self.result.pages_present += 1
                        page = None
                else:
                    self.result.problems.append(
                        f"{url} v{number}: differs from the version stored here; kept ours"
                    )
                    page = None
                if page is not None:  # a new version's, or one of a version here that kept none
                    pages.append((article, number, page))
            if added:
                newest = added[-1]
                if newest.number > max(ours, default=-1):
                    article.title, article.last_changed_at = newest.title, newest.fetched_at
                article.version_count = len(ours) + len(added)
                changed_articles.append(article)
                new_versions.extend(added)
                words[article.pk] = [search_documents.searchable_text(v.text) for v in added]
                fetched = [v.fetched_at for v in added]
                stored.append(activity.Stored(article.source_id, newest_before.get(article.pk), fetched))
        pack_paragraphs(new_versions)  # each against its keyframe, from this batch or read in one query
        Version.objects.bulk_create(new_versions, batch_size=1000)
        search_documents.add_words(words)
        activity.count_stored(stored)
        Article.objects.bulk_update(
            changed_articles, ["title", "last_changed_at", "version_count"], batch_size=1000
        )
        self.result.versions_created += len(new_versions)
        if pages:
            self._store_pages(pages, incoming, chains)

    def _store_pages(
        self,
        pages: list[tuple[Article, int, _IncomingPage]],
        incoming: dict[str, _Incoming],
        chains: dict[int, dict[int, tuple[int | None, str]]],
    ) -> None:
        """Keep the batch's pages, each against the keyframe this installation's chain gives it
        (``archiving.packed_against``): its blob as it came where that keyframe is the one it was packed
        against, with the same body, and packed again otherwise. An article's pages in number order, so
        that each one's chain holds the pages before it; bodies unpacked one article at a time."""
        ids = dict(
            (((article_id, number), pk) for article_id, number, pk in Version.objects.numbered(
                (article.pk, number) for article, number, _page in pages
            ).values_list("article_id", "number", "pk").order_by())
        )  # fmt: skip
        by_article: dict[int, list[tuple[int, _IncomingPage]]] = {}
        articles = {}
        for article, number, page in pages:
            by_article.setdefault(article.pk, []).append((number, page))
            articles[article.pk] = article
        # The keyframes kept here that some of these pages will be packed against: read in one query.
        wanted = set()
        for article_id, article_pages in by_article.items():
            chain = dict(chains.get(article_id, {}))
            for number, page in sorted(article_pages, key=lambda item: item[0]):
                against = archiving.packed_against(number, self._latest(chain, number))
                if against is not None and against in chains.get(article_id, {}):
                    wanted.add((article_id, against))
                chain[number] = (against, page.sha256)
        ours: dict[tuple[int, int], bytes] = {}
        if wanted:
            for row in (
                ServedPage.objects.filter(version__in=Version.objects.numbered(wanted).values("pk"))
                .select_related("version")
                .only("packed", "version__article_id", "version__number")
            ):
                ours[(row.version.article_id, row.version.number)] = archiving.decode(row.packed)
        created = []
        for article_id, article_pages in by_article.items():
            chain = chains.setdefault(article_id, {})
            theirs = incoming[articles[article_id].url].pages
            body_of = _Unpacked(theirs).body
            for number, page in sorted(article_pages, key=lambda item: item[0]):
                against = archiving.packed_against(number, self._latest(chain, number))
                packed = page.packed
                if against != page.packed_against or (
                    against is not None and chain[against][1] != theirs[against].sha256
                ):
                    if against is None:
                        dictionary = None
                    elif (article_id, against) in ours:
                        dictionary = ours[(article_id, against)]
                    else:
                        dictionary = body_of(against)
                    packed = archiving.encode(body_of(number), dictionary)
                chain[number] = (against, page.sha256)
                created.append(
                    ServedPage(
                        version_id=ids[(article_id, number)], url=page.url, status=page.status,
                        headers=page.headers, packed=packed, packed_against=against, length=page.length,
                        sha256=page.sha256,
                    )
                )  # fmt: skip
        ServedPage.objects.bulk_create(created, batch_size=100)
        self.result.pages_created += len(created)

    @staticmethod
    def _latest(chain: dict[int, tuple[int | None, str]], number: int) -> tuple[int, int | None] | None:
        """The page kept before version ``number``'s, as ``archiving.packed_against`` takes it."""
        before = [n for n in chain if n < number]
        if not before:
            return None
        latest = max(before)
        return latest, chain[latest][0]
