"""Reading an article's history again with the current extractor (``manage.py reextract``).

Every version whose response was kept (``ServedPage``) is read again, as a check would read it now
(``checking.read_served``: the same decoding, extraction and normalising), and the article's history is
rebuilt from those readings by the live check's rules (``recording``): a version whose text is one the
history already has (the latest, or a variant within TRACK_VARIANT_WINDOW) is one the check would not have
stored; the others are kinded against the version before them (parser when the extractor differs, minor
when only the skeleton stayed, edit otherwise), with their change statistics against it.

Numbers never move. Versions are addressed by number in pages (``/articles/<id>/diff/<a>/<b>/``), feed
entry ids, the API, notifications already sent and Wayback Machine saves, and a renumbered history would
make a shared link silently show another change. So each version keeps its row, number, time and page; what
a re-reading changes is its reading (text, extractor, page dates), its kind and its statistics. A version
the check would not store now becomes kind ``same`` (hidden, like minor and parser versions; its text is
its own page's reading, which is an earlier version's text), and what each changed version was before is
kept in a ``Rereading`` row, so that nothing the public saw is lost and every change says when and why.

Versions that cannot be read again (stored before pages were kept, or whose page the current extractor
finds no story in) keep their text and extractor: they take part in the rebuild as they are, and only their
kind and statistics may follow the versions around them.

Pure planning (``plan``) over what is read (``read_pages``), then ``prepare`` / ``commit`` per article: the
pages are read and the plan made without a lock (extraction is the costly part, and SQLite's transactions
hold the whole database's write lock), then, in one transaction with the article's row locked as checks
lock it, the plan is applied if the versions are still those it was made from (else made again).
"""

import copy
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet

from articles import archiving, checking, search_documents
from articles.checking import PageReading
from articles.diffing import ChangeStats, change_stats
from articles.models import (
    STAT_FIELDS,
    Article,
    Rereading,
    Version,
    load_pages,
    load_paragraphs,
    pack_paragraphs,
)
from articles.normalising import ArticleText
from articles.text_chain import dictionary_number, encode

# Articles whose ids are read at a time; each article is then read and written alone.
ID_BATCH = 200
# What a version row is written back with.
WRITTEN = (
    "title", "byline", "social_title", "plain_paragraphs", "packed_paragraphs", "packed_against",
    "content_hash", "kind", "extractor", "extractor_version", "page_published_at", "page_modified_at",
    *STAT_FIELDS,
)  # fmt: skip


@dataclass(frozen=True)
class Reread:
    """A version's kept page read again: the reading, or why there is none to use (``problem``)."""

    reading: PageReading | None
    problem: str = ""

    @property
    def usable(self) -> PageReading | None:
        return self.reading if self.reading is not None and not self.problem else None


def read_pages(versions: Sequence[Version]) -> dict[int, Reread]:
    """The kept pages of ``versions`` (by id; those without one left out) read as a check reads a page now.

    Read a keyframe's span at a time (``load_pages``: two queries, at most two decompressions a page), so
    that KEYFRAME_EVERY pages and their keyframes are held at a time, however long the history."""
    found: dict[int, Reread] = {}
    ordered = sorted(versions, key=lambda v: v.number)
    step = archiving.KEYFRAME_EVERY
    for start in range(0, len(ordered), step):
        chunk = ordered[start : start + step]
        pages = load_pages(chunk)
        for version in chunk:
            if (page := pages.get(version.pk)) is None:
                continue
            try:
                reading = checking.read_served(page)
            except checking.DATABASE_DOWN:
                raise
            except Exception as exc:  # as a check: a page the extractor chokes on is a reason, not a crash
                found[version.pk] = Reread(None, checking.unparsable(exc))
                continue
            found[version.pk] = Reread(reading, reading.problem)
    return found


