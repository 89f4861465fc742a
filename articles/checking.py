"""One check of one article: fetch → extract → normalise + hash → store a version if the text changed."""

import dataclasses
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from urllib.parse import urlsplit

import httpx
from celery.exceptions import SoftTimeLimitExceeded
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone

from articles import archiving, recording, scheduling
from articles.canonical import InvalidURL, bare_host, canonical_url, url_variants
from articles.extraction import Extraction, extract, release_for
from articles.fetching import FetchError, FetchResult, decode_html, fetch
from articles.models import Article
from articles.normalising import ArticleText, stated_time
from articles.politeness import HostBusy
from articles.recording import CheckFailure

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckOutcome:
    kind: Literal["new_version", "unchanged", "error", "deferred", "duplicate"]
    version_number: int | None = None
    reason: str = ""

    def __str__(self) -> str:
        if self.kind == "new_version":
            return f"new version {self.version_number}"
        if self.kind == "error":
            return f"error: {self.reason}"
        return f"{self.kind} ({self.reason})" if self.reason else self.kind


# The database gone (restarting, say): not the article's failure, and it could not be recorded anyway. The
# check task retries (its autoretry_for), once the database is back.
DATABASE_DOWN = (OperationalError, InterfaceError)


@dataclass
class _Progress:
    """What the check was doing, for the reason of a failure nothing expected."""

    stage: str = "starting the check"  # fetch() takes the site's turn itself, within "fetching the page"


def run_check(article: Article, now: datetime | None = None) -> CheckOutcome:
    """Check ``article`` once. Every exception but a database outage ends as a recorded failure with a
    reason, backed off like any other: one that escaped would leave the article claimed, with nothing
    recorded, to come back at every claim expiry and fail the same way for ever (and end the task that
    was to check the rest of its batch). Celery's soft time limit is recorded too, and then raised on,
    since it means the task must end."""
    progress = _Progress()
    try:
        # fetch() takes the host's politeness slot for each request it sends; HostBusy comes from there.
        return _check(article, now or timezone.now(), progress)
    except HostBusy as busy:
        # Put it back on the schedule rather than hold a worker: the claim lease would bring it back later.
        until = timezone.now() + scheduling.jittered(timedelta(seconds=busy.wait))
        Article.objects.filter(pk=article.pk, status=Article.Status.ACTIVE).update(
            next_check_at=until,
            check_claimed_at=None,  # put off, not under way
        )
        return CheckOutcome("deferred", reason=str(busy))
    except DATABASE_DOWN:
        raise
    except SoftTimeLimitExceeded:
        _record_unexpected(article, now, f"ran past the task's time limit while {progress.stage}")
        raise
    except Exception as exc:
        logger.exception("check of article %s failed while %s", article.pk, progress.stage)
        reason = f"unexpected error while {progress.stage} ({described(exc)})"
        return _record_unexpected(article, now, reason)


def described(exc: Exception) -> str:
    """``Type: message``, cut short: a message may quote a whole page."""
    message = " ".join(str(exc).split())
    if len(message) > 200:
        message = message[:200] + "…"
    return f"{type(exc).__name__}: {message}" if message else type(exc).__name__


def _record_unexpected(article: Article, now: datetime | None, reason: str) -> CheckOutcome:
    # Transient: a bug (ours or a library's) may be gone after the next deploy; TRACK_MAX_FAILURES of
    # them in a row still give up.
    recording.record_failure(article, CheckFailure(reason, transient=True), now or timezone.now())
    return CheckOutcome("error", reason=reason)


def _check(article: Article, now: datetime, progress: _Progress) -> CheckOutcome:
    progress.stage = "fetching the page"
    try:
        fetched = fetch(article.url, etag=article.etag, last_modified=article.last_modified)
    except FetchError as error:
        failure = CheckFailure(error.reason, transient=error.transient, status=error.status)
        recording.record_failure(article, failure, now)
        logger.info("check of article %s failed: %s", article.pk, error.reason)
        return CheckOutcome("error", reason=error.reason)

    progress.stage = "storing what it found"
    fetched = _storable_validators(fetched)
    if fetched.not_modified:
        recording.record_unchanged(article, fetched, now)
        return CheckOutcome("unchanged", reason="not modified")
    # Names the code that reads this page now: when it changes, identical bytes are read again.
    reader = release_for(fetched.url)
    if article.body_hash == fetched.body_hash and article.body_parsed_by == reader:
        # The same bytes read by the same extractor give the same text; a new extractor reads them again.
        recording.record_unchanged(article, fetched, now, parsed_by=reader)
        return CheckOutcome("unchanged", reason="identical bytes")

    progress.stage = "reading the page"
    try:
        extraction = extract(fetched.text, fetched.url)
    except (*DATABASE_DOWN, SoftTimeLimitExceeded):
        raise
    except Exception as exc:  # a page the parser chokes on must back off, not be re-swept forever
        logger.exception("extraction failed for article %s", article.pk)
        failure = CheckFailure(unparsable(exc), transient=True, status=fetched.status)
        recording.record_failure(article, failure, now)
        return CheckOutcome("error", reason=failure.reason)
    # Normalising is not parsing: an error of its own is an unexpected one, told as such (test_check_errors).
    reading = reading_of(extraction)
    text = reading.text
    if extraction.unreadable:
        # Only the start of the page was read: it may hold part of the story, which is not the story.
        failure = CheckFailure(extraction.unreadable, transient=True, status=fetched.status)
        recording.record_failure(article, failure, now)
        return CheckOutcome("error", reason=failure.reason)
    if article.version_count == 0 and (duplicate := _adopt_canonical(article, extraction)):
        return duplicate
    article.page_published_at, article.page_modified_at = reading.stated_times(now)
    if text.is_empty:
        failure = CheckFailure(reading.problem, transient=True, status=fetched.status)
        recording.record_failure(article, failure, now)
        return CheckOutcome("error", reason=failure.reason)

    is_unchanged = text.content_hash == article.current_hash
    progress.stage = "storing what it found"
    if is_unchanged:
        # Same text as last time under new bytes (chrome churn, the common case): no lock, one UPDATE.
        recording.record_unchanged(article, fetched, now, parsed_by=reader)
        return CheckOutcome("unchanged")
    version = recording.store_if_changed(article, text, extraction, fetched, now, parsed_by=reader)
    if version is None:
        return CheckOutcome("unchanged")
    logger.info("article %s: new version %s (%s)", article.pk, version.number, version.kind)
    return CheckOutcome("new_version", version_number=version.number)


