"""What a check writes: the article's bookkeeping after a success or a failure, and a new version when the
text changed. The check (``checking``) decides what it found; this module only records it, so the models
know nothing of fetching."""

import dataclasses
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction

from articles import activity, entries, scheduling, search_documents
from articles.diffing import ChangeStats, TextDiff, stats_of, stored_diff
from articles.extraction import Extraction
from articles.fetching import FetchResult
from articles.models import Article, ServedPage, Version, load_paragraphs
from articles.normalising import ArticleText


@dataclass(frozen=True)
class CheckFailure:
    """Why a check produced no text. ``transient`` failures (timeouts, 5xx, a page that would not parse)
    may pass; permanent ones (404, not HTML, refused address) are given up on sooner. ``status`` is the
    HTTP status when there was a response."""

    reason: str
    transient: bool
    status: int | None = None


# What a check that found no change writes: one UPDATE, the hot path of tracking.
UNCHANGED_FIELDS = (
    "last_checked_at", "consecutive_failures", "last_error", "etag", "last_modified", "final_url",
    "status", "next_check_at", "body_hash", "body_parsed_by", "page_published_at", "page_modified_at",
    "volatile_since",
)  # fmt: skip


def record_unchanged(article: Article, fetched: FetchResult, now: datetime, parsed_by: str = "") -> None:
    """Schedule the next check after one that found the text unchanged.

    Most checks end here, so it is a single UPDATE with no row lock: it writes only bookkeeping from
    this check (no text, no version count), and a check of the same article racing it at worst
    leaves the other's validators or next time, which the next check corrects. It applies only if the
    status is still the one the check began with: staff may have removed or stopped the article
    meanwhile. Its commit need not wait for the disk: lost in a crash, the article is checked again.
    """
    status_before = article.status
    if article.volatile_since is not None and scheduling.volatile_flag_expired(article.volatile_since, now):
        article.volatile_since = None  # unchanged after a whole window of seldom checks: settled
    _record_success(article, fetched, now)
    if not fetched.not_modified:
        article.body_hash, article.body_parsed_by = fetched.body_hash, parsed_by
    with transaction.atomic():
        _commit_without_waiting_for_disk()
        Article.objects.filter(pk=article.pk, status=status_before).update(
            **{field: getattr(article, field) for field in UNCHANGED_FIELDS}
        )


def store_if_changed(
    article: Article,
    text: ArticleText,
    extraction: Extraction,
    fetched: FetchResult,
    now: datetime,
    parsed_by: str = "",
) -> Version | None:
    """Store ``text`` as the next version of ``article`` if it is new; either way, schedule the next check.

    Unchanged means equal to the text the page served last time (``current_hash``) or to the latest
    version. Equal to an earlier version within TRACK_VARIANT_WINDOW means the page flips between
    variants it has served before (A→B→A→B): recorded on the article, never as another version.
    Stored versions are kinded: ``parser`` when the extractor differs from the latest version's (a
    re-parse, not the publisher's edit), ``minor`` when only whitespace, punctuation or a date line
    changed, ``edit`` otherwise.

    The row lock serialises concurrent checks of one article, so the same content is never stored
    twice; the unique (article, number) constraint backs that up. The diff behind the change statistics,
    the costly part, runs before the lock, against the latest version as it stands then; again under the
    lock only if another check stored a version meanwhile (or ``manage.py reextract`` read it again).
    """
    key = text.content_hash
    before: list[Version] = []
    against, change = None, None
    if key != article.current_hash:
        before = _recent(article)
        against = before[0] if before else None
        if against is None or against.text.content_hash != key:
            change = _change(against, text)
    with transaction.atomic():
        locked = _locked(article)
        # The dates this check read (set by the check on ``article``, not yet stored).
        locked.page_published_at = article.page_published_at
        locked.page_modified_at = article.page_modified_at
        version = None
        if key != locked.current_hash:
            recent = _recent(locked, before)
            # Recomputed from the stored text, not read from the stored hash, so that a change to the
            # normalisation rules never makes every article look edited.
            keys = [v.text.content_hash for v in recent]
            if keys and key == keys[0]:
                pass  # back to the latest version's text
            elif key in keys:
                locked.variant_flips += 1
                locked.last_flip_at = now
            else:
                latest = recent[0] if recent else None
                # Another version stored meanwhile, or this one's text read again (manage.py reextract).
                if change is None or _identity(latest) != _identity(against):
                    change = _change(latest, text)
                version = _add_version(locked, text, extraction, latest, change, now, fetched)
                _flag_if_volatile(locked, version, now)
            locked.current_hash = key
        _record_success(locked, fetched, now)
        locked.body_hash = fetched.body_hash
        locked.body_parsed_by = parsed_by
        locked.save()
    article.refresh_from_db()
    return version