@dataclass(frozen=True)
class Planned:
    """What version ``number`` is after the rebuild."""

    number: int
    text: ArticleText
    # Its text is replaced (its reading's content hash differs from its stored text's).
    text_changed: bool
    kind: str
    extractor: str
    extractor_version: str
    page_published_at: datetime | None
    page_modified_at: datetime | None
    stats: ChangeStats
    # Its page was read again (else it is kept as it was read then); ``not_read`` says why not.
    page_read: bool
    not_read: str = ""
    # For kind "same": the earlier version whose text it reads as.
    same_as: int | None = None

    @property
    def reader(self) -> str:
        return f"{self.extractor}/{self.extractor_version}"


def plan(versions: Sequence[Version], rereads: Mapping[int, Reread], window: int) -> list[Planned]:
    """The history ``versions`` (one article's, every one, their paragraphs loaded) rebuilt from their pages'
    new readings ``rereads``, by the live check's rules (see the module's docstring); ``window``:
    TRACK_VARIANT_WINDOW."""
    planned: list[Planned] = []
    stored: list[Planned] = []  # what a check with today's extractor would have stored
    for version in sorted(versions, key=lambda v: v.number):
        old = version.text
        reread = rereads.get(version.pk)
        reading = reread.usable if reread is not None else None
        if reading is not None:
            # A reading equal to the stored text under the hash is that text: a check keeps the first form.
            new = reading.text
            text_changed = new.content_hash != old.content_hash
            text = new if text_changed else old
            extractor = (reading.extraction.extractor, reading.extraction.extractor_version)
            published, modified = reading.stated_times(version.fetched_at)
        else:
            text, text_changed = old, False
            extractor = (version.extractor, version.extractor_version)
            published, modified = version.page_published_at, version.page_modified_at
        previous = planned[-1] if planned else None
        key = text.content_hash
        same = next((s for s in reversed(stored[-max(window, 1) :]) if s.text.content_hash == key), None)
        if same is not None:
            kind = Version.Kind.SAME
        elif previous is None:
            kind = Version.Kind.EDIT
        elif (previous.extractor, previous.extractor_version) != extractor:
            kind = Version.Kind.PARSER
        elif previous.text.skeleton == text.skeleton:
            kind = Version.Kind.MINOR
        else:
            kind = Version.Kind.EDIT
        # Against the version before it by number, as the site's "diff with the previous version" shows it;
        # computed again only where either text moved (the diff engine's later releases are not news).
        if text_changed or (previous is not None and previous.text_changed):
            stats = change_stats(previous.text if previous else None, text)
        else:
            stats = version.stats
        not_read = "" if reading is not None else (reread.problem if reread else "no page kept")
        entry = Planned(
            number=version.number, text=text, text_changed=text_changed, kind=kind, extractor=extractor[0],
            extractor_version=extractor[1], page_published_at=published, page_modified_at=modified,
            stats=stats, page_read=reading is not None, not_read=not_read,
            same_as=same.number if same is not None else None,
        )  # fmt: skip
        planned.append(entry)
        if same is None:
            stored.append(entry)
    return planned


def reader_of(version: Version) -> str:
    return f"{version.extractor}/{version.extractor_version}"


def differs(version: Version, planned: Planned) -> bool:
    """Whether ``planned`` changes anything stored on ``version``."""
    return (
        planned.text_changed
        or version.content_hash != planned.text.content_hash
        or version.kind != planned.kind
        or reader_of(version) != planned.reader
        or (version.page_published_at, version.page_modified_at)
        != (planned.page_published_at, planned.page_modified_at)
        or version.stats != planned.stats
    )