@dataclass(frozen=True)
class PageReading:
    """What a check reads of a page: the extraction and its text, normalised (empty when the page could not
    be read or held no story: ``problem`` then says why, and nothing may be stored)."""

    extraction: Extraction
    text: ArticleText

    @property
    def problem(self) -> str:
        if self.extraction.unreadable:
            return self.extraction.unreadable
        # Storing an empty version would later read as "the whole article was deleted".
        return "no article text found on the page" if self.text.is_empty else ""

    def stated_times(self, now: datetime) -> tuple[datetime | None, datetime | None]:
        """When the page says it was published and last updated, as believed at ``now``."""
        return stated_time(self.extraction.published, now), stated_time(self.extraction.modified, now)


def read_page(html: str, url: str) -> PageReading:
    """How every page becomes a text: the check's reading of what it fetched, and ``reextract``'s of an
    archived page (``read_served``), so that a history re-read is read exactly as a check would read it
    now. Raises whatever the extractor raises on a page it chokes on (``unparsable`` says it)."""
    return reading_of(extract(html, url))


def reading_of(extraction: Extraction) -> PageReading:
    """The text of ``extraction``, normalised (none when only the start of the page could be read)."""
    if extraction.unreadable:
        return PageReading(extraction, ArticleText("", "", ()))
    text = ArticleText.from_parts(
        extraction.title, extraction.byline, extraction.paragraphs, extraction.social_title
    )
    return PageReading(extraction, text)


def read_served(page: archiving.Page) -> PageReading:
    """``read_page`` of an archived page: its body decoded as the fetch decoded it (``decode_html`` with the
    charset httpx reads from the headers kept), read at its final URL, as the check that kept it read it."""
    charset = httpx.Response(page.status, headers=list(page.headers)).charset_encoding
    return read_page(decode_html(page.body, charset), page.url)


def unparsable(exc: Exception) -> str:
    return f"could not parse the page ({type(exc).__name__})"


def _storable_validators(fetched: FetchResult) -> FetchResult:
    """Without an ETag or Last-Modified longer than the article keeps (Postgres would refuse the row): such
    a value is no use to send back anyway, and a server's odd header must not fail the check."""
    etag_max = Article._meta.get_field("etag").max_length or 0
    modified_max = Article._meta.get_field("last_modified").max_length or 0
    if len(fetched.etag) <= etag_max and len(fetched.last_modified) <= modified_max:
        return fetched
    return dataclasses.replace(
        fetched,
        etag=fetched.etag if len(fetched.etag) <= etag_max else "",
        last_modified=fetched.last_modified if len(fetched.last_modified) <= modified_max else "",
    )


def _same_site(url: str, other: str) -> bool:
    """Same host and port up to http/https, ``www.`` and mobile prefixes: a page may name its canonical
    address there, but not elsewhere (a hostile page must not move a tracked article to another site)."""
    a, b = urlsplit(url), urlsplit(other)
    return (bare_host(a.hostname or ""), a.port) == (bare_host(b.hostname or ""), b.port)


def _adopt_canonical(article: Article, extraction: Extraction) -> CheckOutcome | None:
    """Before its first version, move the article to the address the page calls canonical; if another
    article already has that address, this one is a duplicate and goes (it has no history to lose)."""
    try:
        canonical = canonical_url(extraction.canonical) if extraction.canonical else ""
    except InvalidURL:
        return None
    if not canonical or canonical == article.url or not _same_site(article.url, canonical):
        return None
    existing = Article.objects.filter(url__in=url_variants(canonical)).exclude(pk=article.pk).first()
    if existing is None:
        try:
            with transaction.atomic():
                Article.objects.filter(pk=article.pk, version_count=0).update(url=canonical)
            article.url = canonical
            return None
        except IntegrityError:  # tracked under that address a moment ago by another check
            existing = Article.objects.filter(url=canonical).first()
    Article.objects.filter(pk=article.pk, version_count=0).delete()
    target = f"article {existing.pk}" if existing else canonical
    return CheckOutcome("duplicate", reason=f"same canonical address as {target}")