def record_failure(article: Article, failure: CheckFailure, now: datetime) -> None:
    """Count the failure, back off, and give up on a page that is gone or keeps failing.

    404/410 TRACK_GONE_AFTER times in a row → gone; another permanent error (not HTML, refused address,
    disallowed by robots.txt) TRACK_FAILING_AFTER times → failing; TRACK_MAX_FAILURES errors of any
    kind → failing. The versions are always kept.
    """
    with transaction.atomic():
        _commit_without_waiting_for_disk()  # as for unchanged checks: a lost failure is retried
        locked = _locked(article)
        locked.last_checked_at = now
        locked.consecutive_failures += 1
        locked.last_error = failure.reason[:2000]
        failures = locked.consecutive_failures
        if failure.status in (404, 410) and failures >= settings.TRACK_GONE_AFTER:
            locked.status, locked.next_check_at = Article.Status.GONE, None
        elif failures >= settings.TRACK_MAX_FAILURES or (
            failure.status not in (404, 410)
            and not failure.transient
            and failures >= settings.TRACK_FAILING_AFTER
        ):
            locked.status, locked.next_check_at = Article.Status.FAILING, None
        elif locked.status == Article.Status.ACTIVE:
            locked.next_check_at = scheduling.next_check_after_failure(now, failures)
        locked.save()
    article.refresh_from_db()


def _locked(article: Article) -> Article:
    return Article.objects.select_for_update().get(pk=article.pk)


def _record_success(article: Article, fetched: FetchResult, now: datetime) -> None:
    article.last_checked_at = now
    article.consecutive_failures = 0
    article.last_error = ""
    # A 304 may omit the validators it confirms; only a full response replaces them.
    if not fetched.not_modified or fetched.etag or fetched.last_modified:
        article.etag = fetched.etag
        article.last_modified = fetched.last_modified
    if not fetched.not_modified:
        article.final_url = "" if fetched.url == article.url else fetched.url[:2048]
    if article.status in (Article.Status.FAILING, Article.Status.GONE):
        article.status = Article.Status.ACTIVE
    if article.status != Article.Status.ACTIVE:
        article.next_check_at = None
    elif scheduling.should_stop(article.schedule_clock, now):
        article.status, article.next_check_at = Article.Status.STOPPED, None
    else:
        article.next_check_at = scheduling.next_check_after_success(article.schedule_clock, now)
        if article.volatile_since is not None:
            article.next_check_at = max(article.next_check_at, scheduling.next_check_when_volatile(now))


def _identity(version: Version | None) -> tuple[int, str] | None:
    return None if version is None else (version.pk, version.content_hash)


def _recent(article: Article, read: list[Version] | None = None) -> list[Version]:
    """The article's latest TRACK_VARIANT_WINDOW versions, newest first, with their paragraphs (read in one
    query with their keyframes). Under the lock, the versions ``read`` before it are used again if they are
    still the latest, as they almost always are: only their identities are read then, not their texts."""
    window = article.versions.order_by("-number")[: settings.TRACK_VARIANT_WINDOW]
    if read is not None and list(window.values_list("pk", "content_hash")) == [_identity(v) for v in read]:
        return read
    recent = list(window)
    load_paragraphs(recent)
    return recent