@dataclass
class ArticlePlan:
    """One article's history rebuilt: its versions as they are and as they will be, and its fields."""

    article: Article
    versions: list[Version]
    # The pages' readings it was made from (by version id), to make it again without reading them again.
    rereads: Mapping[int, Reread]
    planned: list[Planned]
    title: str
    current_hash: str
    last_changed_at: datetime | None

    @property
    def changed_numbers(self) -> list[int]:
        return [p.number for v, p in zip(self.versions, self.planned, strict=True) if differs(v, p)]

    @property
    def changed(self) -> bool:
        fields = (self.article.title, self.article.current_hash, self.article.last_changed_at)
        return bool(self.changed_numbers) or fields != (self.title, self.current_hash, self.last_changed_at)

    def describe(self) -> list[str]:
        """What the rebuild changes, a line for the article and one per change, for people."""
        article, pairs = self.article, list(zip(self.versions, self.planned, strict=True))
        read = [p.number for p in self.planned if p.page_read]
        head = f"article {article.pk} ({article.url}): {len(self.versions)} versions"
        if read:
            readers = sorted({p.reader for p in self.planned if p.page_read})
            head += f", {len(read)} read again by {', '.join(readers)}"
        lines = [head + ("" if self.changed else "; nothing changes")]
        for version, planned in pairs:
            if not differs(version, planned):
                continue
            what = []
            if version.kind != planned.kind:
                what.append(f"{version.kind} → {planned.kind}")
                if planned.same_as is not None:
                    what.append(f"reads as v{planned.same_as} now")
            if planned.text_changed:
                what.append(f"text re-read ({planned.stats.summary()} against v{planned.number - 1})"
                            if planned.number else "text re-read")  # fmt: skip
            elif version.stats != planned.stats:
                what.append(f"now {planned.stats.summary()} against v{planned.number - 1}")
            if (before := reader_of(version)) != planned.reader:
                what.append(f"read by {planned.reader}, was {before}")
            if not planned.text_changed and version.content_hash != planned.text.content_hash:
                what.append("content hash recomputed")
            if (version.page_published_at, version.page_modified_at) != (
                planned.page_published_at,
                planned.page_modified_at,
            ):
                what.append("page dates re-read")
            lines.append(f"  v{planned.number}: " + "; ".join(what))
        kept = [p for p in self.planned if not p.page_read]
        for reason in sorted({p.not_read for p in kept}):
            numbers = spans([p.number for p in kept if p.not_read == reason])
            lines.append(f"  kept as stored, not read again ({reason}): {numbers}")
        if article.title != self.title:
            lines.append(f"  headline now {self.title!r}")
        if article.last_changed_at != self.last_changed_at:
            moment = self.last_changed_at.isoformat() if self.last_changed_at else "never"
            lines.append(f"  last changed {moment}")
        return lines


def spans(numbers: Sequence[int]) -> str:
    """``[0, 1, 2, 5]`` as "v0–v2, v5"."""
    runs: list[list[int]] = []
    for number in sorted(numbers):
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return ", ".join(f"v{r[0]}" if len(r) == 1 else f"v{r[0]}–v{r[-1]}" for r in runs)


def article_plan(article: Article, versions: list[Version], rereads: Mapping[int, Reread]) -> ArticlePlan:
    """``article``'s rebuilt history and the fields that follow from it, as recording keeps them: the
    headline of the latest stored version, when the publisher last changed it (the latest version that is
    not a re-parse, or the first), and the text its page serves now."""
    planned = plan(versions, rereads, settings.TRACK_VARIANT_WINDOW)
    stored = [p for p in planned if p.kind != Version.Kind.SAME]
    title, last_changed_at, current_hash = article.title, article.last_changed_at, article.current_hash
    if stored:
        title = stored[-1].text.title
        changes = [p for p in stored if p.kind != Version.Kind.PARSER or p.number == stored[0].number]
        last_changed_at = {v.number: v.fetched_at for v in versions}[changes[-1].number]
    # The page serves the text of the version whose stored hash it had (the latest, or a variant it flipped
    # back to since): that version's reading now.
    for version, entry in zip(reversed(versions), reversed(planned), strict=True):
        if version.content_hash == article.current_hash:
            current_hash = entry.text.content_hash
            break
    return ArticlePlan(article, versions, rereads, planned, title, current_hash, last_changed_at)