@dataclass(frozen=True)
class Change:
    """A text against the latest version: its statistics, and the diff they count (None for a first)."""

    stats: ChangeStats
    diff: TextDiff | None


def _change(latest: Version | None, text: ArticleText) -> Change:
    if latest is None:
        return Change(ChangeStats(), None)
    diff = stored_diff(latest.text, text)
    return Change(stats_of(latest.text, text, diff.body), diff)


def _add_version(
    article: Article,
    text: ArticleText,
    extraction: Extraction,
    latest: Version | None,
    change: Change,
    now: datetime,
    fetched: FetchResult,
) -> Version:
    """``text`` stored as the version after ``latest``, with ``change`` (``text`` against ``latest``), its
    feed entry, and the response it was read from when ARCHIVE_SERVED_PAGES is on."""
    kind = Version.Kind.EDIT
    if latest is not None:
        extractor = (extraction.extractor, extraction.extractor_version)
        if (latest.extractor, latest.extractor_version) != extractor:
            kind = Version.Kind.PARSER
        elif latest.text.skeleton == text.skeleton:
            kind = Version.Kind.MINOR
    version = Version.objects.create(
        article=article,
        number=0 if latest is None else latest.number + 1,
        kind=kind,
        **dataclasses.asdict(change.stats),
        fetched_at=now,
        title=text.title,
        byline=text.byline,
        plain_paragraphs=list(text.paragraphs),
        social_title=text.social_title,
        page_published_at=article.page_published_at,
        page_modified_at=article.page_modified_at,
        content_hash=text.content_hash,
        extractor=extraction.extractor,
        extractor_version=extraction.extractor_version,
        **(Version.wayback_asked(now) if Version.wayback_wanted(kind) else {}),
    )
    if settings.ARCHIVE_SERVED_PAGES:
        # In the version's transaction: a version is never without its page, nor a page without a version.
        ServedPage.objects.store(version, fetched.url, fetched.status, fetched.headers, fetched.body)
    if latest is not None and change.diff is not None and settings.FEED_ENTRY_DAYS > 0:
        entries.entry_of(latest, version, latest.text, text, change.diff).save(force_insert=True)
    # In the version's transaction: the article's search document and its source's counters.
    search_documents.add_words({article.pk: [search_documents.searchable_text(text)]})
    newest_before = None if latest is None else latest.fetched_at
    activity.count_stored([activity.Stored(article.source_id, newest_before, [now])])
    article.title = text.title
    article.version_count = version.number + 1
    # A re-parse is not news: it neither counts as a change nor brings back frequent checks.
    if kind != Version.Kind.PARSER or article.last_changed_at is None:
        article.last_changed_at = now
    # Its notifications: a delivery per rule that wants it, in this transaction, sent once it commits.
    # Imported here: the tasks module imports the check, which imports this module.
    from articles.tasks import notify_of, save_to_wayback_soon

    notify_of(version)
    # Its Wayback Machine save (WAYBACK_SAVE), asked for in its row, queued once it commits.
    if version.wayback_status == Version.Wayback.PENDING:
        save_to_wayback_soon(version)
    return version


def _flag_if_volatile(article: Article, version: Version, now: datetime) -> None:
    """Flag the article once TRACK_VOLATILE_VERSIONS versions came within TRACK_VOLATILE_WINDOW: one
    lookup by (article, number), the unique index, whatever the length of the history."""
    back = settings.TRACK_VOLATILE_VERSIONS - 1
    if article.volatile_since is not None or back < 1 or version.number < back:
        return
    earlier = article.versions.filter(number=version.number - back).values_list("fetched_at", flat=True)
    if (fetched_at := earlier.first()) is not None and scheduling.is_volatile(fetched_at, now):
        article.volatile_since = now


def _commit_without_waiting_for_disk() -> None:
    """Let this transaction's commit return before its WAL reaches the disk (Postgres). A crash can lose
    it whole, never half of it; only for writes that the next check would redo anyway."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