def _history(article_id: int) -> list[Version]:
    versions = list(Version.objects.filter(article_id=article_id).order_by("number"))
    load_paragraphs(versions)
    return versions


def _fingerprint(article_id: int) -> list[tuple[int, int, str, str, str, str]]:
    """What would make a plan stale: the versions' rows, texts (by hash), kinds and readers."""
    rows = Version.objects.filter(article_id=article_id).order_by("number")
    return list(rows.values_list("pk", "number", "content_hash", "kind", "extractor", "extractor_version"))


def _fingerprint_of(versions: Sequence[Version]) -> list[tuple[int, int, str, str, str, str]]:
    return [(v.pk, v.number, v.content_hash, v.kind, v.extractor, v.extractor_version) for v in versions]


def prepare(article: Article) -> ArticlePlan:
    """``article``'s history read again and rebuilt, without writing or locking anything."""
    versions = _history(article.pk)
    return article_plan(article, versions, read_pages(versions))


def commit(prepared: ArticlePlan, now: datetime) -> ArticlePlan:
    """Write ``prepared`` in one transaction with the article's row locked (as a check's store locks it);
    if a check stored or a run rewrote a version meanwhile, the plan is made again under the lock (reading
    only the pages not read yet). The plan written."""
    with transaction.atomic():
        article = Article.objects.select_for_update().get(pk=prepared.article.pk)
        current = prepared
        if _fingerprint(article.pk) != _fingerprint_of(prepared.versions) or (
            article.current_hash,
            article.title,
            article.last_changed_at,
        ) != (prepared.article.current_hash, prepared.article.title, prepared.article.last_changed_at):
            versions = _history(article.pk)
            # A version's page never changes: only the versions stored meanwhile have pages to read.
            fresh = [v for v in versions if v.pk not in prepared.rereads]
            current = article_plan(article, versions, {**prepared.rereads, **read_pages(fresh)})
        if current.changed:
            _write(current, now)
    return current


def _write(plan: ArticlePlan, now: datetime) -> None:
    """Apply ``plan``: each changed version rewritten, what it was kept in a Rereading; paragraphs packed
    again where they or their keyframe's changed; the article's fields and its search document. The sources'
    daily counters count versions by the day they were fetched, and no version is added, removed or moved
    in time: they stay right as they are. The plan's own versions are left as they were read, so that it
    still says what it changed."""
    audit: list[Rereading] = []
    written: dict[int, Version] = {}
    moved_texts: set[int] = set()
    rows = {v.pk: copy.copy(v) for v in plan.versions}
    for planned, before in zip(plan.planned, plan.versions, strict=True):
        if not differs(before, planned):
            continue
        version = rows[before.pk]
        text_changed = planned.text_changed
        audit.append(
            Rereading(
                version=version, reread_at=now, page_read=planned.page_read,
                reread_by=planned.reader if planned.page_read else "", same_as=planned.same_as,
                kind=version.kind, extractor=version.extractor, extractor_version=version.extractor_version,
                content_hash=version.content_hash, page_published_at=version.page_published_at,
                page_modified_at=version.page_modified_at,
                title=version.title if text_changed else "",
                social_title=version.social_title if text_changed else "",
                byline=version.byline if text_changed else "",
                packed_paragraphs=encode(version.paragraphs) if text_changed else None,
            )
        )  # fmt: skip
        if text_changed:
            version.title, version.byline = planned.text.title, planned.text.byline
            version.social_title = planned.text.social_title
            version.paragraphs = list(planned.text.paragraphs)
            moved_texts.add(version.number)
        version.content_hash = planned.text.content_hash
        version.kind = planned.kind
        version.extractor, version.extractor_version = planned.extractor, planned.extractor_version
        version.page_published_at, version.page_modified_at = (
            planned.page_published_at,
            planned.page_modified_at,
        )
        for name in STAT_FIELDS:
            setattr(version, name, getattr(planned.stats, name))
        written[version.pk] = version
    # The chain stays valid: a version packed against a keyframe whose text changed is packed again.
    repacked = [
        v for v in rows.values() if v.number in moved_texts or dictionary_number(v.number) in moved_texts
    ]
    for version in repacked:
        version.paragraphs = version.paragraphs  # unpacked, to be packed against the new keyframe
        written[version.pk] = version
    pack_paragraphs(repacked)
    Version.objects.bulk_update(list(written.values()), WRITTEN, batch_size=200)
    Rereading.objects.bulk_create(audit, batch_size=200)
    # The next check reads its page again (identical bytes included) and compares with what is stored now.
    Article.objects.filter(pk=plan.article.pk).update(
        title=plan.title, current_hash=plan.current_hash, last_changed_at=plan.last_changed_at,
        body_parsed_by="",
    )  # fmt: skip
    if moved_texts:
        search_documents.rebuild_documents([plan.article.pk])


@dataclass
class Summary:
    """What a run did (or, dry, would do), counted over its articles."""

    articles: int = 0
    changed: int = 0
    versions: int = 0
    read: int = 0
    texts: int = 0
    kinds: Counter[str] = field(default_factory=Counter)
    not_read: Counter[str] = field(default_factory=Counter)

    def add(self, plan: ArticlePlan) -> None:
        self.articles += 1
        self.changed += plan.changed
        self.versions += len(plan.versions)
        for version, planned in zip(plan.versions, plan.planned, strict=True):
            self.read += planned.page_read
            self.texts += planned.text_changed
            if version.kind != planned.kind:
                self.kinds[f"{version.kind} → {planned.kind}"] += 1
            if not planned.page_read:
                self.not_read[planned.not_read] += 1

    def lines(self, dry_run: bool) -> list[str]:
        would = "would change" if dry_run else "changed"
        lines = [
            f"{self.articles} articles, {self.versions} versions: {self.read} read again from their pages, "
            f"{self.versions - self.read} kept as stored; {self.changed} articles {would}, "
            f"{self.texts} texts re-read differently"
        ]
        lines += [f"  {count} versions {kind}" for kind, count in sorted(self.kinds.items())]
        lines += [f"  {count} versions not read: {why}" for why, count in sorted(self.not_read.items())]
        return lines


def in_scope(*, article: int | None = None, source: str | None = None) -> QuerySet[Article]:
    """The articles a run reads: one, a source's, or (neither given) every one with a version."""
    articles = Article.objects.filter(version_count__gt=0)
    if article is not None:
        articles = articles.filter(pk=article)
    if source is not None:
        articles = articles.filter(source__slug=source)
    return articles


def ids_in_batches(articles: QuerySet[Article], batch: int = ID_BATCH) -> Iterator[list[int]]:
    """The ids of ``articles`` in order, ``batch`` at a time (keyset: no offset, nothing held)."""
    ids = articles.order_by("pk").values_list("pk", flat=True)
    last = 0
    while chunk := list(ids.filter(pk__gt=last)[:batch]):
        yield chunk
        last = chunk[-1]


def reextract(
    articles: QuerySet[Article],
    *,
    dry_run: bool,
    now: datetime,
    report: Callable[[list[str]], object],
    advance: Callable[[], object] = lambda: None,
) -> Summary:
    """Read the histories of ``articles`` again and rebuild those whose reading changed (with ``dry_run``,
    only say what would change); ``report`` gets each article's lines when it changes, ``advance`` is
    called once an article is done. An article's pages are held only while it is done."""
    summary = Summary()
    for chunk in ids_in_batches(articles):
        for article in Article.objects.filter(pk__in=chunk).order_by("pk"):
            prepared = prepare(article)
            done = prepared if dry_run or not prepared.changed else commit(prepared, now)
            summary.add(done)
            if done.changed:
                report(done.describe())
            advance()
    return summary
